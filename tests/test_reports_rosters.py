"""Rosters planned against actual duty, late or missing rosters, the 通报 list; hazards board."""

from datetime import date, timedelta

from app.groups.models import Roster, RosterShift, RosterShiftMember
from tests.report_fixtures import add_hazard, add_shift, local

DAY = date(2026, 11, 30)


def _roster(session, town, group, *, due, submitted, duties):
    roster = Roster(
        group_id=town.groups[group].id,
        period_start=DAY - timedelta(days=6),
        period_end=DAY,
        due_at=due,
        submitted_at=submitted,
    )
    session.add(roster)
    session.flush()
    for site, start, end, people in duties:
        rs = RosterShift(roster_id=roster.id, site_id=site.id, starts_at=start, ends_at=end)
        session.add(rs)
        session.flush()
        for user in people:
            session.add(RosterShiftMember(roster_shift_id=rs.id, user_id=user.id))
    session.flush()
    return roster


def _get(client, headers, **params):
    res = client.get(
        "/api/reports/rosters",
        params={"from": "2026-11-24", "to": "2026-11-30", **params},
        headers=headers,
    )
    assert res.status_code == 200, res.text
    return res.json()


def test_people_planned_but_not_on_an_overlapping_shift_are_absent(client, town, session, login):
    a = town.sites["a"]
    m = [town.users[f"member_a{i}"] for i in range(1, 5)]
    _roster(
        session,
        town,
        "a",
        due=local(DAY - timedelta(days=10), 18),
        submitted=local(DAY - timedelta(days=11), 9),
        duties=[(a, local(DAY, 8), local(DAY, 16), m)],
    )
    add_shift(session, a, local(DAY, 9), local(DAY, 15), m[:3])  # member_a4 did not come
    add_shift(session, a, local(DAY, 17), local(DAY, 20), [m[3]])  # later, not overlapping
    session.commit()
    report = _get(client, login("supervisor"))
    group_a = next(g for g in report["groups"] if g["group_id"] == town.groups["a"].id)
    assert group_a["roster_status"] == "on_time"
    assert (group_a["planned_person_shifts"], group_a["present_person_shifts"]) == (4, 3)
    [absence] = group_a["absences"]
    assert absence["absent_ids"] == [m[3].id]
    assert absence["absent_names"] == ["队员A4"]
    notice = [n for n in report["notice"] if n["group_id"] == town.groups["a"].id]
    assert [n["issue"] for n in notice] == ["absent"]
    assert "队员A4 未到岗" in notice[0]["detail"]
    assert notice[0]["detail"].startswith("2026-11-30 08:00–16:00 东风小学")


def test_a_returned_shift_does_not_prove_presence(client, town, session, login):
    a = town.sites["a"]
    m = [town.users["member_a1"]]
    _roster(
        session,
        town,
        "a",
        due=None,
        submitted=local(DAY - timedelta(days=9), 9),
        duties=[(a, local(DAY, 8), local(DAY, 16), m)],
    )
    add_shift(session, a, local(DAY, 8), local(DAY, 16), m, status="returned")
    session.commit()
    group_a = _get(client, login("supervisor"), group_id=town.groups["a"].id)["groups"][0]
    assert group_a["present_person_shifts"] == 0


def test_rosters_submitted_late_or_not_at_all_go_on_the_public_report(client, town, session, login):
    _roster(
        session,
        town,
        "a",
        due=local(DAY - timedelta(days=10), 18),
        submitted=local(DAY - timedelta(days=8), 9),
        duties=[],
    )
    _roster(session, town, "b", due=local(DAY - timedelta(days=10), 18), submitted=None, duties=[])
    session.commit()
    report = _get(client, login("supervisor"))
    status = {g["group_id"]: g["roster_status"] for g in report["groups"]}
    assert status == {town.groups["a"].id: "late", town.groups["b"].id: "not_submitted"}
    issues = sorted((n["group_name"], n["issue"]) for n in report["notice"])
    assert issues == [("东风片区巡逻组", "roster_late"), ("红旗片区巡逻组", "roster_not_submitted")]
    csv = client.get(
        "/api/reports/rosters?from=2026-11-24&to=2026-11-30&format=csv",
        headers=login("supervisor"),
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "巡逻组,组长,问题,情况"
    assert len(lines) == 3


def test_a_group_without_any_roster_is_reported(client, town, session, login):
    report = _get(client, login("supervisor"))
    assert {n["issue"] for n in report["notice"]} == {"no_roster"}
    assert len(report["notice"]) == 2


def test_a_leader_sees_only_her_groups_rosters(client, town, login):
    report = _get(client, login("leader_b"))
    assert [g["group_id"] for g in report["groups"]] == [town.groups["b"].id]
    res = client.get(
        f"/api/reports/rosters?group_id={town.groups['a'].id}", headers=login("leader_b")
    )
    assert res.status_code == 403
    assert client.get("/api/reports/rosters", headers=login("member_a1")).status_code == 403


def test_hazard_board_puts_overdue_first_and_groups_300m_findings_by_place(
    client, town, session, login
):
    a, b = town.sites["a"], town.sites["b"]
    user = town.users["member_a1"]
    when = local(DAY - timedelta(days=20), 10)
    fresh = add_hazard(session, a, user, local(DAY, 10), category="fire")
    overdue = add_hazard(
        session,
        a,
        user,
        when,
        category="food_hygiene",
        status="assigned",
        department="market_regulation",
        due_date=date(2020, 1, 1),
    )
    closed_late = add_hazard(
        session,
        b,
        user,
        when,
        category="traffic",
        status="closed",
        department="traffic_police",
        due_date=date(2020, 1, 1),
    )
    cafe = add_hazard(
        session,
        b,
        user,
        when,
        category="surroundings",
        place_type="internet_cafe",
        within_300m=True,
        distance_m=120.0,
        status="assigned",
        department="police_station",
        due_date=date(2099, 1, 1),
    )
    add_hazard(
        session,
        b,
        user,
        when,
        category="surroundings",
        place_type="internet_cafe",
        within_300m=True,
        status="closed",
    )
    session.commit()
    board = client.get("/api/reports/hazards", headers=login("supervisor")).json()
    assert board["hazards"][0]["id"] == overdue.id
    assert board["hazards"][0]["overdue"] is True
    assert board["overdue"] == 1
    assert board["hazards"][-1]["status"] == "closed"
    assert {h["id"] for h in board["hazards"][1:3]} == {fresh.id, cafe.id}
    assert closed_late.id in {h["id"] for h in board["hazards"]}
    assert board["by_status"] == {"reported": 1, "assigned": 2, "closed": 2}
    assert board["by_department"] == {"": 1, "market_regulation": 1, "police_station": 1}
    assert board["within_300m"] == [
        {"place_type": "internet_cafe", "count": 1, "hazard_ids": [cafe.id]}
    ]
    lead = client.get("/api/reports/hazards", headers=login("leader_a")).json()
    assert {h["site_id"] for h in lead["hazards"]} == {a.id}
    csv = client.get("/api/reports/hazards?format=csv", headers=login("supervisor"))
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("隐患编号,场所,类别")

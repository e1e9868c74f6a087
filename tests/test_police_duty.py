"""Police at the gate (护学岗) and leadership duty (领导值班和带班): the rules over plain facts,
then pushed, pulled and reported on SQLite and Postgres. Every time comes from fixed dates long
past (DAY is a Monday), never from the day the tests run."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.duty import rules as duty_rules
from app.duty.models import DutyRecord
from app.groups.membership import scope_of
from app.police import rules as police_rules
from app.police.models import PolicePresence
from app.records.authz import Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.reports.duty import assessment_lines as duty_lines
from app.reports.duty import duty
from app.reports.police import assessment_lines as police_lines
from app.reports.police import police
from app.towns.models import Department
from tests.factories import add_user
from tests.sync_helpers import SHANGHAI, mut, pull_all, push

DAY = date(2024, 11, 25)  # a Monday, long past
SATURDAY = DAY + timedelta(days=5)
LATER = datetime(2024, 12, 20, tzinfo=UTC)  # every window and day of these tests has ended


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI)


# --- the rules, over plain facts ------------------------------------------------------------


def test_presence_counts_from_15_minutes_before_the_window_to_its_end_in_the_schools_zone():
    def flag(hh, mm):
        return police_rules.window_flag(
            at(DAY, hh, mm), DAY, time(7, 30), time(8, 30), "Asia/Shanghai"
        )

    assert flag(7, 15) is None and flag(8, 30) is None
    assert flag(7, 14) == "outside_window" and flag(8, 31) == "outside_window"


def test_a_window_is_judged_only_once_it_has_ended():
    assert not police_rules.window_ended(at(DAY, 8, 29), DAY, time(8, 30), "Asia/Shanghai")
    assert police_rules.window_ended(at(DAY, 8, 30), DAY, time(8, 30), "Asia/Shanghai")


def test_a_check_covers_its_window_only_with_an_officer_there_and_inside_the_window():
    assert police_rules.covers(2, None)
    assert not police_rules.covers(0, None)
    assert not police_rules.covers(2, "outside_window")


def test_names_or_badge_numbers_given_are_one_per_officer():
    police_rules.check_officers(2, [])
    police_rules.check_officers(2, ["张警官", "警号 012345"])
    with pytest.raises(Rejected) as raised:
        police_rules.check_officers(2, ["张警官"])
    assert "到岗人数" in raised.value.message_zh


def test_an_officer_stands_to_the_posts_of_her_own_department_and_town_only():
    def rel(dept, town):
        return police_rules.post_relations(
            roles=["department"],
            department=dept,
            town_id=town,
            post_department="police_station",
            post_town_id=1,
        )

    assert rel("police_station", 1) == {Relation.post_officer}
    assert rel("traffic_police", 1) == set()
    assert rel("police_station", 2) == set()


def test_only_the_planned_cadre_or_the_substitute_named_stands_to_the_day():
    assert duty_rules.cadre_relations(7, 7, None) == {Relation.duty_cadre}
    assert duty_rules.cadre_relations(8, 7, 8) == {Relation.duty_cadre}
    assert duty_rules.cadre_relations(9, 7, 8) == set()


def test_a_school_day_is_due_and_a_weekend_day_only_when_planned():
    assert duty_rules.duty_day(DAY, planned=False)
    assert not duty_rules.duty_day(SATURDAY, planned=False)
    assert duty_rules.duty_day(SATURDAY, planned=True)


def test_a_duty_check_in_outside_its_local_day_is_flagged_and_a_second_record_conflicts():
    assert duty_rules.day_flag(at(DAY, 0, 5), DAY, "Asia/Shanghai") is None
    assert duty_rules.day_flag(at(DAY, 23, 59), DAY, "Asia/Shanghai") is None
    assert duty_rules.day_flag(at(DAY + timedelta(days=1), 0, 1), DAY, "Asia/Shanghai") == (
        "outside_day"
    )
    with pytest.raises(Conflicted) as raised:
        duty_rules.check_first_record(True, "东风小学", DAY)
    assert raised.value.rule == Rule.duty_recorded
    with pytest.raises(Rejected):
        duty_rules.check_planned(False, "东风小学", DAY)


# --- police at the gate: pushed, pulled and reported -----------------------------------------


@pytest.fixture
def police_post(client, session, town, login):
    """School a has a police-station post; officers of both departments exist."""
    add_user(
        session, town, "police_a", "民警 刘洋", ["department"], department=Department.police_station
    )
    add_user(
        session,
        town,
        "traffic_a",
        "交警 周勇",
        ["department"],
        department=Department.traffic_police,
    )
    session.commit()
    site = town.sites["a"]
    res = client.post(
        "/api/police/posts",
        json={"site_id": site.id, "department": "police_station"},
        headers=login("admin"),
    )
    assert res.status_code == 201, res.text
    return site, res.json()["id"], town.windows["a"]


def _presence(
    site_id, window_id, day, when, officers=2, names=(), department=Department.police_station
):
    return mut(
        "police.presence",
        {
            "site_id": site_id,
            "department": department,
            "window_id": window_id,
            "local_date": day.isoformat(),
            "officers": officers,
            "officer_names": list(names),
        },
        at=when,
    )


def test_presence_is_recorded_for_the_post_and_judged_by_the_corrected_time(
    client, session, police_post, login
):
    site, post_id, (arrival, dismissal) = police_post
    officer = login("police_a")
    inside = _presence(site.id, arrival.id, DAY, at(DAY, 7, 20), names=["刘洋", "警号 031"])
    late = _presence(site.id, dismissal.id, DAY, at(DAY, 18, 0))
    results = push(client, officer, [inside, late])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    session.rollback()
    stored = session.get(PolicePresence, inside["id"])
    assert (stored.post_id, stored.officers, stored.officer_names) == (
        post_id,
        2,
        ["刘洋", "警号 031"],
    )
    assert stored.window_flag is None
    assert session.get(PolicePresence, late["id"]).window_flag == "outside_window"


def test_an_officer_records_only_for_her_own_departments_posts_and_only_where_one_exists(
    client, session, police_post, login
):
    site, _, (arrival, _) = police_post
    traffic = login("traffic_a")
    wrong_department = _presence(site.id, arrival.id, DAY, at(DAY, 7, 40))
    no_post = _presence(
        site.id, arrival.id, DAY, at(DAY, 7, 40), department=Department.traffic_police
    )
    results = push(client, traffic, [wrong_department, no_post])
    assert (results[0]["status"], results[0]["rule"]) == ("rejected", "not_post_officer")
    assert "所属部门" in results[0]["message_zh"]
    assert results[1]["status"] == "rejected" and "护学岗" in results[1]["message_zh"]
    # one bad mutation never sinks the batch
    good = _presence(site.id, arrival.id, DAY, at(DAY, 7, 40))
    bad_window = _presence(site.id, 999_999, DAY, at(DAY, 7, 40))
    results = push(client, login("police_a"), [bad_window, good])
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert "不属于本校" in results[0]["message_zh"]


def test_the_schools_gate_staff_record_police_presence_and_pull_it(client, police_post, login):
    site, _, (arrival, _) = police_post
    gate = login("gate_a")
    check = _presence(site.id, arrival.id, DAY, at(DAY, 7, 35), officers=1)
    [r] = push(client, gate, [check])
    assert r["status"] == "applied", r
    changes, _ = pull_all(client, gate)
    assert any(c["entity"] == "police_presence" and c["id"] == check["id"] for c in changes)
    [r] = push(client, login("gate_b"), [_presence(site.id, arrival.id, DAY, at(DAY, 7, 36))])
    assert (r["status"], r["rule"]) == ("rejected", "not_post_officer")


def test_the_police_report_lists_absent_windows_first_and_the_assessment_agrees(
    client, session, police_post, login
):
    site, post_id, (arrival, dismissal) = police_post
    officer = login("police_a")
    push(
        client,
        officer,
        [
            _presence(site.id, arrival.id, DAY, at(DAY, 7, 25)),
            _presence(site.id, dismissal.id, DAY, at(DAY, 16, 40), officers=0),  # nobody came
        ],
    )
    session.rollback()
    sites = [site]
    report = police(session, sites=sites, date_from=DAY, date_to=SATURDAY, now=LATER)
    # Monday to Friday, two windows a day; the weekend has none
    assert len(report.windows) == 10
    assert report.windows[0].state == "absent"
    monday = {w.window_kind: w.state for w in report.windows if w.local_date == DAY}
    assert monday == {"arrival": "present", "dismissal": "absent"}
    [dept] = report.departments
    assert (dept.department, dept.windows_due, dept.windows_covered) == ("police_station", 10, 1)
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    [line] = police_lines(session, scope_of(session, supervisor), DAY, SATURDAY, LATER)
    assert (line.subject_kind, line.subject_id, line.due, line.kept) == (
        "department",
        "police_station",
        10,
        1,
    )
    # before the window ends it is not judged
    during = police(session, sites=sites, date_from=DAY, date_to=DAY, now=at(DAY, 8, 0))
    assert {w.state for w in during.windows} == {"present", "pending"}
    res = client.get(
        "/api/reports/police",
        params={"from": DAY.isoformat(), "to": DAY.isoformat(), "format": "csv"},
        headers=login("supervisor"),
    )
    assert res.status_code == 200 and "未到岗" in res.text and "派出所" in res.text
    assert client.get("/api/reports/police", headers=officer).status_code == 403


def test_police_posts_are_set_up_by_the_towns_admin_validated_and_audited(
    client, session, police_post, login, town
):
    site, post_id, _ = police_post
    admin = login("admin")
    res = client.post(
        "/api/police/posts",
        json={"site_id": site.id, "department": "police_station"},
        headers=admin,
    )
    assert res.status_code == 409 and res.json()["error"]["message_zh"]
    res = client.post(
        "/api/police/posts",
        json={"site_id": site.id, "department": "education_office"},
        headers=admin,
    )
    assert res.status_code == 422 and "派出所" in res.json()["error"]["message_zh"]
    res = client.post(
        "/api/police/posts",
        json={"site_id": town.sites["b"].id, "department": "traffic_police"},
        headers=login("supervisor"),
    )
    assert res.status_code == 403
    res = client.patch(f"/api/police/posts/{post_id}", json={"active": False}, headers=admin)
    assert res.status_code == 200 and res.json()["active"] is False
    session.rollback()
    actions = {a.action for a in session.exec(select(AuditEvent))}
    assert {"police_post.create", "police_post.update"} <= actions
    # the officer reads her department's posts (her phone records at them)
    res = client.get(
        "/api/police/posts", params={"include_inactive": True}, headers=login("police_a")
    )
    assert [p["id"] for p in res.json()] == [post_id]
    assert client.get("/api/police/posts", headers=login("traffic_a")).json() == []
    # what her phone keeps to record offline: the active posts with their gate windows
    res = client.patch(f"/api/police/posts/{post_id}", json={"active": True}, headers=admin)
    [post] = client.get("/api/police/posts/windows", headers=login("police_a")).json()
    assert post["timezone"] == "Asia/Shanghai"
    assert [(w["kind"], w["starts"]) for w in post["windows"]] == [
        ("arrival", "07:30"),
        ("dismissal", "16:30"),
    ]


# --- leadership duty: planned, recorded, reported ----------------------------------------------


@pytest.fixture
def duty_school(client, session, town, login):
    """School a: its staff member staff_a plans; the cadre is staff_a2, the substitute staff_a3."""
    site = town.sites["a"]
    for name, label in (
        ("staff_a", "办公室 周老师"),
        ("staff_a2", "副校长 吴强"),
        ("staff_a3", "德育主任 郑敏"),
    ):
        add_user(session, town, name, label, ["school_staff"], home_site_id=site.id)
    session.commit()
    return site, login("staff_a")


def _plan(client, headers, site_id, day, cadre, substitute=None):
    body = {"site_id": site_id, "day": day.isoformat(), "cadre_id": cadre.id}
    if substitute is not None:
        body["substitute_id"] = substitute.id
    return client.put("/api/duty/plan", json=body, headers=headers)


def _check_in(site_id, day, when, note=""):
    return mut(
        "duty.check_in", {"site_id": site_id, "day": day.isoformat(), "round_note": note}, at=when
    )


def test_the_duty_plan_is_set_by_the_schools_staff_or_admin_validated_and_audited(
    client, session, town, duty_school, login
):
    site, staff = duty_school
    cadre = town.users["staff_a2"]
    res = _plan(client, staff, site.id, DAY, cadre)
    assert res.status_code == 200, res.text
    assert res.json()["cadre_name"] == "副校长 吴强"
    res = _plan(client, login("admin"), site.id, DAY, cadre, substitute=town.users["staff_a3"])
    assert res.status_code == 200 and res.json()["substitute_name"] == "德育主任 郑敏"
    assert _plan(client, login("gate_a"), site.id, DAY, cadre).status_code == 403
    res = _plan(client, staff, site.id, DAY, cadre, substitute=cadre)
    assert res.status_code == 422 and res.json()["error"]["message_zh"]
    res = client.put(
        "/api/duty/plan",
        json={"site_id": site.id, "day": DAY.isoformat(), "cadre_id": 999_999},
        headers=staff,
    )
    assert res.status_code == 422 and "本镇没有该用户" in res.json()["error"]["message_zh"]
    res = client.get(
        "/api/duty/plan",
        params={"site_id": site.id, "date_from": DAY.isoformat(), "date_to": DAY.isoformat()},
        headers=staff,
    )
    assert [p["cadre_id"] for p in res.json()] == [cadre.id]
    session.rollback()
    assert sum(1 for a in session.exec(select(AuditEvent)) if a.action == "duty_plan.set") == 2


def test_the_planned_cadre_records_the_day_once_and_others_are_refused(
    client, session, town, duty_school, login
):
    site, staff = duty_school
    assert _plan(client, staff, site.id, DAY, town.users["staff_a2"]).status_code == 200
    cadre = login("staff_a2")
    first = _check_in(site.id, DAY, at(DAY, 7, 50), "带班巡查：校门口、食堂正常")
    second = _check_in(site.id, DAY, at(DAY, 9, 0))
    unplanned = _check_in(site.id, DAY + timedelta(days=1), at(DAY + timedelta(days=1), 8))
    results = push(client, cadre, [first, second, unplanned])
    assert [r["status"] for r in results] == ["applied", "conflict", "rejected"], results
    assert (
        results[1]["rule"] == "duty_recorded" and results[1]["current"]["data"]["id"] == first["id"]
    )
    assert "没有排定值班领导" in results[2]["message_zh"]
    [r] = push(client, login("staff_a3"), [_check_in(site.id, DAY, at(DAY, 8))])
    assert (r["status"], r["rule"]) == ("rejected", "not_duty_cadre")
    session.rollback()
    stored = session.get(DutyRecord, first["id"])
    assert (stored.round_note, stored.as_substitute, stored.day_flag) == (
        "带班巡查：校门口、食堂正常",
        False,
        None,
    )


def test_whether_a_day_is_planned_is_told_only_to_who_may_plan_it(client, town, duty_school, login):
    """An outsider's check-in for an unplanned day is refused as not the cadre, exactly like
    one for a planned day: the answer does not say which days the school has planned."""
    site, staff = duty_school
    assert _plan(client, staff, site.id, DAY, town.users["staff_a2"]).status_code == 200
    outsider = login("member_a1")
    planned = _check_in(site.id, DAY, at(DAY, 8))
    unplanned = _check_in(site.id, DAY + timedelta(days=2), at(DAY + timedelta(days=2), 8))
    results = push(client, outsider, [planned, unplanned])
    assert [(r["status"], r.get("rule")) for r in results] == [
        ("rejected", "not_duty_cadre"),
        ("rejected", "not_duty_cadre"),
    ], results
    [r] = push(client, staff, [_check_in(site.id, DAY + timedelta(days=2), at(DAY, 9))])
    assert r["status"] == "rejected" and "没有排定值班领导" in r["message_zh"], r


def test_the_substitute_named_by_the_school_records_the_day(
    client, session, town, duty_school, login
):
    site, staff = duty_school
    day = DAY + timedelta(days=2)
    res = _plan(client, staff, site.id, day, town.users["staff_a2"], town.users["staff_a3"])
    assert res.status_code == 200
    check = _check_in(site.id, day, at(day, 8))
    [r] = push(client, login("staff_a3"), [check])
    assert r["status"] == "applied", r
    session.rollback()
    assert session.get(DutyRecord, check["id"]).as_substitute is True


def test_the_duty_report_lists_unplanned_days_and_planned_days_not_kept_per_school(
    client, session, town, duty_school, login
):
    site, staff = duty_school
    cadre = town.users["staff_a2"]
    for i in range(4):  # Monday to Thursday planned; Friday not
        assert _plan(client, staff, site.id, DAY + timedelta(days=i), cadre).status_code == 200
    assert _plan(client, staff, site.id, SATURDAY, cadre).status_code == 200  # weekend duty
    phone = login("staff_a2")
    pushes = [
        _check_in(site.id, DAY + timedelta(days=i), at(DAY + timedelta(days=i), 8)) for i in (0, 1)
    ]
    # Wednesday's check-in is stamped the next morning: kept, flagged, not counted
    pushes.append(_check_in(site.id, DAY + timedelta(days=2), at(DAY + timedelta(days=3), 8)))
    assert all(r["status"] == "applied" for r in push(client, phone, pushes))
    session.rollback()
    report = duty(session, sites=[site], date_from=DAY, date_to=DAY + timedelta(days=6), now=LATER)
    [school] = report.schools
    # Mon-Fri due and the planned Saturday; Sunday is neither
    assert (school.days_due, school.days_kept, school.days_no_plan, school.days_not_kept) == (
        6,
        2,
        1,
        3,
    )
    assert [d.day for d in report.no_plan] == [DAY + timedelta(days=4)]
    assert [d.day for d in report.not_kept] == [
        SATURDAY,
        DAY + timedelta(days=3),
        DAY + timedelta(days=2),
    ]
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    lines = duty_lines(session, scope_of(session, supervisor), DAY, DAY + timedelta(days=6), LATER)
    [line] = [x for x in lines if x.subject_id == str(site.id)]
    assert (line.subject_kind, line.criterion, line.due, line.kept) == (
        "school",
        "duty_days_kept",
        6,
        2,
    )
    res = client.get(
        "/api/reports/duty",
        params={
            "from": DAY.isoformat(),
            "to": (DAY + timedelta(days=6)).isoformat(),
            "format": "csv",
        },
        headers=login("supervisor"),
    )
    assert res.status_code == 200 and "未排班" in res.text and "未登记值班" in res.text


def test_ids_no_row_can_have_are_refused_alone_and_the_batch_stands(client, police_post, login):
    site, _, (arrival, _) = police_post
    officer = login("police_a")
    huge = 2**40  # past a 32-bit column: never a row
    results = push(
        client,
        officer,
        [
            _presence(site.id, huge, DAY, at(DAY, 7, 20)),
            _presence(huge, arrival.id, DAY, at(DAY, 7, 20)),
            _check_in(huge, DAY, at(DAY, 8)),
            _presence(site.id, arrival.id, DAY, at(DAY, 7, 20)),
        ],
    )
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "applied"]
    assert all(r["message_zh"] for r in results[:3])

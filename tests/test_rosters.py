"""Duty rosters (值班表): leaders plan their own groups' shifts; submission freezes a roster."""

from sqlmodel import select

from app.audit.models import AuditEvent

PERIOD = {"period_start": "2026-12-07", "period_end": "2026-12-13"}


def _roster(client, town, login, group="a", leader="leader_a") -> dict:
    res = client.post(
        "/api/rosters", json={"group_id": town.groups[group].id, **PERIOD}, headers=login(leader)
    )
    assert res.status_code == 201, res.text
    return res.json()


def _shift(town, site="a", members=("leader_a", "member_a1", "member_a2", "member_a3"), **kw):
    return {
        "site_id": town.sites[site].id,
        "starts_at": kw.get("starts_at", "2026-12-07T08:00:00+08:00"),
        "ends_at": kw.get("ends_at", "2026-12-07T16:00:00+08:00"),
        "member_ids": [town.users[m].id for m in members],
    }


def test_leader_creates_a_draft_roster_for_her_group(client, town, login):
    roster = _roster(client, town, login)
    assert roster["group_id"] == town.groups["a"].id
    assert roster["submitted_at"] is None and roster["shifts"] == []


def test_leader_cannot_create_a_roster_for_another_group(client, town, login):
    res = client.post(
        "/api/rosters",
        json={"group_id": town.groups["b"].id, **PERIOD},
        headers=login("leader_a"),
    )
    assert res.status_code == 403


def test_member_cannot_create_a_roster(client, town, login):
    res = client.post(
        "/api/rosters",
        json={"group_id": town.groups["a"].id, **PERIOD},
        headers=login("member_a1"),
    )
    assert res.status_code == 403


def test_roster_period_that_ends_before_it_starts_is_422(client, town, login):
    res = client.post(
        "/api/rosters",
        json={
            "group_id": town.groups["a"].id,
            "period_start": "2026-12-13",
            "period_end": "2026-12-07",
        },
        headers=login("leader_a"),
    )
    assert res.status_code == 422


def test_shift_with_four_people_is_not_understaffed_and_three_is(client, town, login):
    roster = _roster(client, town, login)
    headers = login("leader_a")
    full = client.post(f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=headers)
    assert full.status_code == 201, full.text
    assert full.json()["understaffed"] is False
    short = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(
            town,
            members=("member_a1", "member_a2", "member_a3"),
            starts_at="2026-12-07T16:00:00+08:00",
            ends_at="2026-12-08T00:00:00+08:00",
        ),
        headers=headers,
    )
    assert short.json()["understaffed"] is True
    listed = client.get(f"/api/rosters/{roster['id']}", headers=headers).json()
    assert [s["understaffed"] for s in listed["shifts"]] == [False, True]


def test_understaffed_follows_the_sites_required_patrol_staff(client, town, login):
    client.patch(
        f"/api/sites/{town.sites['a'].id}",
        json={"required_patrol_staff": 5},
        headers=login("admin"),
    )
    roster = _roster(client, town, login)
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=login("leader_a")
    )
    assert res.json()["understaffed"] is True


def test_leader_cannot_add_shifts_to_another_groups_roster(client, town, login):
    roster = _roster(client, town, login, group="b", leader="leader_b")
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(town, site="b", members=("member_b1",)),
        headers=login("leader_a"),
    )
    assert res.status_code == 403


def test_shift_at_a_site_outside_the_group_is_422_naming_site_id(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(town, site="b"),
        headers=login("leader_a"),
    )
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "site_id"


def test_shift_with_a_member_of_another_group_is_422_naming_member_ids(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(town, members=("member_a1", "member_b1")),
        headers=login("leader_a"),
    )
    assert res.status_code == 422
    detail = res.json()["error"]["details"][0]
    assert detail["field"] == "member_ids"
    assert str(town.users["member_b1"].id) in detail["message"]


def test_shift_outside_the_roster_period_is_422(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(
            town, starts_at="2026-12-20T08:00:00+08:00", ends_at="2026-12-20T16:00:00+08:00"
        ),
        headers=login("leader_a"),
    )
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "starts_at"


def test_shift_without_a_utc_offset_is_422(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(town, starts_at="2026-12-07T08:00:00", ends_at="2026-12-07T16:00:00"),
        headers=login("leader_a"),
    )
    assert res.status_code == 422


def test_leader_removes_a_planned_shift(client, town, login):
    roster = _roster(client, town, login)
    headers = login("leader_a")
    shift = client.post(f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=headers)
    res = client.delete(f"/api/rosters/{roster['id']}/shifts/{shift.json()['id']}", headers=headers)
    assert res.status_code == 204
    assert client.get(f"/api/rosters/{roster['id']}", headers=headers).json()["shifts"] == []


def test_submitted_roster_is_frozen_until_a_supervisor_reopens_it(client, town, login):
    roster = _roster(client, town, login)
    leader = login("leader_a")
    client.post(f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=leader)
    res = client.post(f"/api/rosters/{roster['id']}/submit", headers=leader)
    assert res.status_code == 200
    assert res.json()["submitted_by"] == town.users["leader_a"].id
    assert res.json()["submitted_at"] is not None
    late = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(
            town, starts_at="2026-12-08T08:00:00+08:00", ends_at="2026-12-08T16:00:00+08:00"
        ),
        headers=leader,
    )
    assert late.status_code == 409
    assert "reopen" in late.json()["error"]["message"]
    assert client.post(f"/api/rosters/{roster['id']}/submit", headers=leader).status_code == 409
    # the leader cannot reopen her own roster; the supervisor can
    assert client.post(f"/api/rosters/{roster['id']}/reopen", headers=leader).status_code == 403
    reopened = client.post(f"/api/rosters/{roster['id']}/reopen", headers=login("supervisor"))
    assert reopened.status_code == 200 and reopened.json()["submitted_at"] is None
    again = client.post(
        f"/api/rosters/{roster['id']}/shifts",
        json=_shift(
            town, starts_at="2026-12-08T08:00:00+08:00", ends_at="2026-12-08T16:00:00+08:00"
        ),
        headers=leader,
    )
    assert again.status_code == 201


def test_reopening_a_draft_is_409(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(f"/api/rosters/{roster['id']}/reopen", headers=login("supervisor"))
    assert res.status_code == 409


def test_submitting_an_empty_roster_is_422(client, town, login):
    roster = _roster(client, town, login)
    res = client.post(f"/api/rosters/{roster['id']}/submit", headers=login("leader_a"))
    assert res.status_code == 422


def test_members_read_their_groups_roster_but_not_another_groups(client, town, login):
    roster = _roster(client, town, login)
    assert client.get(f"/api/rosters/{roster['id']}", headers=login("member_a1")).status_code == 200
    assert client.get(f"/api/rosters/{roster['id']}", headers=login("member_b1")).status_code == 403
    assert client.get("/api/rosters", headers=login("member_b1")).json() == []


def test_supervisor_reads_every_roster(client, town, login):
    _roster(client, town, login)
    _roster(client, town, login, group="b", leader="leader_b")
    res = client.get("/api/rosters", headers=login("supervisor"))
    assert len(res.json()) == 2


def test_unknown_roster_is_404(client, town, login):
    assert client.get("/api/rosters/9999", headers=login("supervisor")).status_code == 404
    res = client.post("/api/rosters/9999/shifts", json=_shift(town), headers=login("leader_a"))
    assert res.status_code == 404


def test_every_roster_change_is_audited(client, town, login, session):
    roster = _roster(client, town, login)
    leader = login("leader_a")
    shift = client.post(f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=leader)
    client.delete(f"/api/rosters/{roster['id']}/shifts/{shift.json()['id']}", headers=leader)
    client.post(f"/api/rosters/{roster['id']}/shifts", json=_shift(town), headers=leader)
    client.post(f"/api/rosters/{roster['id']}/submit", headers=leader)
    client.post(f"/api/rosters/{roster['id']}/reopen", headers=login("supervisor"))
    session.rollback()
    actions = session.exec(
        select(AuditEvent.action)
        .where(AuditEvent.entity == "roster", AuditEvent.entity_id == str(roster["id"]))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "roster.create",
        "roster.add_shift",
        "roster.remove_shift",
        "roster.add_shift",
        "roster.submit",
        "roster.reopen",
    ]

"""The audit trail: every change an admin, leader or supervisor makes is written, append-only,
with who, when, what, before and after; supervisors read it; nobody edits it via the API.

The write routes come from the app (through the authorization matrix's RULES), so a new
admin route that forgets to audit fails here."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select

from app.audit.models import AuditEvent
from app.main import create_app
from tests.hardening_world import World, build_world
from tests.sync_helpers import mut, push
from tests.test_authz_matrix import RULES, app_routes, call

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Field data from phones is recorded in the sync log (mutation table), photos are content,
# logging out ends one's own session: these are not administrative changes.
NOT_ADMIN = ("/api/sync/", "/api/photos/", "/api/auth/")
USERNAMES = {"leader_a": "leader_a", "supervisor": "supervisor", "admin": "admin"}
# Writes none of the matrix's callers may make, with the test that checks their audit event.
AUDITED_ELSEWHERE = {
    ("POST", "/api/towns"): "tests/test_towns_office.py (a county admin adds a town)",
}


def _actor(allow: frozenset[str]) -> str:
    """The least powerful caller allowed: a leader's own action, else a supervisor's."""
    for caller in ("leader_a", "supervisor", "admin"):
        if caller in allow:
            return caller
    raise AssertionError(f"no leader, supervisor or admin may call this: {allow}")


def _events_after(session, last_id: int) -> list[AuditEvent]:
    session.rollback()
    return list(
        session.exec(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id))
    )


def _last_id(session) -> int:
    session.rollback()
    ids = session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).all()
    return ids[0] if ids else 0


@pytest.fixture
def world(client, town) -> World:
    return build_world(client, town)


def test_no_route_can_change_or_delete_the_audit_trail():
    writes = []
    for ctx in iter_route_contexts(create_app().routes):
        if isinstance(ctx.original_route, APIRoute) and ctx.path.startswith("/api/audit"):
            writes += [(m, ctx.path) for m in ctx.methods & WRITES]
    assert writes == []
    assert ("GET", "/api/audit") in app_routes()


def test_every_administrative_change_is_audited_with_who_when_what_before_after(
    client, world, session
):
    write_routes = sorted(
        (m, p) for m, p in app_routes() if m in WRITES and not p.startswith(NOT_ADMIN)
    )
    assert len(write_routes) >= 20
    problems = []
    for method, path in write_routes:
        rule = RULES[(method, path)]
        if not rule.allow:  # none of the matrix's callers (a county admin's): audited where tested
            assert (method, path) in AUDITED_ELSEWHERE, (method, path)
            continue
        actor = _actor(rule.allow)
        actor_id = world.town.users[USERNAMES[actor]].id
        last = _last_id(session)
        t0 = datetime.now(UTC) - timedelta(seconds=1)
        extra, kwargs = rule.build(world, actor) if rule.build else ({}, {})
        res = call(client, world, method, path, rule, actor, prepared=(extra, kwargs))
        assert res.status_code in rule.ok, (method, path, res.status_code, res.text)
        events = [e for e in _events_after(session, last) if e.actor_id == actor_id]
        label = f"{method} {path} by {actor}"
        if not events:
            problems.append(f"{label}: no audit event")
            continue
        for e in events:
            if not (t0 <= e.at <= datetime.now(UTC) + timedelta(seconds=1)):
                problems.append(f"{label}: event time {e.at} is not when it happened")
            if not (e.action and e.entity and e.entity_id):
                problems.append(f"{label}: event without action/entity: {e}")
            if e.after is None and e.before is None:
                problems.append(f"{label}: {e.action} has neither before nor after")
            for snap in (e.before or {}, e.after or {}):
                if "password_hash" in snap or "password" in snap:
                    problems.append(f"{label}: a password (hash) in the audit trail")
        changes_existing = method in ("PATCH", "PUT", "DELETE") or path.endswith(
            ("/deactivate", "/submit", "/reopen", "/revoke")
        )
        if changes_existing and all(e.before is None for e in events):
            problems.append(f"{label}: {events[0].action} does not say what it was before")
        body = kwargs.get("json")
        if method == "PATCH" and isinstance(body, dict):
            after = events[-1].after or {}
            for key, value in body.items():
                if key in after and after[key] != value:
                    problems.append(f"{label}: after[{key}] = {after[key]!r}, not {value!r}")
    assert not problems, "\n".join(problems)


def test_confirmations_and_hazard_status_changes_from_phones_are_audited(
    client, world, session, login
):
    town, a = world.town, world.ids["a"]
    last = _last_id(session)
    # a member's shift, returned by the leader with a comment
    start = mut("shift.start", {"site_id": town.sites["a"].id})
    end = mut("shift.end", {"shift_id": start["id"]})
    push(client, world.headers["member_a"], [start, end])
    ret = mut(
        "shift.review", {"shift_id": start["id"], "decision": "return", "comment": "少扫一个点"}
    )
    assign = mut(
        "hazard.transition",
        {
            "hazard_id": a["hazard"],
            "action": "assign",
            "department": "market_regulation",
            "due_date": "2030-01-31",
        },
    )
    results = push(client, world.headers["leader_a"], [ret, assign])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    rectify = mut(
        "hazard.transition", {"hazard_id": a["hazard"], "action": "rectify", "photos": [a["photo"]]}
    )
    assert push(client, world.headers["member_a"], [rectify])[0]["status"] == "applied"
    close = mut("hazard.transition", {"hazard_id": a["hazard"], "action": "close"})
    assert push(client, world.headers["supervisor"], [close])[0]["status"] == "applied"
    events = _events_after(session, last)
    by_action = {e.action: e for e in events}
    leader_id = town.users["leader_a"].id
    returned = by_action["shift.return"]
    assert (returned.actor_id, returned.entity, returned.entity_id) == (
        leader_id,
        "shift",
        start["id"],
    )
    assert returned.before["status"] == "ended" and returned.after["status"] == "returned"
    assert returned.after["comment"] == "少扫一个点"
    assigned = by_action["hazard.assign"]
    assert assigned.actor_id == leader_id
    assert assigned.before["status"] == "reported"
    assert assigned.after == {"status": "assigned", "department": "market_regulation"}
    closed = by_action["hazard.close"]
    assert closed.actor_id == town.users["supervisor"].id
    assert (closed.before["status"], closed.after["status"]) == ("rectified", "closed")
    # the world's confirmation of A's shift was audited too
    session.rollback()
    confirmed = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "shift.confirm", AuditEvent.entity_id == a["shift"]
        )
    ).one()
    assert confirmed.actor_id == leader_id


def test_disabling_a_user_is_audited_with_before_and_after(client, world, session):
    last = _last_id(session)
    uid = world.town.users["member_b2"].id
    res = client.patch(
        f"/api/users/{uid}",
        json={"active": False, "roles": ["member", "gate"]},
        headers=world.headers["admin"],
    )
    assert res.status_code == 200
    [event] = _events_after(session, last)
    assert (event.action, event.entity, event.entity_id) == ("user.update", "user", str(uid))
    assert event.actor_id == world.town.users["admin"].id
    assert event.before["active"] is True and event.after["active"] is False
    assert event.before["roles"] == "member" and event.after["roles"] == "member,gate"
    assert "password_hash" not in event.before


def test_refused_attempts_write_nothing_to_the_audit_trail(client, world, session):
    last = _last_id(session)
    a = world.ids["a"]
    attempts = [
        ("PATCH", f"/api/sites/{a['site']}", {"json": {"name": "改名"}}, "leader_a"),
        ("PATCH", f"/api/users/{a['member']}", {"json": {"active": False}}, "supervisor"),
        ("POST", f"/api/groups/{a['group']}/members", {"json": {"user_id": 1}}, "leader_b"),
        ("POST", f"/api/rosters/{a['roster']}/submit", {}, "leader_b"),
        ("POST", f"/api/rosters/{a['roster']}/reopen", {}, "leader_a"),
        ("PATCH", f"/api/groups/{a['group']}", {"json": {"name": "x"}}, "disabled"),
        ("PATCH", f"/api/groups/{a['group']}", {"json": {"name": "x"}}, "expired"),
    ]
    for method, url, kwargs, caller in attempts:
        res = client.request(method, url, headers=world.headers[caller], **kwargs)
        assert res.status_code in (401, 403, 404), (method, url, caller, res.status_code)
    assert _events_after(session, last) == []


def test_supervisors_read_the_trail_and_filter_it_others_cannot(client, world, session):
    sup = world.headers["supervisor"]
    res = client.get("/api/audit", params={"limit": 500}, headers=sup)
    assert res.status_code == 200
    events = res.json()
    session.rollback()
    assert len(events) == len(session.exec(select(AuditEvent.id)).all())
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert {"id", "at", "actor_id", "action", "entity", "entity_id", "before", "after"} <= set(
        events[0]
    )
    res = client.get("/api/audit", params={"entity": "roster"}, headers=sup)
    assert res.json() and {e["entity"] for e in res.json()} == {"roster"}
    for caller in ("member_a", "gate", "leader_a", "leader_b", "disabled"):
        assert client.get("/api/audit", headers=world.headers[caller]).status_code == 403
    assert client.get("/api/audit").status_code == 401
    first = events[-1]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for url in ("/api/audit", f"/api/audit/{first}"):
            res = client.request(method, url, json={"action": "x"}, headers=world.headers["admin"])
            assert res.status_code in (404, 405), (method, url, res.status_code)
    session.rollback()
    assert session.get(AuditEvent, first).action == events[-1]["action"]

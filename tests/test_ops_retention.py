"""Retention (`patrol maintain`): the feed loses only superseded rows and no phone skips a
change; the mutation log keeps a retried push a duplicate for PATROL_MUTATION_KEEP_DAYS;
expired refresh tokens and old failed logins go; two runs at once are harmless."""

import threading
from datetime import timedelta

from sqlalchemy import func, select, text

from app.auth.models import LoginFailure, RefreshToken
from app.config import get_settings
from app.db import utcnow
from app.ops.retention import compact_feed, run_retention
from app.sync.models import Mutation, SyncChange
from tests.sync_helpers import mut, pull_all, push, state_of


def _count(session, model) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _shift_life(client, town, member, leader, site):
    """A shift started, ended and confirmed: three versions of one record in the feed."""
    start = mut("shift.start", {"site_id": town.sites[site].id, "member_ids": []})
    push(client, member, [start])
    push(client, member, [mut("shift.end", {"shift_id": start["id"]})])
    push(client, leader, [mut("shift.review", {"shift_id": start["id"], "decision": "confirm"})])
    return start["id"]


def test_compaction_never_makes_a_phone_skip_a_change(client, town, login, engine, session):
    member, leader = login("member_a1"), login("leader_a")
    readers = {"supervisor": login("supervisor"), "member_a2": login("member_a2")}
    # Cursors taken by two readers (whole town; one group's sites) after every push.
    seen: dict[str, list[tuple[str | None, dict]]] = {name: [(None, {})] for name in readers}

    def snapshot():
        for name, headers in readers.items():
            changes, cursor = pull_all(client, headers)
            seen[name].append((cursor, state_of(changes)))

    for site in ["a", "a2", "b", "a"]:
        who = (login("member_b1"), login("leader_b")) if site == "b" else (member, leader)
        _shift_life(client, town, *who, site)
        snapshot()
    finals = {name: state_of(pull_all(client, h)[0]) for name, h in readers.items()}
    rows_before = _count(session, SyncChange)

    assert compact_feed(engine) > 0
    assert _count(session, SyncChange) < rows_before
    for name, headers in readers.items():
        for cursor, state_at_cursor in seen[name]:
            later, _ = pull_all(client, headers, cursor)
            assert {**state_at_cursor, **state_of(later)} == finals[name], (name, cursor)


def test_compaction_keeps_each_records_latest_row(client, town, login, engine, session):
    shift_id = _shift_life(client, town, login("member_a1"), login("leader_a"), "a")
    compact_feed(engine)
    session.rollback()
    rows = session.execute(
        select(SyncChange.entity, SyncChange.data).where(SyncChange.entity_id == shift_id)
    ).all()
    assert [(entity, data["status"]) for entity, data in rows] == [("shift", "confirmed")]


def test_a_replayed_old_mutation_is_still_a_duplicate_within_the_keep(
    client, town, login, engine, session
):
    member = login("member_a1")
    old = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "fire", "description": "电线老化"},
    )
    assert push(client, member, [old])[0]["status"] == "applied"
    keep = get_settings().mutation_keep_days
    # Pretend it was received just inside the keep, and another one just outside it.
    outside = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "fire", "description": "电线老化"},
    )
    push(client, member, [outside])
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE mutation SET received_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(days=keep - 1), "i": old["id"]},
        )
        conn.execute(
            text("UPDATE mutation SET received_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(days=keep + 1), "i": outside["id"]},
        )
    report = run_retention(engine, now=utcnow(), settings=get_settings())
    assert report.mutations == 1
    again = push(client, member, [old])[0]
    assert again["status"] == "duplicate"
    session.rollback()
    kept = session.execute(select(Mutation.id)).scalars().all()
    assert kept == [old["id"]]


def test_expired_refresh_tokens_go_and_live_ones_stay(client, town, login, engine, session):
    login("member_a1")
    login("member_a2")
    with engine.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM refresh_token")).scalar_one()
        conn.execute(
            text("UPDATE refresh_token SET expires_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(days=2), "i": first},
        )
    report = run_retention(engine, now=utcnow(), settings=get_settings())
    assert report.refresh_tokens == 1
    assert _count(session, RefreshToken) == 1


def test_failed_logins_go_only_after_the_limit_window_and_the_keep(client, town, engine, session):
    for _ in range(2):
        client.post("/api/auth/login", json={"username": "member_a1", "password": "wrong-pw"})
    settings = get_settings()
    with engine.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM login_failure")).scalar_one()
        conn.execute(
            text("UPDATE login_failure SET at = :t WHERE id = :i"),
            {
                "t": utcnow() - timedelta(days=settings.login_failure_keep_days, minutes=1),
                "i": first,
            },
        )
    assert run_retention(engine, now=utcnow(), settings=settings).login_failures == 1
    assert _count(session, LoginFailure) == 1


def test_two_runs_at_once_remove_each_row_once(client, town, login, engine, session):
    for site in ["a", "a2"]:
        _shift_life(client, town, login("member_a1"), login("leader_a"), site)
    before = _count(session, SyncChange)
    counts: list[int] = []
    runs = [threading.Thread(target=lambda: counts.append(compact_feed(engine))) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join(timeout=60)
    assert sum(counts) == before - _count(session, SyncChange) == 4


def test_compaction_between_a_phones_pages_leaves_it_with_the_servers_state(
    client, town, login, engine
):
    member, leader, sup = login("member_a1"), login("leader_a"), login("supervisor")
    phone_state: dict = {}
    cursor = None

    def one_page():
        nonlocal cursor
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/sync/pull", params=params, headers=sup).json()
        phone_state.update(state_of(body["changes"]))
        cursor = body["cursor"]

    for site in ["a", "a2", "a", "a2"]:
        start = mut("shift.start", {"site_id": town.sites[site].id, "member_ids": []})
        for m, who in [
            (start, member),
            (mut("shift.end", {"shift_id": start["id"]}), member),
            (mut("shift.review", {"shift_id": start["id"], "decision": "confirm"}), leader),
        ]:
            push(client, who, [m])
            one_page()  # the phone is always somewhere in the middle of the feed
            compact_feed(engine)
    rest, _ = pull_all(client, sup, cursor)
    phone_state.update(state_of(rest))
    server_state = state_of(pull_all(client, sup)[0])
    assert phone_state == server_state
    assert {d["status"] for (e, _), d in server_state.items() if e == "shift"} == {"confirmed"}


def test_patrol_maintain_reports_what_it_removed(client, town, login, engine, capsys):
    from app.cli import main as patrol

    _shift_life(client, town, login("member_a1"), login("leader_a"), "a")
    patrol(["maintain"])
    assert "retention: 2 superseded feed rows" in capsys.readouterr().out

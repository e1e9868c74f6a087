"""The feed's no-skip rule under writers that commit out of the order they started, on
Postgres, made to happen on purpose: push A has done all its work and waits at its commit
while push B runs; a puller reads in between; then A commits. Whatever the interleaving, a
puller that saw version N never later misses a row at or below N (docs/sync.md, "Why the
cursor cannot skip a row"). A version handed out before the commit without holding the
counter row until then (a sequence, an auto-increment id) makes this test fail: B's row
comes out above A's, the puller passes it, and A's row lands below the cursor."""

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.sync.push import push
from app.sync.schemas import PushRequest
from tests.sync_helpers import SHANGHAI, mut, pull_all

WAIT_S = 20  # bounds every wait; the test takes about a second


@pytest.fixture
def backend():
    return "postgres"


def _hazards(site_id: int, label: str, n: int = 3) -> PushRequest:
    now = datetime.now(SHANGHAI)
    return PushRequest(
        sent_at=now,
        mutations=[
            mut(
                "hazard.report",
                {"site_id": site_id, "category": "traffic", "description": f"{label} {i}"},
                at=now,
            )
            for i in range(n)
        ],
    )


def _waiting_on_the_counter(engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE '%UPDATE sync_state%'"
                )
            ).scalar_one()
        )


def test_a_push_committing_after_a_later_push_is_never_skipped_by_a_puller(
    engine, town, client, login
):
    supervisor = login("supervisor", "puller-phone")
    login("member_a1", "phone-aaaa")
    login("member_a2", "phone-bbbb")
    site = town.sites["a"].id
    a_at_commit, release_a = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    @event.listens_for(Session, "before_commit")
    def _hold_a_at_its_commit(session):
        # the push's own commit, not a savepoint's release
        if threading.current_thread().name == "push-a" and not session.in_nested_transaction():
            a_at_commit.set()
            release_a.wait(WAIT_S)

    def pusher(name: str, username: str, device: str, request: PushRequest) -> None:
        try:
            user_id = town.users[username].id
            outcomes[name] = push(engine, user_id=user_id, device_id=device, request=request)
        except Exception as exc:  # reported by the assertions below
            outcomes[name] = exc

    a = threading.Thread(
        target=pusher, args=("a", "member_a1", "phone-aaaa", _hazards(site, "A")), name="push-a"
    )
    b = threading.Thread(
        target=pusher, args=("b", "member_a2", "phone-bbbb", _hazards(site, "B")), name="push-b"
    )
    try:
        a.start()
        assert a_at_commit.wait(WAIT_S), "push A never reached its commit"
        b.start()  # started after A, free to finish first if nothing holds it
        deadline = time.monotonic() + WAIT_S
        while b.is_alive() and not _waiting_on_the_counter(engine):
            assert time.monotonic() < deadline, "push B neither finished nor waited"
            time.sleep(0.02)
        seen_first, cursor = pull_all(client, supervisor)  # A has not committed yet
    finally:
        release_a.set()
        a.join(WAIT_S)
        b.join(WAIT_S)
        event.remove(Session, "before_commit", _hold_a_at_its_commit)
    assert not isinstance(outcomes["a"], Exception), outcomes["a"]
    assert not isinstance(outcomes["b"], Exception), outcomes["b"]
    results = [r for name in "ab" for r in outcomes[name].results]
    assert [r.status for r in results] == ["applied"] * 6
    pushed = {r.record_id for r in results}

    seen_later, _ = pull_all(client, supervisor, cursor)
    seen = [c["id"] for c in seen_first + seen_later if c["entity"] == "hazard"]
    assert set(seen) == pushed, f"the puller skipped {len(pushed - set(seen))} committed rows"
    assert len(seen) == len(set(seen)), "a change was delivered twice"

"""insert_many: a clash on the bulk write (Postgres COPY) is the IntegrityError every caller
handles, so a concurrent push of the same id answers "duplicate", never 500."""

import threading
import uuid
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

import app.record_types  # noqa: F401  (the mutation types push accepts)
from app import db
from app.auth.models import Device
from app.sync import push as push_module
from app.sync.schemas import PushRequest
from tests.factories import Town
from tests.sync_helpers import SHANGHAI, mut


def test_a_duplicate_key_in_a_bulk_insert_is_an_integrity_error_on_every_backend(engine, town):
    table = Device.__table__
    row = {
        "id": f"dev-{uuid.uuid4().hex[:8]}",
        "user_id": town.users["member_a1"].id,
        "label": "",
        "created_at": db.utcnow(),
        "session_generation": 0,
    }
    with Session(engine) as session, pytest.raises(IntegrityError):
        db.insert_many(session, table, [row, row])


def _request(m: dict) -> PushRequest:
    return PushRequest.model_validate(
        {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": [m]}
    )


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_processes_pushing_the_same_id_at_once_get_applied_and_duplicate(
    engine, town: Town, session
):
    """Push A has written and stamped its rows and is about to commit; push B read the log
    before A's commit, so it finds the id free and its COPY clashes with A's committed rows."""
    user = town.users["member_a1"]
    with Session(engine) as s:
        s.add(Device(id="phone-copy-clash", user_id=user.id))
        s.commit()
    m = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "fire", "description": "灭火器过期"},
    )
    a_holds, go = threading.Event(), threading.Event()
    original = push_module._publish
    calls = []

    def held_publish(ctx, pending, applied):
        original(ctx, pending, applied)
        calls.append(pending)
        if len(calls) == 1:  # push A: hold the transaction open after taking the version
            a_holds.set()
            go.wait(timeout=30)

    results: dict[str, object] = {}

    def run(name):
        try:
            results[name] = push_module.push(
                engine, user_id=user.id, device_id="phone-copy-clash", request=_request(m)
            ).results[0]
        except Exception as exc:  # what the route would answer 500 for
            results[name] = exc

    push_module._publish = held_publish
    try:
        a = threading.Thread(target=run, args=("a",))
        a.start()
        assert a_holds.wait(timeout=30), results
        b = threading.Thread(target=run, args=("b",))
        b.start()
        # B waits on a row A holds: it has read the log and found the id free
        for _ in range(300):
            waiting = session.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            session.rollback()
            if waiting:
                break
            threading.Event().wait(0.05)
        go.set()
        a.join(timeout=60)
        b.join(timeout=60)
    finally:
        push_module._publish = original
        go.set()
    assert not isinstance(results["b"], Exception), repr(results["b"])
    assert results["a"].status == "applied"
    assert results["b"].status == "duplicate"
    assert results["b"].original_status == "applied"

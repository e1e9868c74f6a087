"""The push writes plain rows, not ORM objects: what it stores and what the pull feed carries
must be exactly what the models say, on the fast batch path and on the one-by-one path."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.gate.models import GateCheck, VisitorEntry
from app.groups.membership import scope_of
from app.hazards.models import Hazard, HazardEvent
from app.records.store import PushContext
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember, ShiftReview
from tests.sync_helpers import in_days, mut, pull_all, push, state_of
from tests.test_sync_conflicts import _photo

MODELS = {
    "shift": PatrolShift,
    "scan": CheckpointScan,
    "review": ShiftReview,
    "gate_check": GateCheck,
    "visitor": VisitorEntry,
    "hazard": Hazard,
    "hazard_event": HazardEvent,
}


def _a_day_of_records(client, town, login, *, with_a_refusal: bool) -> list[dict]:
    """Every kind of record, made and changed in the same batches; a refusal in a batch
    sends it down the one-by-one path."""
    member = login("member_a1")
    start = mut(
        "shift.start",
        {
            "site_id": town.sites["a"].id,
            # gate_a is listed, kept and not counted (not in the group)
            "member_ids": [town.users[u].id for u in ("member_a2", "member_a3", "gate_a")],
            "note": "夜间巡逻",
        },
    )
    scans = [
        mut(
            "shift.scan",
            {"shift_id": start["id"], "checkpoint_code": cp.code, "lat": 30.5, "lon": 114.3},
        )
        for cp in town.checkpoints["a"]
    ]
    photo = _photo(client, member)
    hazard = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "fire",
            "description": "消防通道堵塞",
            "photos": [photo, photo],
            "within_300m": True,
            "distance_m": 40.5,
        },
    )
    batch = [start, *scans, mut("shift.end", {"shift_id": start["id"]}), hazard]
    if with_a_refusal:
        batch.insert(2, mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": "NONE"}))
    results = push(client, member, batch)
    assert {r["status"] for r in results} == (
        {"applied", "rejected"} if with_a_refusal else {"applied"}
    )
    gate = login("gate_a")
    enter = mut(
        "visitor.enter",
        {
            "site_id": town.sites["a"].id,
            "name": "刘师傅",
            "visiting": "食堂",
            "host_approved": True,
        },
    )
    gate_batch = [
        mut(
            "gate.check",
            {
                "site_id": town.sites["a"].id,
                "window_id": town.windows["a"][0].id,
                "local_date": "2026-11-30",
                "direction": "in",
            },
        ),
        enter,
        mut("visitor.leave", {"visitor_id": enter["id"]}),
    ]
    if with_a_refusal:
        gate_batch.append(mut("visitor.leave", {"visitor_id": enter["id"]}))  # a conflict
    push(client, gate, gate_batch)
    leader = login("leader_a")
    push(
        client,
        leader,
        [
            mut("shift.review", {"shift_id": start["id"], "decision": "return", "comment": "漏扫"}),
            mut(
                "hazard.transition",
                {
                    "hazard_id": hazard["id"],
                    "action": "assign",
                    "department": "market_regulation",
                    "due_date": in_days(14),
                },
            ),
        ],
    )
    return [start, hazard, enter]


@pytest.mark.parametrize("with_a_refusal", [False, True], ids=["batch", "one_by_one"])
def test_the_feed_carries_each_record_exactly_as_stored(
    client, town, login, session, with_a_refusal
):
    _a_day_of_records(client, town, login, with_a_refusal=with_a_refusal)
    changes, _ = pull_all(client, login("supervisor"))
    state = state_of(changes)
    assert {entity for entity, _ in state} == set(MODELS)
    session.rollback()
    for (entity, record_id), data in state.items():
        stored = session.get(MODELS[entity], record_id).model_dump(mode="json")
        if entity == "shift":
            members = session.exec(
                select(ShiftMember.user_id, ShiftMember.counted).where(
                    ShiftMember.shift_id == record_id
                )
            ).all()
            stored["member_ids"] = sorted(uid for uid, _ in members)
            stored["uncounted_ids"] = sorted(uid for uid, counted in members if not counted)
        assert data == stored, entity


def test_records_changed_within_their_own_batch_are_stored_with_the_last_change(
    client, town, login, session
):
    start, hazard, enter = _a_day_of_records(client, town, login, with_a_refusal=False)
    session.rollback()
    shift = session.get(PatrolShift, start["id"])
    assert (shift.status, shift.review_comment) == ("returned", "漏扫")
    assert shift.ended_at is not None and shift.version > 0
    assert session.get(VisitorEntry, enter["id"]).time_out is not None
    stored = session.get(Hazard, hazard["id"])
    assert (stored.status, stored.department) == ("assigned", "market_regulation")
    assert len(stored.photos) == 1  # the same photo twice is linked once


def test_an_undone_mutation_leaves_no_trace_in_memory(session, town):
    """After a savepoint rollback the push goes on with the records as they were."""
    now = datetime.now(UTC)
    user = town.users["member_a1"]
    ctx = PushContext(
        session=session,
        user=user,
        device=type("Phone", (), {"id": "phone-1"})(),
        scope=scope_of(session, user),
        received_at=now,
        sent_at=now,
        offset_s=0.0,
        base_flags=[],
    )
    kept = ctx.create(
        PatrolShift, "shift", ctx.stamp("s-kept", town.sites["a"].id, now), note="kept"
    )
    ctx.write()
    mark = ctx.mark()
    ctx.update("shift", kept, status="ended", note="changed by the failed mutation")
    ctx.create(PatrolShift, "shift", ctx.stamp("s-undone", town.sites["a"].id, now))
    ctx.undo(mark)
    assert (kept.status, kept.note) == ("open", "kept")
    assert ctx.get(PatrolShift, "s-undone") is None
    assert list(ctx.changed) == [("shift", "s-kept")]
    ctx.update("shift", kept, ended_at=now + timedelta(hours=24))
    ctx.write()
    session.expire_all()
    stored = session.get(PatrolShift, "s-kept")
    assert (stored.status, stored.note, stored.ended_at) == ("open", "kept", kept.ended_at)

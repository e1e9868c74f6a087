"""A patrol shift with who was present, its scans and the checkpoints it missed."""

from fastapi import APIRouter
from sqlmodel import SQLModel, select

from app.access import ScopeDep
from app.db import ReadSessionDep
from app.records.reading import visible_record
from app.shifts import rules
from app.shifts.handlers import shift_people, uncounted
from app.shifts.models import CheckpointScan, PatrolShift, ShiftReview
from app.sites.models import Checkpoint

router = APIRouter(prefix="/api", tags=["shifts"])


class ShiftDetail(SQLModel):
    shift: dict  # includes member_ids, uncounted_ids (listed, not counted) and clock_flag
    scans: list[dict]
    missed_checkpoints: list[dict]  # active checkpoints of the site never scanned this shift
    reviews: list[dict]
    length_s: int | None = None  # ended_at - start (corrected times); None while open
    short_shift: bool = False  # shorter than SHORT_SHIFT_S: the leader is warned
    proof: dict[str, int] = {}  # scans by proof: proven, and each flag (app.shifts.rules)


@router.get("/shifts/{shift_id}", response_model=ShiftDetail)
def get_shift(shift_id: str, session: ReadSessionDep, scope: ScopeDep) -> ShiftDetail:
    shift = visible_record(session, PatrolShift, shift_id, scope)
    scans = session.exec(
        select(CheckpointScan)
        .where(CheckpointScan.shift_id == shift.id)
        .order_by(CheckpointScan.event_time)
    ).all()
    scanned = {s.checkpoint_id for s in scans}
    checkpoints = session.exec(
        select(Checkpoint)
        .where(Checkpoint.site_id == shift.site_id, Checkpoint.active)
        .order_by(Checkpoint.id)
    ).all()
    reviews = session.exec(
        select(ShiftReview)
        .where(ShiftReview.shift_id == shift.id)
        .order_by(ShiftReview.received_at)
    ).all()
    length_s = (
        None if shift.ended_at is None else int((shift.ended_at - shift.event_time).total_seconds())
    )
    proof = {"proven": 0}
    for scan in scans:
        for flag in (scan.proof_flag or "").split(",") if scan.proof_flag else ("proven",):
            proof[flag] = proof.get(flag, 0) + 1
    people = shift_people(session, shift.id)
    return ShiftDetail(
        shift={
            **shift.model_dump(mode="json"),
            "member_ids": sorted(people),
            "uncounted_ids": uncounted(people),
        },
        scans=[s.model_dump(mode="json") for s in scans],
        missed_checkpoints=[
            c.model_dump(mode="json", include={"id", "name", "code"})
            for c in checkpoints
            if c.id not in scanned
        ],
        reviews=[r.model_dump(mode="json") for r in reviews],
        length_s=length_s,
        short_shift=length_s is not None and length_s < rules.SHORT_SHIFT_S,
        proof=proof,
    )

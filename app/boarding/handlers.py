"""Mutation handlers for the boarding pupils' roll call and leave: they adapt a push to the
rules (app.boarding.rules) and the record store."""

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import col, select

from app.boarding import rules
from app.boarding.models import AbsenceReason, BoardingPupil, Dormitory, PupilLeave, RollCall
from app.boarding.service import dormitories_of_sites
from app.fields import DateTimeText, PlausibleDate, RecordId, Text
from app.records.errors import Conflicted, Rejected, Rule
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import (
    Applied,
    mutation_type,
    register_entity,
    register_site_extra,
    show_current,
)
from app.records.scope import authorize, relations_to_site, require_record
from app.records.store import PushContext, Record


class Absent(Payload):
    pupil_id: int
    reason: AbsenceReason
    note: Annotated[Text, Field(max_length=500)] = ""


class RollCallTake(Payload):
    dormitory_id: int
    night: PlausibleDate  # the school's local date of the evening
    # Every active pupil of the dorm not listed here was in bed.
    absent: Annotated[list[Absent], Field(max_length=300)] = []


class LeaveOut(Payload):
    pupil_id: int
    reason: Annotated[Text, Field(max_length=500)] = ""
    approved_by_name: Annotated[Text, Field(min_length=1, max_length=200)]
    # As the person typed it (a wall-clock time), not a clock reading: never corrected.
    expected_back_at: DateTimeText


class LeaveBack(Payload):
    leave_id: RecordId


register_entity(Entity.roll_call, RollCall)
register_entity(Entity.pupil_leave, PupilLeave)
register_site_extra("dormitories", dormitories_of_sites)


def _dormitory(ctx: PushContext, dormitory_id: int) -> Dormitory:
    dorm = ctx.lookup(("dormitory", dormitory_id), lambda: ctx.session.get(Dormitory, dormitory_id))
    if dorm is None or not dorm.active:
        raise Rejected(
            f"There is no dormitory with id {dormitory_id}.",
            zh=f"没有编号为 {dormitory_id} 的宿舍。",
        )
    return dorm


def _pupil(ctx: PushContext, pupil_id: int) -> BoardingPupil:
    pupil = ctx.lookup(("pupil", pupil_id), lambda: ctx.session.get(BoardingPupil, pupil_id))
    if pupil is None:
        raise Rejected(
            f"There is no boarding pupil with id {pupil_id}.",
            zh=f"没有编号为 {pupil_id} 的住宿生。",
        )
    return pupil


def _dorm_pupils(ctx: PushContext, dormitory_id: int) -> dict[int, str]:
    def load() -> dict[int, str]:
        query = select(BoardingPupil.id, BoardingPupil.name).where(
            BoardingPupil.dormitory_id == dormitory_id, BoardingPupil.active
        )
        return {int(i): name for i, name in ctx.session.exec(query).all() if i is not None}

    return ctx.lookup(("dorm_pupils", dormitory_id), load)


def _open_leaves(ctx: PushContext, pupil_ids: list[int]) -> dict[int, str]:
    """pupil id -> open leave id: stored, or made earlier in this push."""
    found: dict[int, str] = {}
    if pupil_ids:
        with ctx.session.no_autoflush:
            query = select(PupilLeave.pupil_id, PupilLeave.id).where(
                col(PupilLeave.pupil_id).in_(pupil_ids), col(PupilLeave.back_at).is_(None)
            )
            found.update(ctx.session.exec(query).all())
    wanted = set(pupil_ids)
    for record in ctx.records.values():
        if record.model is PupilLeave and record.pupil_id in wanted:
            if record.back_at is None:
                found[record.pupil_id] = record.id
            elif found.get(record.pupil_id) == record.id:
                del found[record.pupil_id]  # closed earlier in this push
    return found


def _taken(ctx: PushContext, dormitory_id: int, night) -> Record | None:
    for record in ctx.records.values():
        if record.model is RollCall and (record.dormitory_id, record.night) == (
            dormitory_id,
            night,
        ):
            return record
    with ctx.session.no_autoflush:
        stored = ctx.session.exec(
            select(RollCall.id).where(
                RollCall.dormitory_id == dormitory_id, RollCall.night == night
            )
        ).first()
    return ctx.get(RollCall, stored) if stored else None


@mutation_type(
    "boarding.roll_call",
    RollCallTake,
    creates=Entity.roll_call,
    rules=(Rule.roll_call_taken,),
    who=rules.WHO_KEEPS_BOARDING,
)
def roll_call(ctx: PushContext, p: RollCallTake, mutation_id: str, occurred_at: datetime):
    dorm = _dormitory(ctx, p.dormitory_id)
    authorize(ctx, rules.WHO_KEEPS_BOARDING, relations_to_site(ctx, dorm.site_id))
    pupils = _dorm_pupils(ctx, p.dormitory_id)
    absences = rules.absences_of(pupils, ((a.pupil_id, a.reason, a.note) for a in p.absent))
    earlier = _taken(ctx, p.dormitory_id, p.night)
    try:
        rules.check_first_roll_call(earlier is not None, dorm.name, p.night)
    except Conflicted as conflict:
        assert earlier is not None
        show_current(conflict, ctx, Entity.roll_call, earlier)
        raise
    absent_ids = {a["pupil_id"] for a in absences}
    present = [i for i in pupils if i not in absent_ids]
    record = ctx.create(
        RollCall,
        Entity.roll_call,
        ctx.stamp(mutation_id, dorm.site_id, occurred_at),
        dormitory_id=p.dormitory_id,
        night=p.night,
        expected=len(pupils),
        present=len(present),
        absences=[{**a, "reason": a["reason"].value} for a in absences],
        missing=sum(a["reason"] == AbsenceReason.missing for a in absences),
        present_on_leave=rules.present_on_leave(present, _open_leaves(ctx, present)),
    )
    return Applied(record.id)


@mutation_type(
    "boarding.leave_out",
    LeaveOut,
    creates=Entity.pupil_leave,
    rules=(Rule.leave_open,),
    who=rules.WHO_KEEPS_BOARDING,
)
def leave_out(ctx: PushContext, p: LeaveOut, mutation_id: str, occurred_at: datetime):
    pupil = _pupil(ctx, p.pupil_id)
    authorize(ctx, rules.WHO_KEEPS_BOARDING, relations_to_site(ctx, pupil.site_id))
    stamp = ctx.stamp(mutation_id, pupil.site_id, occurred_at)
    rules.check_expected_back(stamp["event_time"], p.expected_back_at)
    open_leave = _open_leaves(ctx, [p.pupil_id]).get(p.pupil_id)
    try:
        rules.check_can_go_out(open_leave is not None, pupil.name)
    except Conflicted as conflict:
        current = ctx.get(PupilLeave, open_leave) if open_leave else None
        if current is not None:
            show_current(conflict, ctx, Entity.pupil_leave, current)
        raise
    record = ctx.create(
        PupilLeave,
        Entity.pupil_leave,
        stamp,
        pupil_id=p.pupil_id,
        reason=p.reason,
        approved_by_name=p.approved_by_name.strip(),
        expected_back_at=p.expected_back_at,
    )
    return Applied(record.id)


@mutation_type(
    "boarding.leave_back",
    LeaveBack,
    creates=None,
    changes=(Entity.pupil_leave,),
    rules=(Rule.leave_closed,),
    who=rules.WHO_KEEPS_BOARDING,
)
def leave_back(ctx: PushContext, p: LeaveBack, mutation_id: str, occurred_at: datetime):
    leave = require_record(ctx, PupilLeave, p.leave_id, "leave")
    authorize(ctx, rules.WHO_KEEPS_BOARDING, relations_to_site(ctx, leave.site_id))
    returned_at, _ = ctx.corrected(occurred_at)
    try:
        late = rules.back_at(leave.back_at, returned_at, leave.expected_back_at)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.pupil_leave, leave)
        raise
    ctx.update(
        Entity.pupil_leave,
        leave,
        back_at=returned_at,
        back_recorded_by=ctx.user.id,
        late=late,
    )
    return Applied(record_id=leave.id)

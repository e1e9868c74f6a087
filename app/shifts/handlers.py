"""Mutation handlers for patrol shifts, checkpoint scans and the leader's review: they adapt
a push to the rules (app.shifts.rules) and the record store."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import Session, select

from app.audit import service as audit
from app.auth.models import User
from app.fields import RecordId, Text
from app.groups.models import GroupMember, PatrolGroup
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity, show_current
from app.records.scope import (
    authorize,
    patrolling_groups,
    relations_to_site,
    require_record,
    site_of,
)
from app.records.store import PushContext, Record
from app.shifts import rules
from app.shifts.models import (
    CheckpointScan,
    PatrolShift,
    ReviewDecision,
    ScanMethod,
    ShiftMember,
    ShiftReview,
    ShiftStatus,
)
from app.sites.models import Checkpoint


class ShiftStart(Payload):
    site_id: int
    group_id: int | None = None
    member_ids: Annotated[list[int], Field(max_length=50)] = []
    note: Annotated[Text, Field(max_length=2000)] = ""


class ShiftEnd(Payload):
    shift_id: RecordId
    note: Annotated[Text | None, Field(max_length=2000)] = None


class Scan(Payload):
    shift_id: RecordId
    checkpoint_code: Annotated[Text, Field(min_length=1, max_length=64)]
    lat: Annotated[float | None, Field(ge=-90, le=90)] = None
    lon: Annotated[float | None, Field(ge=-180, le=180)] = None
    accuracy_m: Annotated[float | None, Field(ge=0, le=100_000)] = None
    method: ScanMethod | None = None  # older apps do not say: counted as unproven


class Review(Payload):
    shift_id: RecordId
    decision: ReviewDecision
    comment: Annotated[Text, Field(max_length=2000)] = ""


def shift_people(session: Session, shift_id: str) -> dict[int, bool]:
    """The people listed on a shift, each with whether they count."""
    rows = session.exec(
        select(ShiftMember.user_id, ShiftMember.counted).where(ShiftMember.shift_id == shift_id)
    )
    return dict(sorted(rows.all()))


def uncounted(people: dict[int, bool]) -> list[int]:
    """Listed, not counted: not an active member or the leader of the shift's group."""
    return [uid for uid, counted in people.items() if not counted]


def _people(ctx: PushContext, shift: Record) -> dict[int, bool]:
    """Known once per push: made by it, or read from the store."""
    if shift.member_ids is None:
        with ctx.session.no_autoflush:
            shift.member_ids = shift_people(ctx.session, shift.id)
    return shift.member_ids


def shift_data(ctx: PushContext, shift: Record) -> dict:
    """A shift in the pull feed carries who was listed, and who of them does not count."""
    people = _people(ctx, shift)
    return {**shift.json(), "member_ids": sorted(people), "uncounted_ids": uncounted(people)}


register_entity(Entity.shift, PatrolShift, shift_data)
register_entity(Entity.scan, CheckpointScan)
register_entity(Entity.review, ShiftReview)


def _relations(ctx: PushContext, shift: Record) -> set[Relation]:
    return rules.relations_to_shift(
        user_id=ctx.user.id,
        roles=ctx.user.roles.split(","),
        active=ctx.user.active,
        led_group_ids=ctx.scope.led_group_ids,
        recorded_by=shift.recorded_by,
        group_id=shift.group_id,
        people=_people(ctx, shift),
    )


def _group_people(ctx: PushContext, group_id: int) -> frozenset[int]:
    """The members and the leader of a group, read once per push."""

    def load() -> frozenset[int]:
        members = set(
            ctx.session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
        )
        leader = ctx.session.exec(
            select(PatrolGroup.leader_id).where(PatrolGroup.id == group_id)
        ).first()
        return frozenset(members | ({leader} if leader is not None else set()))

    return ctx.lookup(("group_people", group_id), load)


@mutation_type("shift.start", ShiftStart, creates=Entity.shift, who=rules.WHO_STARTS)
def start_shift(ctx: PushContext, p: ShiftStart, mutation_id: str, occurred_at: datetime):
    site_of(ctx, p.site_id)
    authorize(ctx, rules.WHO_STARTS, relations_to_site(ctx, p.site_id))
    group_id = rules.patrol_group(
        p.group_id, mine=set(ctx.scope.group_ids), patrolling=patrolling_groups(ctx, p.site_id)
    )
    member_ids = set(p.member_ids) | {ctx.user.id}
    known = ctx.lookup("known_people", dict)  # id -> active, for the ids found in this push
    if not member_ids <= known.keys():
        with ctx.session.no_autoflush:
            known.update(
                ctx.session.exec(
                    select(User.id, User.active).where(User.id.in_(member_ids - known.keys()))
                ).all()
            )
    unknown = sorted(member_ids - known.keys())
    if unknown:
        raise Rejected(
            f"Unknown people listed as present: {unknown}.",
            zh=f"在岗人员中有未知的用户：{unknown}。",
        )
    in_group = _group_people(ctx, group_id)
    shift = ctx.create(
        PatrolShift,
        Entity.shift,
        ctx.stamp(mutation_id, p.site_id, occurred_at),
        group_id=group_id,
        note=p.note,
    )
    shift.member_ids = {
        uid: rules.counts_on_shift(in_group=uid in in_group, active=known[uid])
        for uid in sorted(member_ids)
    }
    for uid, counted in shift.member_ids.items():
        ctx.add_row(ShiftMember, shift_id=shift.id, user_id=uid, counted=counted)
    return Applied(shift.id)


def _shift_for_member(ctx: PushContext, shift_id: str, who: Permission) -> Record:
    shift = require_record(ctx, PatrolShift, shift_id, "shift")
    authorize(ctx, who, _relations(ctx, shift))
    try:
        rules.check_may_change(shift.status)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.shift, shift)
        raise
    return shift


@mutation_type(
    "shift.end",
    ShiftEnd,
    creates=None,
    changes=(Entity.shift,),
    rules=(Rule.shift_locked,),
    who=rules.WHO_ENDS,
)
def end_shift(ctx: PushContext, p: ShiftEnd, mutation_id: str, occurred_at: datetime):
    shift = _shift_for_member(ctx, p.shift_id, rules.WHO_ENDS)
    corrected, flags = ctx.corrected(occurred_at)
    ended_at, clock_flag = rules.end_time(shift.event_time, shift.clock_flag, corrected, flags)
    changes = {
        "ended_device_time": occurred_at.astimezone(UTC),
        "status": ShiftStatus.ended,
        "ended_by": ctx.user.id,
    }
    if clock_flag is not None:
        changes["clock_flag"] = clock_flag
    if p.note is not None:
        changes["note"] = p.note
    ctx.update(Entity.shift, shift, ended_at=ended_at, **changes)
    return Applied(shift.id)


@mutation_type(
    "shift.scan",
    Scan,
    creates=Entity.scan,
    changes=(Entity.shift,),
    rules=(Rule.shift_locked,),
    who=rules.WHO_SCANS,
)
def scan_checkpoint(ctx: PushContext, p: Scan, mutation_id: str, occurred_at: datetime):
    shift = _shift_for_member(ctx, p.shift_id, rules.WHO_SCANS)
    # The site's checkpoint ids by code, read once per push (a scan round repeats them).
    codes = ctx.lookup(
        ("checkpoints", shift.site_id),
        lambda: {
            code: (cp_id, lat, lon)
            for code, cp_id, lat, lon in ctx.session.exec(
                select(Checkpoint.code, Checkpoint.id, Checkpoint.lat, Checkpoint.lon).where(
                    Checkpoint.site_id == shift.site_id
                )
            ).all()
        },
    )
    found = codes.get(p.checkpoint_code)
    if found is None:
        raise Rejected(
            f"Checkpoint code {p.checkpoint_code!r} does not belong to this site.",
            zh=f"巡逻点编码 {p.checkpoint_code} 不属于本场所。",
        )
    checkpoint_id, cp_lat, cp_lon = found
    scan = ctx.create(
        CheckpointScan,
        Entity.scan,
        ctx.stamp(mutation_id, shift.site_id, occurred_at),
        shift_id=shift.id,
        checkpoint_id=checkpoint_id,
        lat=p.lat,
        lon=p.lon,
        accuracy_m=p.accuracy_m,
        method=p.method.value if p.method else None,
        proof_flag=rules.scan_proof(p.method, p.lat, p.lon, p.accuracy_m, cp_lat, cp_lon),
    )
    status = rules.status_after_scan(shift.status)
    if status is not None:
        ctx.update(Entity.shift, shift, status=status)
    return Applied(scan.id)


@mutation_type(
    "shift.review",
    Review,
    creates=Entity.review,
    changes=(Entity.shift,),
    rules=(Rule.shift_not_ended, Rule.first_review_wins),
    who=rules.WHO_REVIEWS,
)
def review_shift(ctx: PushContext, p: Review, mutation_id: str, occurred_at: datetime):
    shift = require_record(ctx, PatrolShift, p.shift_id, "shift")
    authorize(ctx, rules.WHO_REVIEWS, _relations(ctx, shift))
    try:
        status = rules.status_after_review(shift.status, p.decision, p.comment)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.shift, shift)
        raise
    before = {"status": shift.status}
    review = ctx.create(
        ShiftReview,
        Entity.review,
        ctx.stamp(mutation_id, shift.site_id, occurred_at),
        shift_id=shift.id,
        decision=p.decision.value,
        comment=p.comment,
    )
    ctx.update(
        Entity.shift,
        shift,
        status=status,
        reviewed_by=ctx.user.id,
        reviewed_at=ctx.received_at,
        review_comment=p.comment or None,
    )
    audit.record(
        ctx.session,
        actor_id=ctx.user.id,
        action=f"shift.{p.decision.value}",
        entity=Entity.shift,
        entity_id=shift.id,
        before=before,
        after={"status": shift.status, "comment": p.comment},
    )
    return Applied(review.id)

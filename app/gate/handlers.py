"""Mutation handlers for gate duty check-ins and the visitor register: they adapt a push to
the rules (app.gate.rules) and the record store."""

from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.fields import PlausibleDate, RecordId, Text
from app.gate import rules
from app.gate.models import (
    ApprovalVia,
    GateCheck,
    GateDirection,
    SlipCheck,
    VisitorApproval,
    VisitorEntry,
)
from app.records.errors import Conflicted, Rule
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity, show_current
from app.records.scope import authorize, relations_to_site, require_record, site_of
from app.records.store import PushContext
from app.sites.models import GateWindow, Site


class Check(Payload):
    site_id: int
    window_id: int
    local_date: PlausibleDate
    direction: GateDirection


class VisitorEnter(Payload):
    site_id: int
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    visiting: Annotated[Text, Field(min_length=1, max_length=200)]
    purpose: Annotated[Text, Field(max_length=500)] = ""
    # The host's answer (app.gate.rules.approval_at_entry); an older app sends only the box.
    approval: VisitorApproval | None = None
    host_approved: bool = False
    approved_by_name: Annotated[Text | None, Field(max_length=200)] = None
    approval_via: ApprovalVia | None = None
    vehicle_plate: Annotated[Text | None, Field(max_length=20)] = None
    goods: Annotated[Text | None, Field(max_length=500)] = None
    pass_slip_no: Annotated[Text | None, Field(max_length=64)] = None


class VisitorDecide(Payload):
    visitor_id: RecordId
    decision: VisitorApproval  # approved or refused
    approved_by_name: Annotated[Text | None, Field(max_length=200)] = None
    approval_via: ApprovalVia | None = None


class VisitorLeave(Payload):
    visitor_id: RecordId
    slip_check: SlipCheck | None = None  # vehicles and goods against the pass slip (出门条)
    pass_slip_no: Annotated[Text | None, Field(max_length=64)] = None
    note: Annotated[Text, Field(max_length=500)] = ""


register_entity(Entity.gate_check, GateCheck)
register_entity(Entity.visitor, VisitorEntry)


@mutation_type("gate.check", Check, creates=Entity.gate_check, who=rules.WHO_CHECKS_IN)
def check(ctx: PushContext, p: Check, mutation_id: str, occurred_at: datetime):
    site_of(ctx, p.site_id)
    authorize(ctx, rules.WHO_CHECKS_IN, relations_to_site(ctx, p.site_id))
    # Held for the push: the identity map is weak and would select it again.
    window = ctx.lookup(
        ("gate_window", p.window_id), lambda: ctx.session.get(GateWindow, p.window_id)
    )
    window_site_id = None if window is None else window.site_id
    rules.check_window_of_site(p.window_id, window_site_id, p.site_id)
    stamp = ctx.stamp(mutation_id, p.site_id, occurred_at)
    record = ctx.create(
        GateCheck,
        Entity.gate_check,
        stamp,
        window_id=window.id,
        local_date=p.local_date,
        direction=p.direction.value,
        window_flag=_window_flag(ctx, window, p, stamp["event_time"]),
    )
    return Applied(record.id)


def _window_flag(
    ctx: PushContext, window: GateWindow, p: Check, event_time: datetime
) -> str | None:
    """Judged at push time from the corrected time, in the school's zone."""
    # The site site_of read for this push (the same cache key).
    site = ctx.lookup(("site", p.site_id), lambda: ctx.session.get(Site, p.site_id))
    return rules.window_flag(
        event_time, p.direction, p.local_date, window.starts, window.ends, site.timezone
    )


@mutation_type(
    "visitor.enter", VisitorEnter, creates=Entity.visitor, who=rules.WHO_REGISTERS_VISITORS
)
def visitor_enter(ctx: PushContext, p: VisitorEnter, mutation_id: str, occurred_at: datetime):
    site_of(ctx, p.site_id)
    authorize(ctx, rules.WHO_REGISTERS_VISITORS, relations_to_site(ctx, p.site_id))
    approval, by_name, unapproved = rules.approval_at_entry(
        p.approval, p.host_approved, p.approved_by_name, p.visiting
    )
    stamp = ctx.stamp(mutation_id, p.site_id, occurred_at)
    answered = approval != VisitorApproval.asked
    record = ctx.create(
        VisitorEntry,
        Entity.visitor,
        stamp,
        **p.model_dump(
            exclude={"site_id", "approval", "host_approved", "approved_by_name", "approval_via"}
        ),
        approval=approval.value,
        host_approved=approval == VisitorApproval.approved,
        approved_by_name=by_name,
        approval_via=p.approval_via.value if answered and p.approval_via else None,
        approval_at=stamp["event_time"] if answered else None,
        approval_recorded_by=ctx.user.id if answered else None,
        unapproved_entry=unapproved,
    )
    return Applied(record.id)


@mutation_type(
    "visitor.decide",
    VisitorDecide,
    creates=None,
    changes=(Entity.visitor,),
    rules=(Rule.visitor_already_decided,),
    who=rules.WHO_RECORDS_APPROVAL,
)
def visitor_decide(ctx: PushContext, p: VisitorDecide, mutation_id: str, occurred_at: datetime):
    record = require_record(ctx, VisitorEntry, p.visitor_id, "visitor entry")
    authorize(ctx, rules.WHO_RECORDS_APPROVAL, relations_to_site(ctx, record.site_id))
    try:
        decision = rules.decide(record.approval, p.decision)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.visitor, record)
        raise
    answered_at, _ = ctx.corrected(occurred_at)
    ctx.update(
        Entity.visitor,
        record,
        approval=decision.value,
        host_approved=decision == VisitorApproval.approved,
        approved_by_name=(p.approved_by_name or "").strip() or record.visiting,
        approval_via=p.approval_via.value if p.approval_via else None,
        approval_at=answered_at,
        approval_recorded_by=ctx.user.id,
    )
    return Applied(record.id)


@mutation_type(
    "visitor.leave",
    VisitorLeave,
    creates=None,
    changes=(Entity.visitor,),
    rules=(Rule.visitor_already_left,),
    who=rules.WHO_REGISTERS_VISITORS,
)
def visitor_leave(ctx: PushContext, p: VisitorLeave, mutation_id: str, occurred_at: datetime):
    record = require_record(ctx, VisitorEntry, p.visitor_id, "visitor entry")
    authorize(ctx, rules.WHO_REGISTERS_VISITORS, relations_to_site(ctx, record.site_id))
    left_at, _ = ctx.corrected(occurred_at)
    try:
        time_out = rules.time_out(record.event_time, left_at, record.time_out)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.visitor, record)
        raise
    slip_no = record.pass_slip_no or p.pass_slip_no
    ctx.update(
        Entity.visitor,
        record,
        time_out=time_out,
        pass_slip_no=slip_no,
        exit_slip_check=p.slip_check.value if p.slip_check else None,
        exit_flag=rules.exit_flag(record.vehicle_plate, record.goods, p.slip_check),
        exit_note=p.note,
    )
    return Applied(record.id)

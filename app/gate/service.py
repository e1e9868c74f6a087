"""Sync handlers for gate duty check-ins and the visitor register."""

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from app.auth.models import Role
from app.gate.models import GateCheck, GateDirection, VisitorEntry
from app.sites.models import GateWindow
from app.sync.engine import (
    Applied,
    Conflicted,
    PushContext,
    Rejected,
    mutation,
    require_record,
    require_site,
    serialize,
)
from app.sync.schemas import Payload, Text


class Check(Payload):
    site_id: int
    window_id: int
    local_date: date
    direction: GateDirection


class VisitorEnter(Payload):
    site_id: int
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    visiting: Annotated[Text, Field(min_length=1, max_length=200)]
    purpose: Annotated[Text, Field(max_length=500)] = ""
    host_approved: bool
    vehicle_plate: Annotated[Text | None, Field(max_length=20)] = None
    goods: Annotated[Text | None, Field(max_length=500)] = None
    pass_slip_no: Annotated[Text | None, Field(max_length=64)] = None


class VisitorLeave(Payload):
    visitor_id: Annotated[str, Field(max_length=36)]


def _require_gate_role(ctx: PushContext) -> None:
    if not ctx.user.has_role(Role.gate, Role.member, Role.leader):
        raise Rejected("Only gate duty staff and patrol members record gate duty.")


@mutation("gate.check", Check)
def check(ctx: PushContext, p: Check, mutation_id: str, occurred_at: datetime):
    _require_gate_role(ctx)
    require_site(ctx, p.site_id)
    # Held for the push: the identity map is weak and would select it again.
    window = ctx.lookup(
        ("gate_window", p.window_id), lambda: ctx.session.get(GateWindow, p.window_id)
    )
    if window is None or window.site_id != p.site_id:
        raise Rejected(f"Gate window {p.window_id} is not a window of this school.")
    record = ctx.create(
        GateCheck,
        "gate_check",
        ctx.stamp(mutation_id, p.site_id, occurred_at),
        window_id=window.id,
        local_date=p.local_date,
        direction=p.direction.value,
    )
    return Applied(record.id)


@mutation("visitor.enter", VisitorEnter)
def visitor_enter(ctx: PushContext, p: VisitorEnter, mutation_id: str, occurred_at: datetime):
    _require_gate_role(ctx)
    require_site(ctx, p.site_id)
    record = ctx.create(
        VisitorEntry,
        "visitor",
        ctx.stamp(mutation_id, p.site_id, occurred_at),
        **p.model_dump(exclude={"site_id"}),
    )
    return Applied(record.id)


@mutation("visitor.leave", VisitorLeave)
def visitor_leave(ctx: PushContext, p: VisitorLeave, mutation_id: str, occurred_at: datetime):
    _require_gate_role(ctx)
    record = require_record(ctx, VisitorEntry, p.visitor_id, "visitor entry")
    if record.time_out is not None:
        raise Conflicted(
            "visitor_already_left",
            "This visitor was already signed out; the first exit time stands.",
            {"entity": "visitor", "data": serialize(ctx, "visitor", record)},
        )
    time_out, _ = ctx.corrected(occurred_at)
    ctx.update("visitor", record, time_out=max(time_out, record.event_time))
    return Applied(record.id)

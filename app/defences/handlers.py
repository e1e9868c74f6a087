"""Mutation handlers for technical defences: a device's check (which may raise a fault) and a
fault's lifecycle; they adapt a push to the rules (app.defences.rules) and the record store."""

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import select

from app.audit import service as audit
from app.defences import rules
from app.defences.models import (
    CheckResult,
    DefenceCheck,
    DefenceDevice,
    DefenceFault,
    FaultAction,
    FaultStatus,
)
from app.defences.service import devices_of_sites
from app.fields import RecordId, Sha256, Text
from app.photos.models import RecordPhoto
from app.photos.service import link_photos
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


class DeviceCheck(Payload):
    defence_device_id: int
    result: CheckResult
    description: Annotated[Text, Field(max_length=2000)] = ""
    photos: Annotated[list[Sha256], Field(max_length=10)] = []


class FaultTransition(Payload):
    fault_id: RecordId
    action: FaultAction
    comment: Annotated[Text, Field(max_length=2000)] = ""
    photos: Annotated[list[Sha256], Field(max_length=10)] = []


register_entity(Entity.defence_check, DefenceCheck)
register_entity(Entity.defence_fault, DefenceFault)
register_site_extra("defence_devices", devices_of_sites)


def _device(ctx: PushContext, device_id: int) -> DefenceDevice:
    device = ctx.lookup(
        ("defence_device", device_id), lambda: ctx.session.get(DefenceDevice, device_id)
    )
    if device is None or not device.active:
        raise Rejected(
            f"There is no camera or alarm with id {device_id}.",
            zh=f"没有编号为 {device_id} 的技防设施。",
        )
    return device


def _linked(ctx: PushContext, fault: Record) -> set[str]:
    """The photos already linked to the fault (stored, or earlier in this push): a photo is
    linked to a record once."""
    pending = {
        values["sha256"]
        for table, values in ctx.rows
        if table.name == "record_photo" and values["record_id"] == fault.id
    }
    with ctx.session.no_autoflush:
        stored = ctx.session.exec(
            select(RecordPhoto.sha256).where(
                RecordPhoto.record_type == Entity.defence_fault.value,
                RecordPhoto.record_id == fault.id,
            )
        ).all()
    return pending | set(stored)


@mutation_type(
    "defence.check",
    DeviceCheck,
    creates=Entity.defence_check,
    changes=(Entity.defence_fault,),
    who=rules.WHO_CHECKS,
)
def check(ctx: PushContext, p: DeviceCheck, mutation_id: str, occurred_at: datetime):
    device = _device(ctx, p.defence_device_id)
    authorize(ctx, rules.WHO_CHECKS, relations_to_site(ctx, device.site_id))
    rules.check_description(p.result, p.description)
    photos = list(dict.fromkeys(p.photos))
    fault_id = rules.fault_id_of(mutation_id) if p.result == CheckResult.fault else None
    stamp = ctx.stamp(mutation_id, device.site_id, occurred_at)
    record = ctx.create(
        DefenceCheck,
        Entity.defence_check,
        stamp,
        defence_device_id=device.id,
        result=p.result.value,
        description=p.description.strip(),
        photos=photos,
        fault_id=fault_id,
    )
    link_photos(ctx, Entity.defence_check, record, photos)
    if fault_id is not None:
        ctx.create(
            DefenceFault,
            Entity.defence_fault,
            {**stamp, "id": fault_id},
            defence_device_id=device.id,
            check_id=record.id,
            description=p.description.strip(),
            status=FaultStatus.open.value,
            history=[],
        )
    return Applied(record.id)


@mutation_type(
    "defence.fault_transition",
    FaultTransition,
    creates=None,
    changes=(Entity.defence_fault,),
    rules=(Rule.fault_lifecycle,),
    who=rules.WHO_MOVES,
)
def fault_transition(ctx: PushContext, p: FaultTransition, mutation_id: str, occurred_at: datetime):
    fault = require_record(ctx, DefenceFault, p.fault_id, "fault")
    authorize(ctx, rules.WHO_MOVES[p.action], relations_to_site(ctx, fault.site_id))
    try:
        to_status = rules.next_status(p.action, fault.status)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.defence_fault, fault)
        raise
    rules.check_fix_note(p.action, p.comment)
    at, _ = ctx.corrected(occurred_at)
    photos = list(dict.fromkeys(p.photos))
    step = {
        "action": p.action.value,
        "by": ctx.user.id,
        "by_name": ctx.user.display_name,
        "at": at.isoformat(),
        "comment": p.comment.strip(),
        "photos": photos,
        "mutation_id": mutation_id,
    }
    changes: dict = {"status": to_status.value, "history": [*fault.history, step]}
    if p.action == FaultAction.fix:
        changes["fixed_at"] = at
    if p.action == FaultAction.accept:
        changes["accepted_at"] = at
    before = {"status": fault.status}
    ctx.update(Entity.defence_fault, fault, **changes)
    link_photos(
        ctx, Entity.defence_fault, fault, [s for s in photos if s not in _linked(ctx, fault)]
    )
    audit.record(
        ctx.session,
        actor_id=ctx.user.id,
        action=f"defence_fault.{p.action.value}",
        entity=Entity.defence_fault,
        entity_id=fault.id,
        before=before,
        after={"status": to_status.value},
    )
    return Applied(record_id=fault.id)

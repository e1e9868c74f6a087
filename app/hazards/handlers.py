"""Mutation handlers for hazard findings and their lifecycle: they adapt a push to the rules
(app.hazards.rules) and the record store."""

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import col, select

from app.audit import service as audit
from app.fields import PlausibleDate, RecordId, Sha256, Text
from app.hazards import rules
from app.hazards.models import (
    Hazard,
    HazardAction,
    HazardCategory,
    HazardEvent,
    PlaceType,
    Severity,
)
from app.photos.models import Photo
from app.photos.service import link_photos
from app.records.authz import Relation
from app.records.errors import Conflicted, Rule
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity, show_current
from app.records.scope import authorize, relations_to_site, require_record, site_of
from app.records.store import PushContext, Record
from app.towns.models import Department


class Report(Payload):
    site_id: int
    category: HazardCategory
    place_type: PlaceType | None = None
    severity: Severity = Severity.medium
    description: Annotated[Text, Field(min_length=1, max_length=4000)]
    lat: Annotated[float | None, Field(ge=-90, le=90)] = None
    lon: Annotated[float | None, Field(ge=-180, le=180)] = None
    accuracy_m: Annotated[float | None, Field(ge=0, le=100_000)] = None
    within_300m: bool = False
    distance_m: Annotated[float | None, Field(ge=0, le=100_000)] = None
    photos: Annotated[list[Sha256], Field(max_length=20)] = []


class Transition(Payload):
    hazard_id: RecordId
    action: HazardAction
    department: Department | None = None
    due_date: PlausibleDate | None = None
    comment: Annotated[Text, Field(max_length=2000)] = ""
    photos: Annotated[list[Sha256], Field(max_length=20)] = []


register_entity(Entity.hazard, Hazard)
register_entity(Entity.hazard_event, HazardEvent)


@mutation_type("hazard.report", Report, creates=Entity.hazard, who=rules.WHO_REPORTS)
def report(ctx: PushContext, p: Report, mutation_id: str, occurred_at: datetime):
    site_of(ctx, p.site_id)
    authorize(ctx, rules.WHO_REPORTS, relations_to_site(ctx, p.site_id))
    photos = list(dict.fromkeys(p.photos))
    hazard = ctx.create(
        Hazard,
        Entity.hazard,
        ctx.stamp(mutation_id, p.site_id, occurred_at),
        **p.model_dump(exclude={"site_id", "photos", "within_300m"}),
        within_300m=rules.within_300m(p.place_type, p.distance_m, p.within_300m),
        photos=photos,
    )
    link_photos(ctx, Entity.hazard, hazard, photos)
    return Applied(hazard.id)


def _rectifier(ctx: PushContext, hazard_id: str) -> int | None:
    """Who reported the hazard's latest fix: made earlier in this push, else stored."""
    made = [
        r.recorded_by
        for r in ctx.records.values()
        if r.model is HazardEvent
        and not r.stored
        and r.hazard_id == hazard_id
        and r.action == HazardAction.rectify
    ]
    if made:
        return made[-1]
    with ctx.session.no_autoflush:
        return ctx.session.exec(
            select(HazardEvent.recorded_by)
            .where(HazardEvent.hazard_id == hazard_id, HazardEvent.action == HazardAction.rectify)
            .order_by(HazardEvent.received_at.desc(), HazardEvent.version.desc())
        ).first()


def _fix_photos(ctx: PushContext, hazard_id: str) -> list[str]:
    """The photos of the hazard's latest fix: made earlier in this push, else stored."""
    made = [
        r.photos
        for r in ctx.records.values()
        if r.model is HazardEvent
        and not r.stored
        and r.hazard_id == hazard_id
        and r.action == HazardAction.rectify
    ]
    if made:
        return list(made[-1])
    with ctx.session.no_autoflush:
        latest = ctx.session.exec(
            select(HazardEvent.photos)
            .where(HazardEvent.hazard_id == hazard_id, HazardEvent.action == HazardAction.rectify)
            .order_by(HazardEvent.received_at.desc(), HazardEvent.version.desc())
        ).first()
    return list(latest or [])


def _missing_photos(ctx: PushContext, shas: list[str]) -> list[str]:
    """Which of these photos the server has not received yet."""
    if not shas:
        return []
    with ctx.session.no_autoflush:
        have = set(ctx.session.exec(select(Photo.sha256).where(col(Photo.sha256).in_(shas))))
    return [sha for sha in shas if sha not in have]


def _relations(ctx: PushContext, action: HazardAction, hazard: Record) -> set[Relation]:
    found = relations_to_site(ctx, hazard.site_id)
    if action == HazardAction.close and _rectifier(ctx, hazard.id) == ctx.user.id:
        found.add(Relation.rectifier)
    return found


@mutation_type(
    "hazard.transition",
    Transition,
    creates=Entity.hazard_event,
    changes=(Entity.hazard,),
    rules=(Rule.hazard_lifecycle, Rule.fix_photos_missing),
    who=rules.WHO_MOVES,
)
def transition(ctx: PushContext, p: Transition, mutation_id: str, occurred_at: datetime):
    hazard = require_record(ctx, Hazard, p.hazard_id, "hazard")
    authorize(ctx, rules.WHO_MOVES[p.action], _relations(ctx, p.action, hazard))
    try:
        to_status = rules.next_status(p.action, hazard.status)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.hazard, hazard)
        raise
    photos = list(dict.fromkeys(p.photos))
    rules.check_details(p.action, department=p.department, due_date=p.due_date, photos=photos)
    if p.action == HazardAction.close:
        missing = _missing_photos(ctx, _fix_photos(ctx, hazard.id))
        rules.check_fix_photos_arrived(p.action, missing)
    event = ctx.create(
        HazardEvent,
        Entity.hazard_event,
        ctx.stamp(mutation_id, hazard.site_id, occurred_at),
        hazard_id=hazard.id,
        action=p.action.value,
        from_status=hazard.status,
        to_status=to_status.value,
        department=p.department.value if p.department else None,
        due_date=p.due_date,
        comment=p.comment,
        photos=photos,
    )
    before = {"status": hazard.status, "department": hazard.department}
    assigned = (
        {"department": p.department.value, "due_date": p.due_date}
        if p.action == HazardAction.assign
        else {}
    )
    ctx.update(Entity.hazard, hazard, status=to_status.value, **assigned)
    link_photos(ctx, Entity.hazard_event, event, photos)
    audit.record(
        ctx.session,
        actor_id=ctx.user.id,
        action=f"hazard.{p.action.value}",
        entity=Entity.hazard,
        entity_id=hazard.id,
        before=before,
        after={"status": hazard.status, "department": hazard.department},
    )
    return Applied(event.id)

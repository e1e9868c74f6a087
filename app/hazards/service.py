"""Sync handlers for hazard findings and their lifecycle (交办 → 整改 → 验收销号)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from app.audit import service as audit
from app.auth.models import Role
from app.groups.service import leads_site
from app.hazards.models import (
    LIFECYCLE,
    Department,
    Hazard,
    HazardAction,
    HazardCategory,
    HazardEvent,
    HazardStatus,
    PlaceType,
    Severity,
)
from app.photos.service import link_photos
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
from app.sync.schemas import Payload, Sha256, Text


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
    hazard_id: Annotated[str, Field(max_length=36)]
    action: HazardAction
    department: Department | None = None
    due_date: date | None = None
    comment: Annotated[Text, Field(max_length=2000)] = ""
    photos: Annotated[list[Sha256], Field(max_length=20)] = []


@mutation("hazard.report", Report)
def report(ctx: PushContext, p: Report, mutation_id: str, occurred_at: datetime):
    require_site(ctx, p.site_id)
    photos = list(dict.fromkeys(p.photos))
    hazard = ctx.create(
        Hazard,
        "hazard",
        ctx.stamp(mutation_id, p.site_id, occurred_at),
        **p.model_dump(exclude={"site_id", "photos"}),
        photos=photos,
    )
    link_photos(ctx, "hazard", hazard, photos)
    return Applied(hazard.id)


def _may(ctx: PushContext, action: HazardAction, site_id: int) -> bool:
    user = ctx.user
    if user.has_role(Role.supervisor, Role.admin):
        return True
    leader = leads_site(ctx.session, user, site_id)
    if action in (HazardAction.assign, HazardAction.reopen):
        return leader
    # Anyone who sees the site may report it fixed (with a photo); closing is the supervisor's.
    return action == HazardAction.rectify


@mutation("hazard.transition", Transition)
def transition(ctx: PushContext, p: Transition, mutation_id: str, occurred_at: datetime):
    hazard = require_record(ctx, Hazard, p.hazard_id, "hazard")
    if not _may(ctx, p.action, hazard.site_id):
        raise Rejected(f"You may not {p.action.value} this hazard.")
    allowed_from, to_status = LIFECYCLE[p.action]
    if HazardStatus(hazard.status) not in allowed_from:
        raise Conflicted(
            "hazard_lifecycle",
            f"A hazard that is {hazard.status} cannot be {p.action.value}ed; "
            f"that needs it to be {' or '.join(sorted(allowed_from))}.",
            {"entity": "hazard", "data": serialize(ctx, "hazard", hazard)},
        )
    if p.action == HazardAction.assign and (p.department is None or p.due_date is None):
        raise Rejected("Assigning a hazard needs a department and a due date.")
    photos = list(dict.fromkeys(p.photos))
    if p.action == HazardAction.rectify and not photos:
        raise Rejected("Reporting a hazard rectified needs a photo of the fix.")
    event = ctx.create(
        HazardEvent,
        "hazard_event",
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
    ctx.update("hazard", hazard, status=to_status.value, **assigned)
    link_photos(ctx, "hazard_event", event, photos)
    audit.record(
        ctx.session,
        actor_id=ctx.user.id,
        action=f"hazard.{p.action.value}",
        entity="hazard",
        entity_id=hazard.id,
        before=before,
        after={"status": hazard.status, "department": hazard.department},
    )
    return Applied(event.id)

"""The mutation handler for safety lessons and drills: it adapts a push to the rules
(app.drills.rules) and the record store."""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from app.drills import rules
from app.drills.models import ActivityKind, SafetyActivity
from app.fields import PlausibleDate, Sha256, Text
from app.photos.service import link_photos
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity
from app.records.scope import authorize, relations_to_site, site_of
from app.records.store import PushContext


class ActivityRecord(Payload):
    site_id: int
    kind: ActivityKind
    held_on: PlausibleDate  # the school's local date it was held
    topic: Annotated[Text, Field(min_length=1, max_length=200)]
    participants: Annotated[int, Field(ge=1, le=20_000)]
    participants_note: Annotated[Text, Field(max_length=500)] = ""
    photos: Annotated[list[Sha256], Field(max_length=20)] = []


register_entity(Entity.safety_activity, SafetyActivity)


@mutation_type(
    "drill.record", ActivityRecord, creates=Entity.safety_activity, who=rules.WHO_RECORDS
)
def record(ctx: PushContext, p: ActivityRecord, mutation_id: str, occurred_at: datetime):
    site = site_of(ctx, p.site_id)
    authorize(ctx, rules.WHO_RECORDS, relations_to_site(ctx, p.site_id))
    stamp = ctx.stamp(mutation_id, p.site_id, occurred_at)
    recorded_on = stamp["event_time"].astimezone(ZoneInfo(site.timezone)).date()
    rules.check_held_on(p.held_on, recorded_on)
    photos = list(dict.fromkeys(p.photos))
    activity = ctx.create(
        SafetyActivity,
        Entity.safety_activity,
        stamp,
        kind=p.kind.value,
        held_on=p.held_on,
        topic=p.topic.strip(),
        participants=p.participants,
        participants_note=p.participants_note.strip(),
        photos=photos,
    )
    link_photos(ctx, Entity.safety_activity, activity, photos)
    return Applied(activity.id)

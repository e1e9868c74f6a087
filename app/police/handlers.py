"""Mutation handler for police presence at a gate window: adapts a push to the rules
(app.police.rules) and the record store."""

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import col, select

from app.fields import PlausibleDate, Text
from app.police import rules
from app.police.models import POSTING_DEPARTMENTS, PolicePost, PolicePresence
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity, register_site_extra
from app.records.scope import authorize, relations_to_site, site_of
from app.records.store import PushContext
from app.sites.models import GateWindow
from app.towns.models import Department

OfficerName = Annotated[Text, Field(min_length=1, max_length=100)]


class PresenceCheck(Payload):
    site_id: int
    department: Department
    window_id: int
    local_date: PlausibleDate
    officers: int = Field(ge=0, le=50)
    officer_names: Annotated[list[OfficerName], Field(max_length=50)] = []
    note: Annotated[Text, Field(max_length=500)] = ""


register_entity(Entity.police_presence, PolicePresence)


def _post(ctx: PushContext, site_id: int, department: str) -> PolicePost | None:
    def load() -> PolicePost | None:
        return ctx.session.exec(
            select(PolicePost).where(
                PolicePost.site_id == site_id,
                PolicePost.department == department,
                PolicePost.active,
            )
        ).first()

    return ctx.lookup(("police_post", site_id, department), load)


@mutation_type(
    "police.presence",
    PresenceCheck,
    creates=Entity.police_presence,
    who=rules.WHO_CHECKS_POLICE,
)
def presence(ctx: PushContext, p: PresenceCheck, mutation_id: str, occurred_at: datetime):
    site = site_of(ctx, p.site_id)
    post = (
        _post(ctx, p.site_id, p.department.value) if p.department in POSTING_DEPARTMENTS else None
    )
    user = ctx.user
    relations = relations_to_site(ctx, p.site_id)
    if post is not None:
        relations |= rules.post_relations(
            roles=user.roles.split(","),
            department=user.department,
            town_id=user.town_id,
            post_department=post.department,
            post_town_id=post.town_id,
        )
    authorize(ctx, rules.WHO_CHECKS_POLICE, relations)
    rules.check_post(post is not None, p.site_id, p.department.value)
    assert post is not None
    window = ctx.lookup(
        ("gate_window", p.window_id), lambda: ctx.session.get(GateWindow, p.window_id)
    )
    rules.check_window_of_site(p.window_id, None if window is None else window.site_id, p.site_id)
    names = [n.strip() for n in p.officer_names]
    rules.check_officers(p.officers, names)
    stamp = ctx.stamp(mutation_id, p.site_id, occurred_at)
    record = ctx.create(
        PolicePresence,
        Entity.police_presence,
        stamp,
        post_id=post.id,
        department=post.department,
        window_id=window.id,
        local_date=p.local_date,
        officers=p.officers,
        officer_names=names,
        note=p.note,
        window_flag=rules.window_flag(
            stamp["event_time"], p.local_date, window.starts, window.ends, site.timezone
        ),
    )
    return Applied(record.id)


def _posts_of_sites(session, site_ids: list[int]) -> dict[int, list[dict]]:
    """For the phone's bootstrap: each site's active police posts (the gate records them)."""
    if not site_ids:
        return {}
    posts = session.exec(
        select(PolicePost).where(col(PolicePost.site_id).in_(site_ids), PolicePost.active)
    ).all()
    out: dict[int, list[dict]] = {}
    for post in posts:
        out.setdefault(post.site_id, []).append({"id": post.id, "department": post.department})
    return out


register_site_extra("police_posts", _posts_of_sites)

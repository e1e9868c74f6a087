"""Mutation handler for the duty cadre's record of the day: adapts a push to the rules
(app.duty.rules) and the record store."""

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field
from sqlmodel import col, select

from app.auth.models import Role
from app.db import utcnow
from app.duty import rules
from app.duty.models import DutyPlanDay, DutyRecord
from app.fields import PlausibleDate, Text
from app.records.errors import Conflicted, Rule
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import (
    Applied,
    mutation_type,
    register_entity,
    register_site_extra,
    show_current,
)
from app.records.scope import authorize, site_of
from app.records.store import PushContext, Record


class DutyCheckIn(Payload):
    site_id: int
    day: PlausibleDate  # the school's local date of the duty
    round_note: Annotated[Text, Field(max_length=1000)] = ""  # 带班巡查


register_entity(Entity.duty_record, DutyRecord)


def _plan(ctx: PushContext, site_id: int, day) -> DutyPlanDay | None:
    return ctx.lookup(
        ("duty_plan", site_id, day),
        lambda: ctx.session.exec(
            select(DutyPlanDay).where(DutyPlanDay.site_id == site_id, DutyPlanDay.day == day)
        ).first(),
    )


def _recorded(ctx: PushContext, site_id: int, day) -> Record | None:
    for record in ctx.records.values():
        if record.model is DutyRecord and (record.site_id, record.day) == (site_id, day):
            return record
    with ctx.session.no_autoflush:
        stored = ctx.session.exec(
            select(DutyRecord.id).where(DutyRecord.site_id == site_id, DutyRecord.day == day)
        ).first()
    return ctx.get(DutyRecord, stored) if stored else None


@mutation_type(
    "duty.check_in",
    DutyCheckIn,
    creates=Entity.duty_record,
    rules=(Rule.duty_recorded,),
    who=rules.WHO_RECORDS_DUTY,
)
def check_in(ctx: PushContext, p: DutyCheckIn, mutation_id: str, occurred_at: datetime):
    site = site_of(ctx, p.site_id)
    plan = _plan(ctx, p.site_id, p.day)
    relations = (
        rules.cadre_relations(ctx.user.id or 0, plan.cadre_id, plan.substitute_id)
        if plan
        else set()
    )
    if plan is not None and plan.town_id != ctx.user.town_id:
        relations = set()
    if plan is None and not _plans_there(ctx, site):
        authorize(ctx, rules.WHO_RECORDS_DUTY, set())  # whether a day is planned is the school's
    rules.check_planned(plan is not None, site.name, p.day)
    assert plan is not None
    authorize(ctx, rules.WHO_RECORDS_DUTY, relations)
    earlier = _recorded(ctx, p.site_id, p.day)
    try:
        rules.check_first_record(earlier is not None, site.name, p.day)
    except Conflicted as conflict:
        assert earlier is not None
        show_current(conflict, ctx, Entity.duty_record, earlier)
        raise
    stamp = ctx.stamp(mutation_id, p.site_id, occurred_at)
    record = ctx.create(
        DutyRecord,
        Entity.duty_record,
        stamp,
        day=p.day,
        plan_id=plan.id,
        as_substitute=ctx.user.id != plan.cadre_id,
        round_note=p.round_note.strip(),
        day_flag=rules.day_flag(stamp["event_time"], p.day, site.timezone),
    )
    return Applied(record.id)


def _plans_there(ctx: PushContext, site) -> bool:
    """The school's own staff or its town's admin: who may plan there may learn a day is not."""
    user = ctx.user
    if user.town_id != site.town_id:
        return False
    if user.has_role(Role.admin):
        return True
    return user.has_role(Role.school_staff) and user.home_site_id == site.id


def _plans_of_sites(session, site_ids: list[int]) -> dict[int, list[dict]]:
    """For the phone's bootstrap: each site's planned duty days (the phone checks in offline
    on the days it was planned for); from a week back, for a phone that was offline."""
    if not site_ids:
        return {}
    since = utcnow().date() - timedelta(days=8)
    plans = session.exec(
        select(DutyPlanDay)
        .where(col(DutyPlanDay.site_id).in_(site_ids), DutyPlanDay.day >= since)
        .order_by(col(DutyPlanDay.day))
    ).all()
    out: dict[int, list[dict]] = {}
    for plan in plans:
        out.setdefault(plan.site_id, []).append(
            {
                "day": plan.day.isoformat(),
                "cadre_id": plan.cadre_id,
                "substitute_id": plan.substitute_id,
            }
        )
    return out


register_site_extra("duty_plan", _plans_of_sites)

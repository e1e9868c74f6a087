"""The mutation handler of the monthly dispute screening form: it adapts a push to the rules
(app.villages.rules) and the record store. A village is no site, so the form's record has no
site_id and stays out of the phones' pull feed (the office reads it on the server)."""

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlmodel import select

from app.config import get_settings
from app.fields import Text
from app.records.errors import Conflicted, Rejected
from app.records.models import Entity
from app.records.payload import Payload
from app.records.registry import Applied, mutation_type, register_entity, show_current
from app.records.scope import authorize
from app.records.store import PushContext, Record
from app.towns.models import Village
from app.villages import rules
from app.villages.models import DisputeCategory, VillageForm

Count = Annotated[int, Field(ge=0, le=100_000)]


class Dispute(Payload):
    # Given by the phone when the dispute is first written down; a corrected form keeps it,
    # so the office's tracking of the dispute survives the correction.
    key: Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_-]+$")]
    summary: Annotated[Text, Field(min_length=1, max_length=500)]
    parties: Annotated[Text, Field(max_length=300)] = ""
    category: DisputeCategory
    settled_in_village: bool = False  # 已在村内化解


class FormHandIn(Payload):
    village_id: int
    month: Annotated[str, Field(min_length=7, max_length=7)]  # YYYY-MM
    petitions: Count = 0  # 信访
    unstable_factors: Count = 0  # 不稳定因素
    disputes: Annotated[list[Dispute], Field(max_length=200)] = []
    note: Annotated[Text, Field(max_length=1000)] = ""


register_entity(Entity.village_form, VillageForm)


def _village(ctx: PushContext, village_id: int) -> Village:
    village = ctx.lookup(("village", village_id), lambda: ctx.session.get(Village, village_id))
    if village is None or not village.active:
        raise Rejected(
            f"There is no village with id {village_id}.", zh=f"没有编号为 {village_id} 的村庄。"
        )
    return village


def _stored(ctx: PushContext, village_id: int, month: str) -> Record | None:
    """The form of this village and month: made earlier in this push, or stored."""
    for record in ctx.records.values():
        if record.model is VillageForm and (record.village_id, record.month) == (
            village_id,
            month,
        ):
            return record
    with ctx.session.no_autoflush:
        found = ctx.session.exec(
            select(VillageForm.id).where(
                VillageForm.village_id == village_id, VillageForm.month == month
            )
        ).first()
    return ctx.get(VillageForm, found) if found else None


@mutation_type(
    "village.form",
    FormHandIn,
    creates=Entity.village_form,
    changes=(Entity.village_form,),
    rules=(rules.Rule.form_superseded,),
    who=rules.WHO_HANDS_IN,
)
def hand_in(ctx: PushContext, p: FormHandIn, mutation_id: str, occurred_at: datetime):
    village = _village(ctx, p.village_id)
    relations = rules.village_relations(
        roles=ctx.user.roles.split(","),
        own_village_id=ctx.user.village_id,
        village_id=p.village_id,
        sees_town=ctx.scope.sees_town(village.town_id),
    )
    authorize(ctx, rules.WHO_HANDS_IN, relations)
    tz = get_settings().town_timezone
    rules.parse_month(p.month)
    stamp = ctx.stamp(mutation_id, 0, occurred_at)
    stamp["site_id"] = None  # a village is no site
    handed_in_at: datetime = stamp["event_time"]
    rules.check_month_begun(p.month, handed_in_at, tz)
    contents = {
        "petitions": p.petitions,
        "unstable_factors": p.unstable_factors,
        "disputes": rules.disputes_of(
            (d.key, d.summary, d.parties, d.category.value, d.settled_in_village)
            for d in p.disputes
        ),
        "note": p.note,
    }
    earlier = _stored(ctx, p.village_id, p.month)
    if earlier is None:
        record = ctx.create(
            VillageForm,
            Entity.village_form,
            stamp,
            town_id=village.town_id,
            village_id=village.id,
            month=p.month,
            first_handed_in_at=handed_in_at,
            on_time=rules.on_time(p.month, handed_in_at, tz),
            **contents,
        )
        return Applied(record.id)
    try:
        rules.check_newer(earlier.event_time, handed_in_at, village.name, p.month)
    except Conflicted as conflict:
        show_current(conflict, ctx, Entity.village_form, earlier)
        raise
    # The correction replaces the contents and the clocks; the form keeps its id, its first
    # hand-in (what on time is judged by) and counts once.
    clocks = {k: v for k, v in stamp.items() if k not in ("id", "site_id")}
    ctx.update(Entity.village_form, earlier, **clocks, **contents, revisions=earlier.revisions + 1)
    return Applied(earlier.id)

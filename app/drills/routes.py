"""The office side of safety lessons and drills: how often each is due, a town setting. Whoever
is of the town reads it; the town's admin changes it (audited)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.access import ScopeDep, town_for_new
from app.audit import service as audit
from app.auth.deps import AdminUser, CurrentUser
from app.db import ReadSessionDep, WriteSessionDep, utcnow
from app.drills.models import DrillSettingPublic, DrillSettingUpdate
from app.drills.service import setting_of

router = APIRouter(prefix="/api/drills", tags=["drills"])

TownId = Annotated[int | None, Query(description="a county account: which town (default: own)")]


@router.get("/settings", response_model=DrillSettingPublic)
def get_settings(
    session: ReadSessionDep, user: CurrentUser, scope: ScopeDep, town_id: TownId = None
):
    """Every how many days a drill (应急预案演练) and a lesson (安全、法制专题教育) are due."""
    row = setting_of(session, town_for_new(scope, town_id))
    return DrillSettingPublic.model_validate(row, from_attributes=True)


@router.put("/settings", response_model=DrillSettingPublic)
def put_settings(
    body: DrillSettingUpdate,
    session: WriteSessionDep,
    user: AdminUser,
    scope: ScopeDep,
    town_id: TownId = None,
):
    row = setting_of(session, town_for_new(scope, town_id))
    before = audit.snapshot(row)  # the defaults in force until now, for a first setting
    row.drill_every_days = body.drill_every_days
    row.lesson_every_days = body.lesson_every_days
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=row.town_id,
        action="drill_setting.update",
        entity="drill_setting",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return DrillSettingPublic.model_validate(row, from_attributes=True)

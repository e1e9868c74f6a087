"""The villages' office routes: the town's villages (the admin sets them up, CSV import) and
the four-in-one office's steps on the disputes the monthly forms list.

The steps are online office routes, not sync mutations: the four-in-one office works at its
desk in the town government, a step is a decision taken on the latest form (a phone's stale
copy could move a dispute the village has since corrected away), and it is audited with
before and after like the other office writes."""

from fastapi import APIRouter, UploadFile

from app.access import ScopeDep, town_for_new
from app.auth.deps import AdminUser, CurrentUser
from app.csv_upload import csv_bytes
from app.db import ReadSessionDep, WriteSessionDep, utcnow
from app.villages import service
from app.villages.models import (
    DisputeCasePublic,
    DisputeStep,
    VillageCreate,
    VillageImportResult,
    VillagePublic,
    VillageUpdate,
)

router = APIRouter(prefix="/api/villages", tags=["villages"])


def _public(village) -> VillagePublic:
    return VillagePublic.model_validate(village, from_attributes=True)


@router.get("", response_model=list[VillagePublic])
def list_villages(
    session: ReadSessionDep, user: CurrentUser, scope: ScopeDep, include_inactive: bool = False
):
    """The town's villages (a county account: the county's); a cadre sees her own."""
    villages = service.list_villages(
        session, user=user, scope=scope, include_inactive=include_inactive
    )
    return [_public(v) for v in villages]


@router.post("", response_model=VillagePublic, status_code=201)
def create_village(
    body: VillageCreate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    town_id = town_for_new(scope, body.town_id)
    return _public(service.create_village(session, data=body, town_id=town_id, actor_id=admin.id))


@router.post("/import", response_model=VillageImportResult, status_code=201)
def import_villages(file: UploadFile, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    """CSV columns: code, name, district (管区) (see README, Village dispute screening)."""
    created = service.import_villages(
        session, content=csv_bytes(file), town_id=scope.town_id, actor_id=admin.id
    )
    return VillageImportResult(imported=len(created), villages=[_public(v) for v in created])


@router.patch("/{village_id}", response_model=VillagePublic)
def update_village(
    village_id: int,
    body: VillageUpdate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    village = service.get_village(session, scope=scope, village_id=village_id)
    return _public(service.update_village(session, village=village, data=body, actor_id=admin.id))


@router.post("/{village_id}/deactivate", response_model=VillagePublic)
def deactivate_village(
    village_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    village = service.get_village(session, scope=scope, village_id=village_id)
    return _public(service.deactivate_village(session, village=village, actor_id=admin.id))


@router.post("/disputes/step", response_model=DisputeCasePublic)
def step_dispute(body: DisputeStep, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    """化解: open -> resolving -> resolved (a note), reopen (a note); the town's four-in-one
    office (四位一体办) or supervisors."""
    case = service.step_dispute(session, user=user, scope=scope, body=body, now=utcnow())
    return DisputeCasePublic.model_validate(case, from_attributes=True)

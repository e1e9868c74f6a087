"""Sites, gate windows, checkpoints, their CSV import and the printable checkpoint sheet.

Admins write within their town; anyone may read the sites they can see (their groups' sites,
a gate keeper's home school; supervisors and admins their town's). A site you cannot see, or
of another town, answers 404.
"""

from fastapi import APIRouter, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Field, SQLModel

from app.access import ScopeDep, town_for_new
from app.auth.deps import AdminUser, CurrentUser
from app.csv_upload import csv_bytes
from app.db import ReadSessionDep, WriteSessionDep
from app.fields import LocalTime, PatchBody
from app.sites import csv_import
from app.sites import service as sites
from app.sites.models import (
    CheckpointCreate,
    CheckpointPublic,
    CheckpointUpdate,
    GateWindowCreate,
    GateWindowPublic,
    SiteCreate,
    SitePublic,
    SiteUpdate,
)

router = APIRouter(prefix="/api", tags=["sites"])


# Body of PATCH /api/sites/{id}/gate-windows/{window_id}; every field optional, none null.
class GateWindowUpdate(PatchBody):
    name: str = Field(default=None, min_length=1, max_length=100)
    starts: LocalTime = None
    ends: LocalTime = None
    active: bool = None


# Answer of the CSV imports.
class SiteImportResult(SQLModel):
    imported: int
    sites: list[SitePublic]


# ---- sites -------------------------------------------------------------------------------


@router.get("/sites", response_model=list[SitePublic])
def list_sites(session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False):
    return sites.list_sites(session, scope=scope, include_inactive=include_inactive)


@router.post("/sites", response_model=SitePublic, status_code=201)
def create_site(body: SiteCreate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    site = sites.create_site(
        session, data=body, town_id=town_for_new(scope, body.town_id), actor_id=admin.id
    )
    return site


@router.post("/sites/import", response_model=SiteImportResult, status_code=201)
def import_sites(file: UploadFile, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    """CSV columns: name, kind, address, lat, lon, timezone, required_patrol_staff,
    required_gate_staff, arrival, dismissal (see README, Administration)."""
    content = csv_bytes(file)
    created = csv_import.import_sites(
        session, content=content, town_id=scope.town_id, actor_id=admin.id
    )
    return SiteImportResult(
        imported=len(created), sites=[SitePublic.model_validate(s) for s in created]
    )


@router.get("/sites/sheet.css", include_in_schema=False)
def sheet_css(_: CurrentUser) -> Response:
    return Response(sites.SHEET_CSS, media_type="text/css; charset=utf-8")


@router.get("/sites/{site_id}", response_model=SitePublic)
def get_site(site_id: int, session: ReadSessionDep, scope: ScopeDep):
    return sites.get_visible_site(session, scope=scope, site_id=site_id)


@router.patch("/sites/{site_id}", response_model=SitePublic)
def update_site(
    site_id: int, body: SiteUpdate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    sites.update_site(
        session, site=site, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return site


@router.post("/sites/{site_id}/deactivate", response_model=SitePublic)
def deactivate_site(site_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    sites.deactivate_site(session, site=site, actor_id=admin.id)
    return site


# ---- gate windows ------------------------------------------------------------------------


@router.get("/sites/{site_id}/gate-windows", response_model=list[GateWindowPublic])
def list_windows(
    site_id: int, session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False
):
    site = sites.get_visible_site(session, scope=scope, site_id=site_id)
    return sites.list_windows(session, site=site, include_inactive=include_inactive)


@router.post("/sites/{site_id}/gate-windows", response_model=GateWindowPublic, status_code=201)
def create_window(
    site_id: int,
    body: GateWindowCreate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    window = sites.create_window(session, site=site, data=body, actor_id=admin.id)
    return window


@router.patch("/sites/{site_id}/gate-windows/{window_id}", response_model=GateWindowPublic)
def update_window(
    site_id: int,
    window_id: int,
    body: GateWindowUpdate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    window = sites.get_window(session, site=site, window_id=window_id)
    sites.update_window(
        session, window=window, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return window


@router.post(
    "/sites/{site_id}/gate-windows/{window_id}/deactivate", response_model=GateWindowPublic
)
def deactivate_window(
    site_id: int, window_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    window = sites.get_window(session, site=site, window_id=window_id)
    sites.update_window(session, window=window, changes={"active": False}, actor_id=admin.id)
    return window


# ---- checkpoints -------------------------------------------------------------------------


@router.get("/sites/{site_id}/checkpoints", response_model=list[CheckpointPublic])
def list_checkpoints(
    site_id: int, session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False
):
    site = sites.get_visible_site(session, scope=scope, site_id=site_id)
    return sites.list_checkpoints(session, site=site, include_inactive=include_inactive)


@router.get("/sites/{site_id}/checkpoints/sheet", response_class=HTMLResponse)
def checkpoint_sheet(site_id: int, session: ReadSessionDep, scope: ScopeDep) -> HTMLResponse:
    """A printable HTML page with each active checkpoint's QR code (the code), name and code."""
    site = sites.get_visible_site(session, scope=scope, site_id=site_id)
    checkpoints = sites.list_checkpoints(session, site=site)
    return HTMLResponse(sites.checkpoint_sheet_html(site=site, checkpoints=checkpoints))


@router.post("/sites/{site_id}/checkpoints", response_model=CheckpointPublic, status_code=201)
def create_checkpoint(
    site_id: int,
    body: CheckpointCreate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    cp = sites.create_checkpoint(session, site=site, data=body, actor_id=admin.id)
    return cp


@router.patch("/sites/{site_id}/checkpoints/{checkpoint_id}", response_model=CheckpointPublic)
def update_checkpoint(
    site_id: int,
    checkpoint_id: int,
    body: CheckpointUpdate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    cp = sites.get_checkpoint(session, site=site, checkpoint_id=checkpoint_id)
    sites.update_checkpoint(
        session, checkpoint=cp, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return cp


@router.post(
    "/sites/{site_id}/checkpoints/{checkpoint_id}/deactivate", response_model=CheckpointPublic
)
def deactivate_checkpoint(
    site_id: int, checkpoint_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    site = sites.get_site(session, scope=scope, site_id=site_id)
    cp = sites.get_checkpoint(session, site=site, checkpoint_id=checkpoint_id)
    sites.update_checkpoint(session, checkpoint=cp, changes={"active": False}, actor_id=admin.id)
    return cp

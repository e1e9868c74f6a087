"""The office side of technical defences: a site's cameras and alarms (the town's admin or the
school's own staff keep them; whoever sees the site reads them) and the town's check interval
(its admin's). Every change is audited."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from app.access import Scope, ScopeDep, town_for_new
from app.audit import service as audit
from app.auth.deps import AdminUser, CurrentUser
from app.auth.models import Role, User
from app.db import ReadSessionDep, WriteSessionDep, utcnow
from app.defences.models import (
    DefenceDevice,
    DefenceSettingPublic,
    DefenceSettingUpdate,
    DeviceCreate,
    DevicePublic,
    DeviceUpdate,
)
from app.defences.service import setting_of
from app.errors import Forbidden, Invalid, NotFound
from app.sites.models import Site
from app.sites.service import get_visible_site

router = APIRouter(prefix="/api/defences", tags=["defences"])

TownId = Annotated[int | None, Query(description="a county account: which town (default: own)")]


def _may_manage(user: User, scope: Scope, site: Site) -> None:
    """The town's admin, or the school's own staff."""
    admin = user.has_role(Role.admin) and scope.sees_town(site.town_id)
    staff = user.has_role(Role.school_staff) and user.home_site_id == site.id
    if not (admin or staff):
        raise Forbidden(
            "Only the town's admin or this school's staff may change its cameras and alarms.",
            message_zh="只有本镇管理员或本校工作人员可以修改本校的技防设施。",
        )


@router.get("/devices", response_model=list[DevicePublic])
def list_devices(
    site_id: int, session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False
):
    site = get_visible_site(session, scope=scope, site_id=site_id)
    query = select(DefenceDevice).where(DefenceDevice.site_id == site.id)
    if not include_inactive:
        query = query.where(DefenceDevice.active)
    query = query.order_by(col(DefenceDevice.kind), col(DefenceDevice.name), col(DefenceDevice.id))
    return [DevicePublic.model_validate(d, from_attributes=True) for d in session.exec(query)]


@router.post("/devices", response_model=DevicePublic, status_code=201)
def create_device(body: DeviceCreate, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    site = get_visible_site(session, scope=scope, site_id=body.site_id)
    _may_manage(user, scope, site)
    device = DefenceDevice(
        site_id=body.site_id, kind=body.kind.value, name=body.name, location=body.location
    )
    session.add(device)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="defence_device.create",
        entity="defence_device",
        entity_id=device.id,
        after=audit.snapshot(device),
    )
    return DevicePublic.model_validate(device, from_attributes=True)


@router.patch("/devices/{defence_device_id}", response_model=DevicePublic)
def update_device(
    defence_device_id: int,
    body: DeviceUpdate,
    session: WriteSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
):
    """Renames or moves a device, or takes it out of service (`active: false`); its checks
    and faults stay."""
    device = session.get(DefenceDevice, defence_device_id)
    if device is None or not scope.sees_site(device.site_id):
        raise NotFound(
            f"No camera or alarm with id {defence_device_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {defence_device_id} 的技防设施。",
        )
    site = session.get(Site, device.site_id)
    assert site is not None
    _may_manage(user, scope, site)
    changes = body.model_dump(exclude_unset=True)
    if empty := [k for k, v in changes.items() if v is None]:
        raise Invalid(
            f"{empty[0]} cannot be null; leave it out to keep it.",
            message_zh=f"{empty[0]} 不能为空；不修改请不要填写该项。",
            details=[{"field": k, "message": "null", "message_zh": "不能为空"} for k in empty],
        )
    before = audit.snapshot(device)
    for key, value in changes.items():
        setattr(device, key, value)
    session.add(device)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="defence_device.update",
        entity="defence_device",
        entity_id=device.id,
        before=before,
        after=audit.snapshot(device),
    )
    return DevicePublic.model_validate(device, from_attributes=True)


@router.get("/settings", response_model=DefenceSettingPublic)
def get_settings(
    session: ReadSessionDep, user: CurrentUser, scope: ScopeDep, town_id: TownId = None
):
    """Every how many days each camera and alarm is due for a check."""
    row = setting_of(session, town_for_new(scope, town_id))
    return DefenceSettingPublic.model_validate(row, from_attributes=True)


@router.put("/settings", response_model=DefenceSettingPublic)
def put_settings(
    body: DefenceSettingUpdate,
    session: WriteSessionDep,
    user: AdminUser,
    scope: ScopeDep,
    town_id: TownId = None,
):
    row = setting_of(session, town_for_new(scope, town_id))
    before = audit.snapshot(row)  # the defaults in force until now, for a first setting
    row.check_every_days = body.check_every_days
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=row.town_id,
        action="defence_setting.update",
        entity="defence_setting",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return DefenceSettingPublic.model_validate(row, from_attributes=True)

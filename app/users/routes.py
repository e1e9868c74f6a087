"""Admin management of user accounts (one by one or from a CSV file) and their devices.

Each within the caller's towns: an account or device of another town answers 404, as a
missing one does."""

from fastapi import APIRouter, UploadFile
from sqlmodel import SQLModel, col, select

from app.access import Scope, ScopeDep, town_for_new
from app.auth.deps import AdminUser, SupervisorUser
from app.auth.models import (
    Device,
    DevicePublic,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
    user_public,
)
from app.csv_upload import csv_bytes
from app.db import ReadSessionDep, WriteSessionDep
from app.errors import Forbidden, NotFound
from app.users import csv_import, service

router = APIRouter(prefix="/api", tags=["users"])


# Answer of POST /api/users/import.
class UserImportResult(SQLModel):
    imported: int
    users: list[UserPublic]


def _user_or_404(session, user_id: int, scope: Scope) -> User:
    user = session.get(User, user_id)
    if user is None or not scope.sees_town(user.town_id):
        raise NotFound(f"No user with id {user_id}.", message_zh=f"没有编号为 {user_id} 的用户。")
    return user


def _may_grant_county(scope: Scope, county_wide: bool | None) -> None:
    if county_wide and not scope.county_wide:
        # A town admin who could reset a county account's password would reach the county.
        raise Forbidden(
            "Only a county office admin may create or change county-wide accounts.",
            message_zh="只有县级管理员可以创建或修改全县账号。",
        )


@router.get("/users", response_model=list[UserPublic])
def list_users(
    session: ReadSessionDep, _: SupervisorUser, scope: ScopeDep, active: bool | None = None
):
    query = select(User).where(col(User.town_id).in_(scope.town_ids)).order_by(User.id)
    if active is not None:
        query = query.where(User.active == active)
    return [user_public(u) for u in session.exec(query).all()]


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    _may_grant_county(scope, body.county_wide)
    user = service.create_user(
        session,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
        phone=body.phone,
        home_site_id=body.home_site_id,
        village_id=body.village_id,
        department=body.department,
        town_id=town_for_new(scope, body.town_id),
        county_wide=body.county_wide,
        actor_id=admin.id,
    )
    return user_public(user)


@router.post("/users/import", response_model=UserImportResult, status_code=201)
def import_users(file: UploadFile, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    """CSV columns: username, display_name, password, roles, phone, home_site (see README);
    into the admin's own town."""
    content = csv_bytes(file)
    created = csv_import.import_users(
        session, content=content, town_id=scope.town_id, actor_id=admin.id
    )
    return UserImportResult(imported=len(created), users=[user_public(u) for u in created])


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: int, session: ReadSessionDep, _: SupervisorUser, scope: ScopeDep):
    return user_public(_user_or_404(session, user_id, scope))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    user_id: int, body: UserUpdate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    user = _user_or_404(session, user_id, scope)
    _may_grant_county(
        scope, body.model_dump(exclude_unset=True).get("county_wide") or user.county_wide
    )
    service.update_user(
        session, user=user, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return user_public(user)


@router.get("/devices", response_model=list[DevicePublic])
def list_devices(session: ReadSessionDep, _: SupervisorUser, scope: ScopeDep):
    return session.exec(
        select(Device)
        .join(User, User.id == Device.user_id)
        .where(col(User.town_id).in_(scope.town_ids))
        .order_by(col(Device.last_sync_at).desc(), Device.id)
    ).all()


@router.post("/devices/{device_id}/revoke", response_model=DevicePublic)
def revoke_device(device_id: str, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    device = session.get(Device, device_id)
    owner = session.get(User, device.user_id) if device is not None else None
    if device is None or owner is None or not scope.sees_town(owner.town_id):
        raise NotFound(
            f"No device with id {device_id!r}.", message_zh=f"没有编号为 {device_id} 的设备。"
        )
    service.revoke_device(session, device=device, actor_id=admin.id)
    return device

"""Admin management of user accounts (one by one or from a CSV file) and their devices."""

from fastapi import APIRouter, UploadFile
from sqlmodel import SQLModel, select

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
from app.errors import NotFound
from app.users import csv_import, service

router = APIRouter(prefix="/api", tags=["users"])


# Answer of POST /api/users/import.
class UserImportResult(SQLModel):
    imported: int
    users: list[UserPublic]


def _user_or_404(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.", message_zh=f"没有编号为 {user_id} 的用户。")
    return user


@router.get("/users", response_model=list[UserPublic])
def list_users(session: ReadSessionDep, _: SupervisorUser, active: bool | None = None):
    query = select(User).order_by(User.id)
    if active is not None:
        query = query.where(User.active == active)
    return [user_public(u) for u in session.exec(query).all()]


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, session: WriteSessionDep, admin: AdminUser):
    user = service.create_user(
        session,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
        phone=body.phone,
        home_site_id=body.home_site_id,
        actor_id=admin.id,
    )
    return user_public(user)


@router.post("/users/import", response_model=UserImportResult, status_code=201)
def import_users(file: UploadFile, session: WriteSessionDep, admin: AdminUser):
    """CSV columns: username, display_name, password, roles, phone, home_site (see README)."""
    content = csv_bytes(file)
    created = csv_import.import_users(session, content=content, actor_id=admin.id)
    return UserImportResult(imported=len(created), users=[user_public(u) for u in created])


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: int, session: ReadSessionDep, _: SupervisorUser):
    return user_public(_user_or_404(session, user_id))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: int, body: UserUpdate, session: WriteSessionDep, admin: AdminUser):
    user = _user_or_404(session, user_id)
    service.update_user(
        session, user=user, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return user_public(user)


@router.get("/devices", response_model=list[DevicePublic])
def list_devices(session: ReadSessionDep, _: SupervisorUser):
    return session.exec(select(Device).order_by(Device.last_sync_at.desc(), Device.id)).all()


@router.post("/devices/{device_id}/revoke", response_model=DevicePublic)
def revoke_device(device_id: str, session: WriteSessionDep, admin: AdminUser):
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(
            f"No device with id {device_id!r}.", message_zh=f"没有编号为 {device_id} 的设备。"
        )
    service.revoke_device(session, device=device, actor_id=admin.id)
    return device

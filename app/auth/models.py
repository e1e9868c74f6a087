"""Users with their roles, the phones they sync from, and refresh-token families."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput, PatchBody
from app.towns.models import Department


class Role(StrEnum):
    member = "member"  # 巡逻人员 / 值班人员
    gate = "gate"  # 校门口值班人员 / 门卫
    leader = "leader"  # 组长
    supervisor = "supervisor"  # 督查
    admin = "admin"  # 管理员
    # The rest of the town's plan: a school's own staff (宿管 for the boarding pupils, the
    # safety officer for drills and technical defences, the duty cadre) with home_site_id; a
    # village cadre (村干部) with village_id; a town department's staff (派出所, 交警中队,
    # 四位一体办 ...) with department.
    school_staff = "school_staff"  # 学校工作人员
    village = "village"  # 村干部
    department = "department"  # 部门工作人员


class UserBase(CleanInput):
    username: str = Field(
        min_length=2, max_length=64, schema_extra={"pattern": r"^[A-Za-z0-9._@+-]+$"}
    )
    display_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    home_site_id: int | None = Field(default=None, foreign_key="site.id")  # gate staff's school
    village_id: int | None = Field(default=None, foreign_key="village.id")  # a cadre's village
    department: Department | None = Field(default=None, sa_type=String(32))  # a department's staff


class User(UserBase, table=True):
    __tablename__ = "app_user"  # "user" is reserved in Postgres
    # A username is unique within its town (login: name, or name@town-code when shared).
    __table_args__ = (UniqueConstraint("town_id", "username"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    town_id: int = Field(foreign_key="town.id", index=True)
    # A supervisor or admin of the county office: reach is every town of the town's county.
    county_wide: bool = False
    department: str | None = Field(default=None, max_length=32)  # stored as its Department value
    password_hash: str
    roles: str = ""  # comma-separated Role values
    active: bool = True
    disabled_at: datetime | None = utc_field(default=None)
    created_at: datetime = utc_field(default_factory=utcnow)

    @property
    def role_set(self) -> set[Role]:
        return {Role(r) for r in self.roles.split(",") if r}

    def has_role(self, *roles: Role) -> bool:
        # Roles are str enums, equal to their text: no enum is built (called per record).
        return not set(self.roles.split(",")).isdisjoint(roles)


# Body of POST /api/users.
class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=200)
    roles: list[Role] = Field(default_factory=lambda: [Role.member], min_length=1)
    town_id: int | None = None  # default: the admin's own town
    county_wide: bool = False  # only a county admin may grant it


# Body of PATCH /api/users/{id}: null clears the phone, the home school, the village and the
# department; the other fields cannot be null (leave them out to keep them).
class UserUpdate(PatchBody):
    display_name: str = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    home_site_id: int | None = None
    village_id: int | None = None
    department: Department | None = None
    password: str = Field(default=None, min_length=8, max_length=200)
    roles: list[Role] = Field(default=None, min_length=1)
    active: bool = None
    county_wide: bool = None  # only a county admin may grant it


class UserPublic(UserBase):
    id: int
    town_id: int
    county_wide: bool
    roles: list[Role]
    active: bool


def user_public(user: User) -> UserPublic:
    """The account as the API shows it: roles in their declared order, no password hash."""
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        phone=user.phone,
        home_site_id=user.home_site_id,
        village_id=user.village_id,
        department=Department(user.department) if user.department else None,
        town_id=user.town_id,
        county_wide=user.county_wide,
        roles=sorted(user.role_set, key=list(Role).index),
        active=user.active,
    )


# A phone or browser that syncs; refresh tokens and sync state hang off it.
class Device(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)  # client-generated
    user_id: int = Field(foreign_key="app_user.id", index=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime = utc_field(default_factory=utcnow)
    revoked_at: datetime | None = utc_field(default=None)
    last_seen_at: datetime | None = utc_field(default=None)
    last_sync_at: datetime | None = utc_field(default=None)
    last_outbox_depth: int | None = None  # records the phone still held when it last synced
    last_clock_offset_s: float | None = None  # server time minus device time, last push
    max_abs_clock_offset_s: float | None = None
    # Bumped when the device's session ends (logout, a refresh token used twice): access
    # tokens carry the generation they were issued in and stop working once it moves on.
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class DevicePublic(SQLModel):
    id: str
    user_id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_sync_at: datetime | None
    last_outbox_depth: int | None
    last_clock_offset_s: float | None
    max_abs_clock_offset_s: float | None


# One refresh token; a family is one login on one device, rotated on every use.
class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    family_id: str = Field(index=True, max_length=36)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    device_id: str = Field(foreign_key="device.id", index=True, max_length=64)
    issued_at: datetime = utc_field(default_factory=utcnow)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(default=None)
    revoked_at: datetime | None = utc_field(default=None)


# Failed logins, kept in the database so limits hold across several app processes.
class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    address: str = Field(index=True, max_length=64)
    at: datetime = utc_field(default_factory=utcnow, index=True)

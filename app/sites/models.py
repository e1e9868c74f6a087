"""Sites (学校 / 幼儿园 / 重点场所), their gate windows (上学 / 放学) and checkpoints."""

from datetime import datetime, time
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field

from app.db import utc_field, utcnow
from app.fields import CleanInput, LocalTime, PatchBody

DEFAULT_TIMEZONE = "Asia/Shanghai"


class SiteKind(StrEnum):
    school = "school"  # 学校
    kindergarten = "kindergarten"  # 幼儿园
    key_place = "key_place"  # 重点场所


class WindowKind(StrEnum):
    arrival = "arrival"  # 上学
    dismissal = "dismissal"  # 放学


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like Asia/Shanghai"
        ) from exc
    return value


# Fields a client may set on a site.
class SiteBase(CleanInput):
    name: str = Field(min_length=1, max_length=200)
    kind: SiteKind = Field(default=SiteKind.school, sa_type=String(20))
    address: str = Field(default="", max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    required_patrol_staff: int = Field(default=4, ge=1, le=100)  # 每组值班人员不少于4人
    required_gate_staff: int = Field(default=4, ge=0, le=100)  # 校门口值班不少于4人

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))


# The stored site.
class Site(SiteBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)  # a site never moves town
    kind: str = Field(default=SiteKind.school, sa_type=String(20))  # stored as its SiteKind value
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


# Body of POST /api/sites.
class SiteCreate(SiteBase):
    town_id: int | None = None  # default: the admin's own town


# Body of PATCH /api/sites/{id}; every field optional, null clears only lat and lon.
class SiteUpdate(PatchBody):
    name: str = Field(default=None, min_length=1, max_length=200)
    kind: SiteKind = None
    address: str = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str = Field(default=None, max_length=64)
    required_patrol_staff: int = Field(default=None, ge=1, le=100)
    required_gate_staff: int = Field(default=None, ge=0, le=100)
    active: bool = None

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))


# A site as the API returns it.
class SitePublic(SiteBase):
    id: int
    town_id: int
    active: bool


# Fields of a gate duty window, in the site's local time.
class GateWindowBase(CleanInput):
    name: str = Field(min_length=1, max_length=100)
    kind: WindowKind = Field(sa_type=String(20))
    starts: LocalTime
    ends: LocalTime

    @field_validator("ends")
    @classmethod
    def _ends_after_start(cls, v: time, info) -> time:
        starts = info.data.get("starts")
        if starts is not None and v <= starts:
            raise ValueError("a gate window must end after it starts")
        return v


# A named arrival or dismissal window at a site's gate.
class GateWindow(GateWindowBase, table=True):
    __tablename__ = "gate_window"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(20))  # stored as its WindowKind value
    site_id: int = Field(foreign_key="site.id", index=True)
    active: bool = True


class GateWindowCreate(GateWindowBase):
    pass


class GateWindowPublic(GateWindowBase):
    id: int
    site_id: int
    active: bool


# Fields of a checkpoint (巡逻点) with its printed QR code.
class CheckpointBase(CleanInput):
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=3, max_length=64, schema_extra={"pattern": r"^[A-Za-z0-9._-]+$"})
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Checkpoint(CheckpointBase, table=True):
    # A printed code is unique within the town (its site's town, copied here to index it).
    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    code: str = Field(max_length=64)
    active: bool = True


class CheckpointCreate(CheckpointBase):
    pass


# Body of PATCH /api/sites/{id}/checkpoints/{cp}: null clears only lat and lon.
class CheckpointUpdate(PatchBody):
    name: str = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    active: bool = None


class CheckpointPublic(CheckpointBase):
    id: int
    site_id: int
    active: bool

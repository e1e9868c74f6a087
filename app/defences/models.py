"""Technical defences (技防: 视频监控、入侵报警 at key spots): the inventory of a site's video
surveillance cameras and intrusion alarms (kept in the office), their periodic checks (on a
phone, offline) and their faults, each tracked like a hazard: open -> fixed (by the school) ->
accepted (验收, by a supervisor) or reopened."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput
from app.records.models import FieldRecord


class DeviceKind(StrEnum):
    camera = "camera"  # 视频监控
    alarm = "alarm"  # 入侵报警


class CheckResult(StrEnum):
    ok = "ok"  # 正常
    fault = "fault"  # 故障


class FaultStatus(StrEnum):
    open = "open"  # 待维修
    fixed = "fixed"  # 已维修, waiting for 验收
    accepted = "accepted"  # 已验收


class FaultAction(StrEnum):
    fix = "fix"  # 维修完成 (the school)
    accept = "accept"  # 验收 (a supervisor)
    reopen = "reopen"  # 重新打开 (a supervisor: the fix did not hold)


DEFAULT_CHECK_EVERY_DAYS = 30


# How often a town's devices are due for a check (one row per town, the admin's).
class DefenceSetting(SQLModel, table=True):
    __tablename__ = "defence_setting"
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", unique=True)
    check_every_days: int = DEFAULT_CHECK_EVERY_DAYS
    updated_at: datetime = utc_field(default_factory=utcnow)


class DefenceSettingUpdate(CleanInput):
    check_every_days: int = Field(ge=1, le=366)


class DefenceSettingPublic(SQLModel):
    town_id: int
    check_every_days: int


# One camera or alarm at one key spot (关键部位) of a site.
class DefenceDevice(SQLModel, table=True):
    __tablename__ = "defence_device"
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    kind: str = Field(max_length=16)  # DeviceKind
    name: str = Field(max_length=100)  # 校门口摄像头1
    location: str = Field(default="", max_length=200)  # 关键部位: 校门口, 宿舍楼 ...
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


class DeviceCreate(CleanInput):
    site_id: int
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=100)
    location: str = Field(default="", max_length=200)


class DeviceUpdate(CleanInput):
    """PATCH: leave a field out to keep it; none of them may be null."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    location: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class DevicePublic(SQLModel):
    id: int
    site_id: int
    kind: str
    name: str
    location: str
    active: bool


# A periodic check of one device: ok, or a fault with a description (and a photo).
class DefenceCheck(FieldRecord, table=True):
    __tablename__ = "defence_check"
    # not `device_id`: every field record has that (the phone that recorded it)
    defence_device_id: int = Field(foreign_key="defence_device.id", index=True)
    result: str = Field(max_length=16)  # CheckResult
    description: str = Field(default="", max_length=2000)
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fault_id: str | None = Field(default=None, max_length=36)  # the fault this check raised


# A fault found by a check, tracked to 验收. Its id is the check's own with a fixed suffix
# rule (app.defences.rules.fault_id_of), so the phone knows it before it syncs.
class DefenceFault(FieldRecord, table=True):
    __tablename__ = "defence_fault"
    # not `device_id`: every field record has that (the phone that recorded it)
    defence_device_id: int = Field(foreign_key="defence_device.id", index=True)
    check_id: str = Field(max_length=36)
    description: str = Field(max_length=2000)
    status: str = Field(default=FaultStatus.open.value, max_length=16, index=True)
    fixed_at: datetime | None = utc_field(default=None)  # the latest fix, corrected time
    accepted_at: datetime | None = utc_field(default=None)
    # Every step: [{"action", "by", "at", "comment", "photos"}], oldest first.
    history: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )

"""Boarding pupils (住宿生): the dormitories of a boarding school and their pupils (set up in
the office), the nightly bed-time roll call (晚间就寝点名登记) and leave requests (请销假),
both recorded on the dorm staff's phone, offline."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput
from app.records.models import FieldRecord


class AbsenceReason(StrEnum):
    """Why a pupil was not in bed at the roll call."""

    on_leave = "on_leave"  # 请假外出
    sick = "sick"  # 生病 (in the infirmary, or taken home)
    home = "home"  # 回家 (a parent collected them)
    missing = "missing"  # 不明去向: the case the school must act on at once
    other = "other"  # 其他


# A dormitory (宿舍) of a boarding school.
class Dormitory(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(max_length=100)
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


# A boarding pupil, in one dormitory of their school.
class BoardingPupil(SQLModel, table=True):
    __tablename__ = "boarding_pupil"
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    dormitory_id: int = Field(foreign_key="dormitory.id", index=True)
    name: str = Field(max_length=100)
    class_name: str = Field(default="", max_length=100)  # 班级
    active: bool = True  # a pupil who left the school or stopped boarding
    created_at: datetime = utc_field(default_factory=utcnow)


class DormitoryCreate(CleanInput):
    site_id: int
    name: str = Field(min_length=1, max_length=100)


class DormitoryPublic(SQLModel):
    id: int
    site_id: int
    name: str
    active: bool
    pupils: int  # active pupils


class PupilCreate(CleanInput):
    dormitory_id: int
    name: str = Field(min_length=1, max_length=100)
    class_name: str = Field(default="", max_length=100)


class PupilUpdate(CleanInput):
    """PATCH: leave a field out to keep it; none of them may be null."""

    dormitory_id: int | None = None
    class_name: str | None = Field(default=None, max_length=100)
    active: bool | None = None


class PupilPublic(SQLModel):
    id: int
    site_id: int
    dormitory_id: int
    name: str
    class_name: str
    active: bool


# The bed-time roll call of one dormitory on one night (its local date): who was expected
# (the dorm's active pupils when it arrived), who was absent and why. One per dorm and night.
class RollCall(FieldRecord, table=True):
    __tablename__ = "roll_call"
    __table_args__ = (UniqueConstraint("dormitory_id", "night"),)
    dormitory_id: int = Field(foreign_key="dormitory.id", index=True)
    night: date = Field(index=True)  # the school's local date of the evening
    expected: int
    present: int
    # [{"pupil_id", "name", "reason", "note"}]: the names as they were that night.
    absences: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    missing: int = 0  # absent with reason `missing` (不明去向)
    # Pupils ticked present while the server holds an open leave for them: kept, listed.
    present_on_leave: list[int] = Field(default_factory=list, sa_column=Column(JSON))


# A leave request (请假): a pupil goes out with someone's approval and comes back (销假).
class PupilLeave(FieldRecord, table=True):
    __tablename__ = "pupil_leave"
    pupil_id: int = Field(foreign_key="boarding_pupil.id", index=True)
    reason: str = Field(default="", max_length=500)
    approved_by_name: str = Field(max_length=200)  # 批准人 (the class teacher, usually)
    expected_back_at: datetime = utc_field()
    back_at: datetime | None = utc_field(default=None)  # corrected time of 销假
    back_recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    late: bool = False  # came back after expected_back_at

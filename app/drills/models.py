"""Safety education and drills (安全教育与应急演练): the safety and law lessons (安全、法制专题
教育) and the emergency drills (应急预案演练) a school holds, recorded by its staff on a phone,
offline; how often each is due is a town setting the admin keeps."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput
from app.records.models import FieldRecord


class ActivityKind(StrEnum):
    lesson = "lesson"  # 安全、法制专题教育
    drill = "drill"  # 应急预案演练


# The defaults a town starts with until its admin sets its own.
DEFAULT_DRILL_EVERY_DAYS = 90
DEFAULT_LESSON_EVERY_DAYS = 30


# How often a town's schools are due to hold each kind (one row per town, the admin's).
class DrillSetting(SQLModel, table=True):
    __tablename__ = "drill_setting"
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", unique=True)
    drill_every_days: int = DEFAULT_DRILL_EVERY_DAYS
    lesson_every_days: int = DEFAULT_LESSON_EVERY_DAYS
    updated_at: datetime = utc_field(default_factory=utcnow)


class DrillSettingUpdate(CleanInput):
    """PUT: both intervals, in days (7 to 366)."""

    drill_every_days: int = Field(ge=7, le=366)
    lesson_every_days: int = Field(ge=7, le=366)


class DrillSettingPublic(SQLModel):
    town_id: int
    drill_every_days: int
    lesson_every_days: int


# One lesson or drill held at a school: the day, the topic, who took part, photos.
class SafetyActivity(FieldRecord, table=True):
    __tablename__ = "safety_activity"
    kind: str = Field(max_length=16, index=True)  # ActivityKind
    held_on: date = Field(index=True)  # the school's local date it was held
    topic: str = Field(max_length=200)  # 主题: 消防疏散演练, 防溺水安全教育, 法制讲座 ...
    participants: int  # how many took part
    participants_note: str = Field(default="", max_length=500)  # 全校师生, 初一年级 ...
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

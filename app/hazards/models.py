"""Hazard findings (安全隐患) and their lifecycle of events (交办 → 整改 → 验收销号)."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from app.records.models import FieldRecord


class HazardCategory(StrEnum):
    fire = "fire"  # 消防
    food_hygiene = "food_hygiene"  # 食品卫生
    collapse = "collapse"  # 坍塌
    poisoning = "poisoning"  # 中毒
    accident = "accident"  # 意外事故
    traffic = "traffic"  # 交通
    surroundings = "surroundings"  # 周边300米
    security_equipment = "security_equipment"  # 视频监控、入侵报警
    other = "other"


class PlaceType(StrEnum):
    internet_cafe = "internet_cafe"  # 网吧
    restaurant = "restaurant"  # 饭店
    hotel = "hotel"  # 旅馆
    illegal_stall = "illegal_stall"  # 非法摊点
    illegal_publication = "illegal_publication"  # 非法出版物
    canteen = "canteen"  # 食堂
    tuck_shop = "tuck_shop"  # 小卖部
    classroom = "classroom"  # 教室
    dormitory = "dormitory"  # 宿舍
    gate = "gate"  # 校门口
    other = "other"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class HazardStatus(StrEnum):
    reported = "reported"  # 已上报
    assigned = "assigned"  # 已交办
    rectified = "rectified"  # 已整改, awaiting verification
    closed = "closed"  # 已验收销号
    reopened = "reopened"  # 重新打开


class HazardAction(StrEnum):
    assign = "assign"
    rectify = "rectify"
    close = "close"
    reopen = "reopen"


# A hazard found on patrol; event_time is when it was found.
class Hazard(FieldRecord, table=True):
    category: str = Field(max_length=32, index=True)
    place_type: str | None = Field(default=None, max_length=32)
    severity: str = Field(default=Severity.medium, max_length=16)
    description: str = Field(max_length=4000)
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    within_300m: bool = False  # 学校周边300米内
    distance_m: float | None = None
    status: str = Field(default=HazardStatus.reported, max_length=16, index=True)
    department: str | None = Field(default=None, max_length=32, index=True)
    due_date: date | None = None
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# One step in a hazard's lifecycle.
class HazardEvent(FieldRecord, table=True):
    __tablename__ = "hazard_event"
    hazard_id: str = Field(foreign_key="hazard.id", index=True, max_length=36)
    action: str = Field(max_length=16)
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    department: str | None = Field(default=None, max_length=32)
    due_date: date | None = None
    comment: str = Field(default="", max_length=2000)
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

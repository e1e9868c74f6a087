"""Village dispute screening (矛盾纠纷排查表): each village's monthly form, handed in by its
cadre (村干部) on the phone, offline, to the four-in-one office (四位一体办), which tracks each
dispute found to resolution (化解). The villages themselves are the town model's
(app.towns.models.Village); this package adds their office routes and CSV import."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput, PatchBody, RecordId
from app.records.models import FieldRecord


class DisputeCategory(StrEnum):
    land = "land"  # 土地纠纷 (土地、山林、宅基地)
    neighbours = "neighbours"  # 邻里纠纷
    family = "family"  # 婚姻家庭纠纷
    labour = "labour"  # 劳资纠纷
    other = "other"  # 其他


class DisputeStatus(StrEnum):
    """The four-in-one office's tracking of one dispute (化解)."""

    open = "open"  # 待化解
    resolving = "resolving"  # 化解中
    resolved = "resolved"  # 已化解


# One village's dispute screening form of one month (`YYYY-MM`): one row per village and
# month. A corrected form replaces the contents (the later by corrected time wins); the row
# keeps the corrected time of the first hand-in, which is what on time is judged by.
class VillageForm(FieldRecord, table=True):
    __tablename__ = "village_form"
    __table_args__ = (UniqueConstraint("village_id", "month"),)
    # A village is no site: its forms carry none (and so never enter the phones' pull feed).
    site_id: int | None = Field(default=None, foreign_key="site.id")  # type: ignore[assignment]
    town_id: int = Field(foreign_key="town.id", index=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    month: str = Field(max_length=7, index=True)  # YYYY-MM
    petitions: int = 0  # 信访 (件)
    unstable_factors: int = 0  # 不稳定因素 (个)
    # [{"key", "summary", "parties", "category", "settled_in_village"}]
    disputes: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    note: str = Field(default="", max_length=1000)
    first_handed_in_at: datetime = utc_field()  # corrected time of the first hand-in
    on_time: bool = True  # the first hand-in was by the end of the 17th (town local date)
    revisions: int = 1  # hand-ins of this village and month (a correction adds one)


# The four-in-one office's tracking of one dispute of a form (by the key the phone gave it,
# which a corrected form keeps): made at the office's first step. A dispute without one is
# open, or resolved when the village settled it already.
class DisputeCase(SQLModel, table=True):
    __tablename__ = "dispute_case"
    __table_args__ = (UniqueConstraint("village_id", "month", "dispute_key"),)
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    month: str = Field(max_length=7)
    dispute_key: str = Field(max_length=36)
    status: str = Field(default=DisputeStatus.open, max_length=16)
    note: str = Field(default="", max_length=1000)  # the last step's note
    updated_by: int = Field(foreign_key="app_user.id")
    updated_at: datetime = utc_field(default_factory=utcnow)
    resolved_at: datetime | None = utc_field(default=None)


class VillageCreate(CleanInput):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(default="", max_length=200)
    town_id: int | None = None  # a county admin names the town; default the caller's


class VillageUpdate(PatchBody):
    code: str = Field(default=None, min_length=1, max_length=32)
    name: str = Field(default=None, min_length=1, max_length=200)
    district: str = Field(default=None, max_length=200)
    active: bool = Field(default=None)


class VillagePublic(SQLModel):
    id: int
    town_id: int
    code: str
    name: str
    district: str
    active: bool


class VillageImportResult(SQLModel):
    imported: int
    villages: list[VillagePublic]


class DisputeStep(CleanInput):
    """POST /api/villages/disputes/step: the office moves one dispute."""

    form_id: RecordId
    dispute_key: str = Field(min_length=1, max_length=36)
    to: DisputeStatus
    note: str = Field(default="", max_length=1000)


class DisputeCasePublic(SQLModel):
    village_id: int
    month: str
    dispute_key: str
    status: str
    note: str
    updated_by: int
    updated_at: datetime
    resolved_at: datetime | None

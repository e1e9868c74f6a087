"""Public notices (通报) and one-vote-veto cases (一票否决).

A notice is drafted by a town's supervisor for a period and an area; its lines are the
figures the reports already give (app.notices.areas), reviewed (a line may be dropped with a
reason, a remark added), then issued under a number per town and year (青山镇〔2026〕3号). An
issued notice never changes again: it can only be withdrawn, with a reason, and stays kept.

A veto case is a supervisor's record that a subject (a group, a school, a village, a
department) incurs the year-end assessment's one-vote veto, with a reason and evidence (an
issued notice or a record); it can be withdrawn with a reason and is then listed, not counted."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput, PlausibleDate, Text


class NoticeStatus(StrEnum):
    draft = "draft"  # 草稿: the supervisor is reviewing it; only supervisors see it
    issued = "issued"  # 已印发: numbered, immutable
    withdrawn = "withdrawn"  # 已撤销: kept, with the reason


class SubjectKind(StrEnum):
    group = "group"  # 巡逻组
    school = "school"  # 学校、幼儿园、重点场所 (a site)
    village = "village"  # 村庄
    department = "department"  # 部门


class Notice(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("town_id", "year", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    area: str = Field(max_length=40)  # a code of app.notices.areas.AREAS
    date_from: date
    date_to: date
    title: str = Field(max_length=200)
    remark: str = Field(default="", max_length=2000)  # the supervisor's words (按语)
    status: str = Field(default=NoticeStatus.draft.value, max_length=16)
    year: int | None = None  # set at issue: the local year of issue
    seq: int | None = None  # set at issue: 1, 2, ... per town and year, never reused
    number: str | None = Field(default=None, max_length=80)  # 青山镇〔2026〕3号
    drafted_by: int = Field(foreign_key="app_user.id")
    drafted_at: datetime = utc_field(default_factory=utcnow)
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    issued_at: datetime | None = utc_field(default=None, nullable=True)
    withdrawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_at: datetime | None = utc_field(default=None, nullable=True)
    withdraw_reason: str = Field(default="", max_length=1000)


class NoticeLine(SQLModel, table=True):
    __tablename__ = "notice_line"
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    position: int
    subject_kind: str = Field(max_length=16)  # SubjectKind
    subject_id: str = Field(max_length=64)  # the group's or site's id, or the Department
    subject_name: str = Field(max_length=200)
    issue: str = Field(max_length=40)  # a stable code of the area, e.g. roster_late
    ref: str = Field(max_length=120)  # what the figure is about, e.g. gate:12:2026-11-10
    detail_zh: str = Field(max_length=1000)
    detail_en: str = Field(max_length=1000)
    dropped: bool = False  # left out of the issued notice by the supervisor
    drop_reason: str = Field(default="", max_length=1000)


class VetoCase(SQLModel, table=True):
    __tablename__ = "veto_case"
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    subject_kind: str = Field(max_length=16)
    subject_id: str = Field(max_length=64)
    subject_name: str = Field(max_length=200)
    occurred_on: date  # the local date it stands for: it counts in periods holding it
    reason: str = Field(max_length=2000)
    evidence_kind: str = Field(max_length=16)  # notice, or a record type (hazard, ...)
    evidence_ref: str = Field(max_length=64)  # the notice's id or the record's id
    evidence_label: str = Field(max_length=300)  # 青山镇〔2026〕3号, 隐患：……
    recorded_by: int = Field(foreign_key="app_user.id")
    recorded_at: datetime = utc_field(default_factory=utcnow)
    withdrawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_at: datetime | None = utc_field(default=None, nullable=True)
    withdraw_reason: str = Field(default="", max_length=1000)


# --- request and answer schemas ---------------------------------------------------------------


class NoticeCreate(CleanInput):
    area: str = Field(min_length=1, max_length=40)
    date_from: PlausibleDate
    date_to: PlausibleDate
    town_id: int | None = None  # a county supervisor names the town; default: her own
    title: Text | None = Field(default=None, max_length=200)


class NoticeUpdate(CleanInput):
    title: Text | None = Field(default=None, min_length=1, max_length=200)
    remark: Text | None = Field(default=None, max_length=2000)


def _said(value: str) -> str:
    """A reason is words, not blanks."""
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Said = Annotated[Text, AfterValidator(_said)]


class Reason(CleanInput):
    reason: Said = Field(max_length=1000)


class NoticeLinePublic(SQLModel):
    id: int
    position: int
    subject_kind: str
    subject_id: str
    subject_name: str
    issue: str
    ref: str
    detail_zh: str
    detail_en: str
    dropped: bool
    drop_reason: str


class NoticePublic(SQLModel):
    id: int
    town_id: int
    town_name: str
    area: str
    area_zh: str
    area_en: str
    date_from: date
    date_to: date
    title: str
    remark: str
    status: str
    number: str | None
    drafted_by: int
    drafted_by_name: str
    drafted_at: datetime
    issued_by_name: str | None
    issued_at: datetime | None
    withdrawn_by_name: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str
    lines: list[NoticeLinePublic]  # a reader outside the office sees the kept lines only


class NoticeSummary(SQLModel):
    id: int
    town_id: int
    area: str
    area_zh: str
    area_en: str
    date_from: date
    date_to: date
    title: str
    status: str
    number: str | None
    issued_at: datetime | None
    withdrawn_at: datetime | None
    lines: int  # kept lines


class AreaPublic(SQLModel):
    code: str
    label_zh: str
    label_en: str


class VetoCaseCreate(CleanInput):
    subject_kind: SubjectKind
    subject_id: str = Field(min_length=1, max_length=64)
    occurred_on: PlausibleDate
    reason: Said = Field(max_length=2000)
    evidence_kind: str = Field(min_length=1, max_length=16)
    evidence_ref: str = Field(min_length=1, max_length=64)


class VetoCasePublic(SQLModel):
    id: int
    town_id: int
    subject_kind: str
    subject_id: str
    subject_name: str
    occurred_on: date
    reason: str
    evidence_kind: str
    evidence_ref: str
    evidence_label: str
    recorded_by_name: str
    recorded_at: datetime
    withdrawn: bool
    withdrawn_by_name: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str

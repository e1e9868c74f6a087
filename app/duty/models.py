"""Leadership duty (领导值班和带班): a school's duty plan names the duty cadre of each day
(planned online by the school's staff or the town's admin, audited), and the cadre's on-duty
record of that day (check-in, with an optional note of the round, 带班巡查), offline on a
phone."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput, PlausibleDate
from app.records.models import FieldRecord


# One day of a school's duty plan: who is the duty cadre (值班领导) that day, and the
# substitute (代班) the school's staff named, if any.
class DutyPlanDay(SQLModel, table=True):
    __tablename__ = "duty_plan_day"
    __table_args__ = (UniqueConstraint("site_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    day: date = Field(index=True)  # the school's local date
    cadre_id: int = Field(foreign_key="app_user.id", index=True)
    substitute_id: int | None = Field(default=None, foreign_key="app_user.id")
    planned_by: int = Field(foreign_key="app_user.id")
    updated_at: datetime = utc_field(default_factory=utcnow)


class DutyPlanSet(CleanInput):
    """PUT /api/duty/plan: the cadre (and substitute) of one school on one day."""

    site_id: int
    day: PlausibleDate
    cadre_id: int
    substitute_id: int | None = None


class DutyPlanPublic(SQLModel):
    id: int
    site_id: int
    day: date
    cadre_id: int
    cadre_name: str
    substitute_id: int | None
    substitute_name: str | None


# The duty cadre's record of the day: on duty (check-in), with the round's note (带班巡查).
class DutyRecord(FieldRecord, table=True):
    __tablename__ = "duty_record"
    __table_args__ = (UniqueConstraint("site_id", "day"),)
    day: date = Field(index=True)  # the school's local date of the duty
    plan_id: int = Field(foreign_key="duty_plan_day.id", index=True)
    as_substitute: bool = False  # recorded by the named substitute, not the planned cadre
    round_note: str = Field(default="", max_length=1000)  # 带班巡查: what the round found
    # outside_day: the corrected time of the check-in lies outside its day (kept, counted).
    day_flag: str | None = Field(default=None, max_length=32)

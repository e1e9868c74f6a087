"""Police and traffic police at the school gate (护学岗): which sites get a post from which
department (office data, set up by the town's admin) and the presence checks recorded at the
gate for the arrival and dismissal windows (上学、放学), offline on a phone."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput
from app.records.models import FieldRecord
from app.towns.models import Department

# The departments that post officers at the gates (the plan: 派出所、交警中队).
POSTING_DEPARTMENTS = frozenset({Department.police_station, Department.traffic_police})


# A police post (护学岗): department X posts officers at the gate of site Y every school day.
class PolicePost(SQLModel, table=True):
    __tablename__ = "police_post"
    __table_args__ = (UniqueConstraint("site_id", "department"),)
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    department: str = Field(max_length=32)  # a Department value in POSTING_DEPARTMENTS
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


class PolicePostCreate(CleanInput):
    site_id: int
    department: Department = Field(sa_type=String(32))


class PolicePostUpdate(CleanInput):
    active: bool


class PolicePostPublic(SQLModel):
    id: int
    town_id: int
    site_id: int
    site_name: str
    department: str
    active: bool


# One check of police presence at a post for one gate window on one local date: recorded by
# an officer of the post's department or by the school's gate staff.
class PolicePresence(FieldRecord, table=True):
    __tablename__ = "police_presence"
    post_id: int = Field(foreign_key="police_post.id", index=True)
    department: str = Field(max_length=32)
    window_id: int = Field(foreign_key="gate_window.id", index=True)
    local_date: date = Field(index=True)
    officers: int  # how many officers were at the gate (0: the post was empty)
    # Names or badge numbers (警号) as typed.
    officer_names: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    note: str = Field(default="", max_length=500)
    # outside_window: checked outside the window and its grace (kept, not counted).
    window_flag: str | None = Field(default=None, max_length=32)

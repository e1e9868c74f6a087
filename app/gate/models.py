"""School-gate duty (校门口值班) check-ins and the visitor register (准入登记)."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from app.db import utc_field
from app.records.models import FieldRecord


class GateDirection(StrEnum):
    check_in = "in"
    check_out = "out"


# One gate staff member checking in or out of a window on a local date.
class GateCheck(FieldRecord, table=True):
    __tablename__ = "gate_check"
    window_id: int = Field(foreign_key="gate_window.id", index=True)
    local_date: date = Field(index=True)  # the site's local date of the window
    direction: str = Field(max_length=8)
    # outside_window: pressed outside the window and its grace (app.gate.rules.window_flag);
    # kept, not counted as duty.
    window_flag: str | None = Field(default=None, max_length=32)


# A visitor let in during class hours (封闭管理), with host approval and pass slip (出门条).
class VisitorEntry(FieldRecord, table=True):
    __tablename__ = "visitor_entry"
    name: str = Field(max_length=100)
    visiting: str = Field(max_length=200)  # whom they visit
    purpose: str = Field(default="", max_length=500)
    host_approved: bool = False
    vehicle_plate: str | None = Field(default=None, max_length=20)
    goods: str | None = Field(default=None, max_length=500)
    pass_slip_no: str | None = Field(default=None, max_length=64)
    time_out: datetime | None = utc_field(default=None)  # corrected time they left

"""School-gate duty (校门口值班) check-ins and the visitor register (准入登记)."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from app.db import utc_field
from app.records.models import FieldRecord


class VisitorApproval(StrEnum):
    """The host's answer (被访人同意): a visitor is let in only once it is approved."""

    asked = "asked"  # 已请示: waiting at the gate for the host's answer
    approved = "approved"  # 被访人已同意: let in
    refused = "refused"  # 被访人不同意: not let in


class VisitorState(StrEnum):
    """Where a visitor stands (app.gate.rules.visitor_state)."""

    waiting = "waiting"  # 等待被访人答复: asked, still at the gate
    inside = "inside"  # 在校内: approved, not signed out
    refused = "refused"  # 未准入: the host refused
    left = "left"  # 已离校 (or went away from the gate)


class ApprovalVia(StrEnum):
    phone = "phone"  # 电话: the gate rang the host (the usual way)
    in_person = "in_person"  # 当面: the host came to the gate


class SlipCheck(StrEnum):
    """A vehicle's or goods' exit checked against the pass slip (出门条)."""

    matched = "matched"  # 与出门条相符
    mismatch = "mismatch"  # 与出门条不符 (kept, flagged)


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


# A visitor at the gate during class hours (封闭管理): registered, let in only once the host
# agreed (app.gate.rules), vehicles and goods checked against the pass slip (出门条) on exit.
class VisitorEntry(FieldRecord, table=True):
    __tablename__ = "visitor_entry"
    name: str = Field(max_length=100)
    visiting: str = Field(max_length=200)  # whom they visit
    purpose: str = Field(default="", max_length=500)
    host_approved: bool = False  # approval == approved (kept for older readers)
    approval: str = Field(
        default=VisitorApproval.asked,
        max_length=16,
        index=True,
        sa_column_kwargs={"server_default": VisitorApproval.asked.value},
    )
    approved_by_name: str | None = Field(default=None, max_length=200)  # who answered
    approval_via: str | None = Field(default=None, max_length=16)  # ApprovalVia
    approval_at: datetime | None = utc_field(default=None)  # corrected time of the answer
    approval_recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    # Recorded as inside without the host's approval: an older app's unticked box, or a
    # register row from before the rule. Kept, listed in the register (app.reports.visitors).
    unapproved_entry: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    vehicle_plate: str | None = Field(default=None, max_length=20)
    goods: str | None = Field(default=None, max_length=500)
    pass_slip_no: str | None = Field(default=None, max_length=64)
    time_out: datetime | None = utc_field(default=None)  # corrected time they left
    exit_slip_check: str | None = Field(default=None, max_length=16)  # SlipCheck
    # slip_not_checked, slip_mismatch (app.gate.rules.exit_flag); None: nothing to check.
    exit_flag: str | None = Field(default=None, max_length=32)
    exit_note: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})

"""Patrol shifts (24小时巡逻), who was present, checkpoint scans and the leader's review."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import utc_field
from app.records.models import FieldRecord


class ShiftStatus(StrEnum):
    open = "open"  # on patrol now
    ended = "ended"  # awaiting the leader's confirmation
    confirmed = "confirmed"  # locked: later member edits are conflicts
    returned = "returned"  # sent back with a comment; the member corrects it


# A patrol shift as recorded on the phone; event_time is when it started.
class PatrolShift(FieldRecord, table=True):
    __tablename__ = "patrol_shift"
    group_id: int | None = Field(default=None, foreign_key="patrol_group.id", index=True)
    status: str = Field(default=ShiftStatus.open, max_length=16, index=True)
    ended_at: datetime | None = utc_field(default=None)  # corrected time
    ended_device_time: datetime | None = utc_field(default=None)
    # Who sent the end: the recorder or a person on the shift, or the group's leader ending
    # a shift its people forgot (shown as such). None while open.
    ended_by: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=2000)
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = utc_field(default=None)  # server time of the first review
    review_comment: str | None = Field(default=None, max_length=2000)


# A person listed as present on a shift. Only an active member or the leader of the shift's
# group counts (app.shifts.rules.counts_on_shift); anyone else listed is kept, not counted.
class ShiftMember(SQLModel, table=True):
    __tablename__ = "shift_member"
    shift_id: str = Field(foreign_key="patrol_shift.id", primary_key=True, max_length=36)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)
    counted: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


# A checkpoint scanned during a shift.
class CheckpointScan(FieldRecord, table=True):
    __tablename__ = "checkpoint_scan"
    shift_id: str = Field(foreign_key="patrol_shift.id", index=True, max_length=36)
    checkpoint_id: int = Field(foreign_key="checkpoint.id", index=True)
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    method: str | None = Field(default=None, max_length=16)  # qr, typed; None: not said
    # typed, no_gps, far, unknown_method (app.shifts.rules.scan_proof); None: proven.
    proof_flag: str | None = Field(default=None, max_length=64)


class ScanMethod(StrEnum):
    qr = "qr"  # read from the printed QR code (camera or photo of it)
    typed = "typed"  # the code typed by hand


class ReviewDecision(StrEnum):
    confirm = "confirm"
    return_ = "return"


# A leader's confirmation or return of a shift; the first review of a shift wins.
class ShiftReview(FieldRecord, table=True):
    __tablename__ = "shift_review"
    shift_id: str = Field(foreign_key="patrol_shift.id", index=True, max_length=36)
    decision: str = Field(max_length=16)
    comment: str = Field(default="", max_length=2000)

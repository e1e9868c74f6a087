"""The base of the field records (shifts, scans, reviews, gate checks, visitors, hazards and
their events): the tables extend it, so every one carries the same clock columns."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from app.db import utc_field


# Fields every record that phones create offline carries (see docs/sync.md, "Clocks").
class FieldRecord(SQLModel):
    id: str = Field(primary_key=True, max_length=36)  # client UUID = the creating mutation's id
    site_id: int = Field(foreign_key="site.id", index=True)
    recorded_by: int = Field(foreign_key="app_user.id", index=True)
    device_id: str = Field(max_length=64, index=True)
    device_time: datetime = utc_field()  # what the phone's clock said, as UTC
    device_tz_offset_min: int = 0  # the phone's zone offset when it recorded (+480 = UTC+8)
    received_at: datetime = utc_field()  # when the server received the push
    event_time: datetime = utc_field(index=True)  # device_time corrected by the push offset
    clock_offset_s: float = 0.0  # server receive time minus the phone's send time
    clock_flag: str | None = Field(default=None, max_length=64)  # skew, clock_changed, future
    author_disabled: bool = False  # the author's account was disabled when it arrived
    version: int = Field(default=0, sa_type=BigInteger)  # change-feed version of last change


class Entity(StrEnum):
    """The kinds of field record, by the name the pull feed (`entity` of a change), the photo
    links and a conflict's `current` give them. Each field domain registers its own."""

    shift = "shift"  # app.shifts: a patrol shift with who was present
    scan = "scan"  # a checkpoint scanned during a shift
    review = "review"  # a leader's confirmation or return of a shift
    gate_check = "gate_check"  # app.gate: a check-in or -out at a gate window
    visitor = "visitor"  # an entry in the visitor register
    hazard = "hazard"  # app.hazards: a hazard finding
    hazard_event = "hazard_event"  # one step of its lifecycle
    roll_call = "roll_call"  # app.boarding: a dormitory's bed-time roll call of one night
    pupil_leave = "pupil_leave"  # a boarding pupil's leave (请假) and return (销假)
    village_form = "village_form"  # app.villages: a village's monthly dispute screening form
    # app.drills, app.defences: lessons and drills; technical defences
    safety_activity = "safety_activity"  # a safety lesson (安全教育) or drill (应急演练) held
    defence_check = "defence_check"  # a camera's or alarm's periodic check
    defence_fault = "defence_fault"  # a fault a check found, tracked to 验收
    police_presence = "police_presence"  # app.police: officers at a gate window (护学岗)
    duty_record = "duty_record"  # app.duty: the duty cadre's record of a day (领导值班)

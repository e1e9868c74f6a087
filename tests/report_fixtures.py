"""Records inserted straight into the tables (as sync would have stored them) for report tests."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.auth.models import User
from app.gate.models import GateCheck
from app.hazards.models import Hazard
from app.shifts.models import PatrolShift, ShiftMember
from app.sites.models import GateWindow, Site

SHANGHAI = ZoneInfo("Asia/Shanghai")
_version = [0]


def local(d: date, hour: int = 0, minute: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    """A local wall-clock time; hour 24 means midnight at the end of the day."""
    return datetime.combine(d, time(0), tzinfo=tz) + timedelta(hours=hour, minutes=minute)


def _record(site: Site, user: User, at: datetime, received_at: datetime | None) -> dict:
    _version[0] += 1
    return {
        "id": str(uuid.uuid4()),
        "site_id": site.id,
        "recorded_by": user.id,
        "device_id": f"phone-{user.id}",
        "device_time": at,
        "device_tz_offset_min": 480,
        "received_at": received_at or at + timedelta(minutes=1),
        "event_time": at,
        "version": _version[0],
    }


def add_shift(
    session: Session,
    site: Site,
    start: datetime,
    end: datetime | None,
    members: list[User],
    *,
    status: str = "ended",
    received_at: datetime | None = None,
    group_id: int | None = None,
) -> PatrolShift:
    shift = PatrolShift(
        **_record(site, members[0], start, received_at or (end or start) + timedelta(minutes=1)),
        group_id=group_id,
        status=status,
        ended_at=end,
        ended_device_time=end,
    )
    session.add(shift)
    session.flush()
    for user in members:
        session.add(ShiftMember(shift_id=shift.id, user_id=user.id))
    session.flush()
    return shift


def add_gate_check(
    session: Session,
    site: Site,
    window: GateWindow,
    user: User,
    local_date: date,
    *,
    direction: str = "in",
    minute: int = 0,
) -> GateCheck:
    at = local(local_date, window.starts.hour, window.starts.minute + minute)
    check = GateCheck(
        **_record(site, user, at, None),
        window_id=window.id,
        local_date=local_date,
        direction=direction,
    )
    session.add(check)
    session.flush()
    return check


def add_hazard(session: Session, site: Site, user: User, at: datetime, **fields) -> Hazard:
    hazard = Hazard(**_record(site, user, at, None), **{"description": "隐患", **fields})
    session.add(hazard)
    session.flush()
    return hazard


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)

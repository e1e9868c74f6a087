"""The log of every synced record, whatever its type, newest first by corrected time."""

import base64
import binascii
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, and_, cast, literal, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app.boarding.models import PupilLeave, RollCall
from app.defences.models import DefenceCheck, DefenceFault
from app.drills.models import SafetyActivity
from app.duty.models import DutyRecord
from app.errors import Invalid
from app.gate.models import GateCheck, VisitorEntry
from app.hazards.models import Hazard, HazardEvent
from app.police.models import PolicePresence
from app.reports import lookup
from app.reports.models import LogPage, LogRow
from app.reports.periods import check_range, day_start
from app.shifts.models import CheckpointScan, PatrolShift, ShiftReview
from app.sites.models import Site

# type -> (table, the column shown as its one-line detail); every Entity has one
# (tests/test_reports_logs.py)
LOG_SOURCES = {
    "shift": (PatrolShift, PatrolShift.status),
    "scan": (CheckpointScan, CheckpointScan.checkpoint_id),  # shown as the checkpoint's name
    "review": (ShiftReview, ShiftReview.decision),
    "gate_check": (GateCheck, GateCheck.direction),
    "visitor": (VisitorEntry, VisitorEntry.name),
    "hazard": (Hazard, Hazard.category),
    "hazard_event": (HazardEvent, HazardEvent.action),
    "roll_call": (RollCall, RollCall.night),
    "pupil_leave": (PupilLeave, PupilLeave.approved_by_name),
    "safety_activity": (SafetyActivity, SafetyActivity.topic),
    "defence_check": (DefenceCheck, DefenceCheck.result),
    "defence_fault": (DefenceFault, DefenceFault.status),
    "police_presence": (PolicePresence, PolicePresence.department),
    "duty_record": (DutyRecord, DutyRecord.day),
}


def _encode_cursor(event_time: datetime, record_id: str) -> str:
    raw = f"{event_time.astimezone(UTC).isoformat()}|{record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, record_id = raw.split("|", 1)
        return datetime.fromisoformat(when), record_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid(
            "The cursor is not valid; start again without it.",
            message_zh="翻页位置无效，请不带它重新查询。",
        ) from exc


def logs(
    session: Session,
    *,
    sites: list[Site],
    all_sites: bool,
    types: Sequence[str] = (),
    person: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    flagged_only: bool = False,
    limit: int = 100,
    cursor: str | None = None,
) -> LogPage:
    """Every synced record, newest first by corrected time, one keyset page at a time."""
    unknown = set(types) - set(LOG_SOURCES)
    if unknown:
        raise Invalid(
            f"Unknown record type {sorted(unknown)[0]!r}; use {', '.join(LOG_SOURCES)}.",
            message_zh=f"未知的记录类型 {sorted(unknown)[0]!r}，可用：{', '.join(LOG_SOURCES)}。",
        )
    if date_from and date_to:
        check_range(date_from, date_to)
    after = _decode_cursor(cursor) if cursor else None
    site_ids = None if all_sites else [s.id for s in sites]
    if site_ids == []:
        return LogPage(rows=[], next_cursor=None)
    # Local date range: one UTC window per time zone among the sites.
    windows: list[tuple[list[int] | None, datetime | None, datetime | None]] = []
    if date_from or date_to:
        by_zone: dict[str, list[int]] = defaultdict(list)
        for s in sites:
            by_zone[s.timezone].append(s.id)
        single = len(by_zone) == 1
        for tz, ids in by_zone.items():
            lo = day_start(date_from, tz) if date_from else None
            hi = day_start(date_to + timedelta(days=1), tz) if date_to else None
            windows.append((None if single else ids, lo, hi))
    branches = []
    for name in types or LOG_SOURCES:
        table, detail = LOG_SOURCES[name]
        conds = []
        if site_ids is not None:
            conds.append(table.site_id.in_(site_ids))
        if person is not None:
            conds.append(table.recorded_by == person)
        if flagged_only:
            conds.append(table.clock_flag.is_not(None))
        if windows:
            ors = []
            for zone_ids, lo, hi in windows:
                parts = [] if zone_ids is None else [table.site_id.in_(zone_ids)]
                if lo is not None:
                    parts.append(table.event_time >= lo)
                if hi is not None:
                    parts.append(table.event_time < hi)
                ors.append(and_(*parts))
            conds.append(or_(*ors))
        if after is not None:
            t, rid = after
            conds.append(or_(table.event_time < t, and_(table.event_time == t, table.id < rid)))
        branch = (
            sa_select(
                literal(name).label("type"),
                table.id.label("id"),
                table.site_id.label("site_id"),
                table.recorded_by.label("recorded_by"),
                table.device_id.label("device_id"),
                table.device_time.label("device_time"),
                table.event_time.label("event_time"),
                table.received_at.label("received_at"),
                table.clock_flag.label("clock_flag"),
                table.author_disabled.label("author_disabled"),
                cast(detail, String).label("detail"),
            )
            .where(*conds)
            .order_by(table.event_time.desc(), table.id.desc())
            .limit(limit + 1)
            .subquery()
        )
        branches.append(sa_select(branch))
    union = union_all(*branches).subquery()
    stmt = sa_select(union).order_by(union.c.event_time.desc(), union.c.id.desc()).limit(limit + 1)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    names = lookup.user_names(session, {r.recorded_by for r in rows})
    site_names = lookup.site_names(session, {r.site_id for r in rows})
    checkpoints = lookup.checkpoint_names(
        session, {int(r.detail) for r in rows if r.type == "scan" and r.detail}
    )
    out = []
    for r in rows:
        # Values from a UNION lose the column's type on some drivers: restore aware UTC.
        times = {k: _as_utc(getattr(r, k)) for k in ("device_time", "event_time", "received_at")}
        out.append(
            LogRow(
                type=r.type,
                id=r.id,
                site_id=r.site_id,
                site_name=site_names.get(r.site_id, ""),
                recorded_by=r.recorded_by,
                recorded_by_name=names.get(r.recorded_by, ""),
                device_id=r.device_id,
                clock_flag=r.clock_flag,
                author_disabled=bool(r.author_disabled),
                detail=(
                    checkpoints.get(int(r.detail), r.detail)
                    if r.type == "scan" and r.detail
                    else r.detail or ""
                ),
                **times,
            )
        )
    next_cursor = _encode_cursor(out[-1].event_time, out[-1].id) if more and out else None
    return LogPage(rows=out, next_cursor=next_cursor)


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value

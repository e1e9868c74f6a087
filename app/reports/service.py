"""Report computations for the supervisor console: logs, coverage, gate, rosters, hazards, devices.

What counts as patrol coverage (see README, "Supervisor console"):
- shifts that are `ended` (awaiting review) or `confirmed` count from event_time to ended_at;
- `open` shifts count from their start up to now;
- `returned` shifts do not count until they are ended again or confirmed;
- any one shift counts for at most 24 hours after its start (a shift left open for days, or
  ended days later, is not 24-hour coverage);
- the staff of a shift is its ShiftMember count (the recorder alone if none were listed);
  overlapping shifts at one site add up.
Days are the site's local days (its `timezone`, Asia/Shanghai by default); storage is UTC.
"""

import base64
import binascii
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from app.auth.models import Device, User
from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.gate.models import GateCheck, VisitorEntry
from app.groups import service as groups
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    Roster,
    RosterShift,
    RosterShiftMember,
)
from app.hazards.models import Hazard, HazardEvent, HazardStatus
from app.reports.models import (
    CoverageDay,
    CoverageReport,
    CoverageSegment,
    CoverageSummary,
    DeviceRow,
    GateReport,
    GateWindowDay,
    GroupRosterCheck,
    HazardBoard,
    HazardRow,
    LogPage,
    LogRow,
    NoticeItem,
    PlaceGroup,
    ReportCoverageDay,
    ReportWatermark,
    RosterReport,
    RosterShiftCheck,
    SiteCoverage,
    SiteCoverageTotal,
)
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember, ShiftReview, ShiftStatus
from app.sites.models import DEFAULT_TIMEZONE, GateWindow, Site

MAX_SHIFT_S = 24 * 3600  # a shift counts for at most this long after its start
COUNTED = (ShiftStatus.open.value, ShiftStatus.ended.value, ShiftStatus.confirmed.value)
MAX_DAYS = 366


# --- scope -----------------------------------------------------------------------------------


def scoped_sites(
    session: Session,
    *,
    user: User,
    site_ids: Sequence[int] | None = None,
    group_id: int | None = None,
    active_only: bool = True,
) -> list[Site]:
    """The sites a report covers: the asked-for ones, refused (403) outside the caller's reach."""
    visible = groups.visible_site_ids(session, user)
    wanted: set[int] | None = set(site_ids) if site_ids else None
    if wanted is not None and visible is not None and not wanted <= visible:
        raise Forbidden("You can only see the reports of your own groups' sites.")
    if group_id is not None:
        if session.get(PatrolGroup, group_id) is None:
            raise NotFound(f"There is no patrol group {group_id}.")
        if visible is not None and group_id not in groups.group_ids_of(session, user):
            raise Forbidden("You can only see the reports of your own groups.")
        of_group = set(
            session.exec(select(GroupSite.site_id).where(GroupSite.group_id == group_id)).all()
        )
        wanted = of_group if wanted is None else wanted & of_group
    if wanted is None:
        wanted = visible
    stmt = select(Site).order_by(Site.id)
    if wanted is not None:
        if not wanted:
            return []
        stmt = stmt.where(col(Site.id).in_(sorted(wanted)))
    if active_only:
        stmt = stmt.where(Site.active)
    return list(session.exec(stmt).all())


def scoped_group_ids(session: Session, *, user: User, group_id: int | None) -> list[int]:
    """Groups whose rosters the caller may check."""
    if groups.sees_everything(user):
        if group_id is not None:
            return [group_id] if session.get(PatrolGroup, group_id) else []
        return list(session.exec(select(PatrolGroup.id).where(PatrolGroup.active)).all())
    mine = groups.group_ids_of(session, user)
    if group_id is not None:
        if group_id not in mine:
            raise Forbidden("You can only see the rosters of your own groups.")
        return [group_id]
    return sorted(mine)


# --- time helpers ----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_today(tz: str = DEFAULT_TIMEZONE) -> date:
    return utcnow().astimezone(_zone(tz)).date()


def check_range(date_from: date, date_to: date, max_days: int = MAX_DAYS) -> None:
    if date_to < date_from:
        raise Invalid("The end date is before the start date.")
    if (date_to - date_from).days + 1 > max_days:
        raise Invalid(f"A report covers at most {max_days} days.")


def day_start(d: date, tz: str) -> datetime:
    """The UTC instant a local date begins in a zone."""
    return datetime.combine(d, time(0), tzinfo=_zone(tz)).astimezone(UTC)


@lru_cache(maxsize=256)
def _bounds(tz: str, date_from: date, date_to: date) -> tuple[int, ...]:
    """Epoch seconds of each local midnight from date_from to the day after date_to."""
    n = (date_to - date_from).days + 1
    return tuple(
        int(day_start(date_from + timedelta(days=i), tz).timestamp()) for i in range(n + 1)
    )


def _epoch(column, dialect: str):
    """A UTC datetime column as integer epoch seconds, computed by the database."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.extract("epoch", column), Integer)


# --- coverage --------------------------------------------------------------------------------


def _shift_intervals(
    session: Session, *, site_ids: list[int] | None, lo: int, hi: int, now: datetime
) -> dict[int, list[tuple[int, int, int]]]:
    """Counted shifts overlapping [lo, hi) as (start, end, staff) per site, in epoch seconds."""
    dialect = session.get_bind().dialect.name
    staff = (
        sa_select(func.count())
        .where(ShiftMember.shift_id == PatrolShift.id)
        .correlate(PatrolShift)
        .scalar_subquery()
    )
    stmt = sa_select(
        PatrolShift.site_id,
        _epoch(PatrolShift.event_time, dialect),
        _epoch(PatrolShift.ended_at, dialect),
        PatrolShift.status,
        staff,
    ).where(
        col(PatrolShift.status).in_(COUNTED),
        col(PatrolShift.event_time) >= datetime.fromtimestamp(lo - MAX_SHIFT_S, UTC),
        col(PatrolShift.event_time) < datetime.fromtimestamp(hi, UTC),
    )
    if site_ids is not None:
        stmt = stmt.where(col(PatrolShift.site_id).in_(site_ids))
    now_s = int(now.timestamp())
    out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for site_id, start, ended, status, n in session.execute(stmt):
        if status == ShiftStatus.open:
            end = now_s
        elif ended is None:
            continue
        else:
            end = ended
        end = min(end, start + MAX_SHIFT_S)
        if end > lo and start < hi and end > start:
            out[site_id].append((start, end, n or 1))
    return out


@dataclass
class _DayResult:
    covered: int
    under: int
    length: int
    segments: list[tuple[int, int, int]] | None  # (start, end, staff)


def sweep(
    intervals: Iterable[tuple[int, int, int]],
    bounds: Sequence[int],
    required: int,
    with_segments: bool = False,
) -> list[_DayResult]:
    """Staff on duty over time, cut at each local midnight: per day covered and understaffed
    seconds (and the constant-staff segments when asked)."""
    lo, hi = bounds[0], bounds[-1]
    delta: dict[int, int] = {}
    for s, e, n in intervals:
        s = max(s, lo)
        e = min(e, hi)
        if e <= s:
            continue
        delta[s] = delta.get(s, 0) + n
        delta[e] = delta.get(e, 0) - n
    for b in bounds:
        delta.setdefault(b, 0)
    times = sorted(delta)
    ndays = len(bounds) - 1
    covered = [0] * ndays
    under = [0] * ndays
    segs: list[list[tuple[int, int, int]]] = [[] for _ in range(ndays)]
    level = 0
    day = 0
    next_bound = bounds[1]
    for i in range(len(times) - 1):
        t = times[i]
        level += delta[t]
        while t >= next_bound:
            day += 1
            next_bound = bounds[day + 1]
        dur = times[i + 1] - t
        if level > 0:
            covered[day] += dur
            if level < required:
                under[day] += dur
        if with_segments:
            day_segs = segs[day]
            if day_segs and day_segs[-1][2] == level and day_segs[-1][1] == t:
                day_segs[-1] = (day_segs[-1][0], times[i + 1], level)
            else:
                day_segs.append((t, times[i + 1], level))
    return [
        _DayResult(
            covered[d], under[d], bounds[d + 1] - bounds[d], segs[d] if with_segments else None
        )
        for d in range(ndays)
    ]


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 4)


def _state(staff: int, required: int) -> str:
    if staff == 0:
        return "gap"
    return "under" if staff < required else "ok"


def _site_days(
    sites: list[Site],
    intervals: dict[int, list[tuple[int, int, int]]],
    date_from: date,
    date_to: date,
    with_segments: bool,
    later: Callable[..., None] | None = None,
) -> Iterable[tuple[Site, list[_DayResult]]]:
    for site in sites:
        bounds = _bounds(site.timezone, date_from, date_to)
        yield (
            site,
            sweep(intervals.get(site.id, ()), bounds, site.required_patrol_staff, with_segments),
        )


def coverage(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    with_segments: bool,
    now: datetime | None = None,
    later: Callable[..., None] | None = None,
) -> CoverageReport:
    """Per site per local day: covered, understaffed and gap hours, with the timeline if asked."""
    check_range(date_from, date_to, 62 if with_segments else MAX_DAYS)
    now = now or utcnow()
    out = []
    for site, days in _per_site_days(session, sites, date_from, date_to, now, with_segments, later):
        zone = _zone(site.timezone)
        rows = []
        for i, d in enumerate(days):
            segments = None
            if d.segments is not None:
                segments = [
                    CoverageSegment(
                        start=datetime.fromtimestamp(s, zone),
                        end=datetime.fromtimestamp(e, zone),
                        staff=n,
                        state=_state(n, site.required_patrol_staff),
                    )
                    for s, e, n in d.segments
                ]
            rows.append(
                CoverageDay(
                    date=date_from + timedelta(days=i),
                    covered_h=_hours(d.covered),
                    under_h=_hours(d.under),
                    gap_h=_hours(d.length - d.covered),
                    segments=segments,
                )
            )
        out.append(
            SiteCoverage(
                site_id=site.id,
                site_name=site.name,
                timezone=site.timezone,
                required_staff=site.required_patrol_staff,
                days=rows,
            )
        )
    return CoverageReport(date_from=date_from, date_to=date_to, generated_at=now, sites=out)


def _per_site_days(
    session: Session,
    sites: list[Site],
    date_from: date,
    date_to: date,
    now: datetime,
    with_segments: bool,
    later: Callable[..., None] | None = None,
) -> Iterable[tuple[Site, list[_DayResult]]]:
    """Timelines are swept live; day totals come through the pre-aggregated days."""
    if with_segments:
        intervals = _load_intervals(session, sites, date_from, date_to, now)
        yield from _site_days(sites, intervals, date_from, date_to, True)
        return
    totals = day_totals(
        session, sites=sites, date_from=date_from, date_to=date_to, now=now, later=later
    )
    for site in sites:
        yield site, [_DayResult(c, u, n, None) for c, u, n in totals[site.id]]


def _load_intervals(session, sites, date_from, date_to, now):
    if not sites:
        return {}
    zones = {s.timezone for s in sites}
    lo = min(_bounds(z, date_from, date_to)[0] for z in zones)
    hi = max(_bounds(z, date_from, date_to)[-1] for z in zones)
    total = session.exec(select(func.count()).select_from(Site)).one()
    site_ids = None if len(sites) == total else [s.id for s in sites]
    return _shift_intervals(session, site_ids=site_ids, lo=lo, hi=hi, now=now)


def coverage_summary(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    now: datetime | None = None,
    later: Callable[..., None] | None = None,
) -> CoverageSummary:
    """Per site totals over a period (e.g. the county's year)."""
    check_range(date_from, date_to)
    now = now or utcnow()
    out = []
    totals = day_totals(
        session, sites=sites, date_from=date_from, date_to=date_to, now=now, later=later
    )
    for site in sites:
        days = totals[site.id]
        covered = sum(d[0] for d in days)
        under = sum(d[1] for d in days)
        length = sum(d[2] for d in days)
        out.append(
            SiteCoverageTotal(
                site_id=site.id,
                site_name=site.name,
                days=len(days),
                covered_h=_hours(covered),
                under_h=_hours(under),
                gap_h=_hours(length - covered),
                days_with_gap=sum(1 for d in days if d[0] < d[2]),
                days_understaffed=sum(1 for d in days if d[1] > 0),
            )
        )
    return CoverageSummary(date_from=date_from, date_to=date_to, generated_at=now, sites=out)


# --- gate ------------------------------------------------------------------------------------


def gate(session: Session, *, sites: list[Site], date_from: date, date_to: date) -> GateReport:
    """Distinct staff checked in per school, local day and window, against the required number.
    A window is expected on weekdays and on any day the school's gate saw a check."""
    check_range(date_from, date_to)
    if not sites:
        return GateReport(date_from=date_from, date_to=date_to, windows=[], shortfalls=[])
    by_id = {s.id: s for s in sites}
    windows = session.exec(
        select(GateWindow)
        .where(col(GateWindow.site_id).in_(list(by_id)), GateWindow.active)
        .order_by(GateWindow.site_id, GateWindow.starts)
    ).all()
    rows = session.execute(
        sa_select(
            GateCheck.site_id, GateCheck.window_id, GateCheck.local_date, GateCheck.recorded_by
        )
        .where(
            col(GateCheck.site_id).in_(list(by_id)),
            col(GateCheck.local_date) >= date_from,
            col(GateCheck.local_date) <= date_to,
            GateCheck.direction == "in",
        )
        .distinct()
    ).all()
    seen_days: dict[int, set[date]] = defaultdict(set)
    staff: dict[tuple[int, date], set[int]] = defaultdict(set)
    for site_id, window_id, local_date, user_id in rows:
        seen_days[site_id].add(local_date)
        staff[(window_id, local_date)].add(user_id)
    out: list[GateWindowDay] = []
    ndays = (date_to - date_from).days + 1
    for i in range(ndays):
        d = date_from + timedelta(days=i)
        for w in windows:
            if d.weekday() >= 5 and d not in seen_days[w.site_id]:
                continue
            site = by_id[w.site_id]
            ids = sorted(staff.get((w.id, d), ()))
            out.append(
                GateWindowDay(
                    site_id=site.id,
                    site_name=site.name,
                    date=d,
                    window_id=w.id,
                    window_name=w.name,
                    kind=w.kind,
                    required=site.required_gate_staff,
                    checked_in=len(ids),
                    staff_ids=ids,
                    shortfall=len(ids) < site.required_gate_staff,
                )
            )
    return GateReport(
        date_from=date_from,
        date_to=date_to,
        windows=out,
        shortfalls=[w for w in out if w.shortfall],
    )


# --- logs ------------------------------------------------------------------------------------

# type -> (table, the column shown as its one-line detail)
LOG_SOURCES = {
    "shift": (PatrolShift, PatrolShift.status),
    "scan": (CheckpointScan, CheckpointScan.shift_id),
    "review": (ShiftReview, ShiftReview.decision),
    "gate_check": (GateCheck, GateCheck.direction),
    "visitor": (VisitorEntry, VisitorEntry.name),
    "hazard": (Hazard, Hazard.category),
    "hazard_event": (HazardEvent, HazardEvent.action),
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
        raise Invalid("The cursor is not valid; start again without it.") from exc


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
        raise Invalid(f"Unknown record type {sorted(unknown)[0]!r}; use {', '.join(LOG_SOURCES)}.")
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
            for ids, lo, hi in windows:
                parts = [] if ids is None else [table.site_id.in_(ids)]
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
    names = _names(session, {r.recorded_by for r in rows})
    site_names = _site_names(session, {r.site_id for r in rows})
    utc_type = PatrolShift.__table__.c.event_time.type
    out = []
    for r in rows:
        # Values from a UNION lose the column's type on some drivers: restore aware UTC.
        times = {
            k: _as_utc(getattr(r, k), utc_type)
            for k in ("device_time", "event_time", "received_at")
        }
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
                detail=r.detail or "",
                **times,
            )
        )
    next_cursor = _encode_cursor(out[-1].event_time, out[-1].id) if more and out else None
    return LogPage(rows=out, next_cursor=next_cursor)


def _as_utc(value, utc_type) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    return dict(rows)


def _site_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(Site.id, Site.name).where(col(Site.id).in_(ids))).all())


# --- rosters ---------------------------------------------------------------------------------

ROSTER_STATUS_RANK = {"on_time": 0, "pending": 1, "late": 2, "not_submitted": 3, "none": 4}


def rosters(
    session: Session,
    *,
    group_ids: list[int],
    date_from: date,
    date_to: date,
    now: datetime | None = None,
) -> RosterReport:
    """Planned duty against who actually patrolled; late or missing rosters; the 通报 list.
    A planned person is present when a counted shift at that site overlapping the planned
    time lists them; planned duties that have not started yet are not judged."""
    check_range(date_from, date_to)
    now = now or utcnow()
    lo = day_start(date_from, DEFAULT_TIMEZONE)
    hi = day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE)
    group_rows = (
        session.exec(
            select(PatrolGroup).where(col(PatrolGroup.id).in_(group_ids)).order_by(PatrolGroup.id)
        ).all()
        if group_ids
        else []
    )
    leaders = _names(session, {g.leader_id for g in group_rows if g.leader_id})
    roster_rows = (
        session.exec(
            select(Roster).where(
                col(Roster.group_id).in_(group_ids),
                Roster.period_start <= date_to,
                Roster.period_end >= date_from,
            )
        ).all()
        if group_ids
        else []
    )
    roster_group = {r.id: r.group_id for r in roster_rows}
    planned = (
        session.exec(
            select(RosterShift).where(
                col(RosterShift.roster_id).in_(list(roster_group)),
                RosterShift.starts_at < min(hi, now),
                RosterShift.ends_at > lo,
            )
        ).all()
        if roster_group
        else []
    )
    planned_members: dict[int, set[int]] = defaultdict(set)
    if planned:
        for rs_id, user_id in session.exec(
            select(RosterShiftMember.roster_shift_id, RosterShiftMember.user_id).where(
                col(RosterShiftMember.roster_shift_id).in_([p.id for p in planned])
            )
        ):
            planned_members[rs_id].add(user_id)
    actual = _actual_people(session, planned, now)
    all_people = set().union(*planned_members.values()) if planned_members else set()
    names = _names(session, all_people)
    site_names = _site_names(session, {p.site_id for p in planned})

    per_group: dict[int, GroupRosterCheck] = {}
    for g in group_rows:
        per_group[g.id] = GroupRosterCheck(
            group_id=g.id,
            group_name=g.name,
            leader_name=leaders.get(g.leader_id),
            rosters=0,
            roster_status="none",
            planned_person_shifts=0,
            present_person_shifts=0,
            absences=[],
        )
    for r in roster_rows:
        check = per_group[r.group_id]
        check.rosters += 1
        status = _roster_status(r, now)
        if (
            check.rosters == 1
            or ROSTER_STATUS_RANK[status] > ROSTER_STATUS_RANK[check.roster_status]
        ):
            check.roster_status = status
    for p in sorted(planned, key=lambda p: p.starts_at):
        check = per_group[roster_group[p.roster_id]]
        want = planned_members.get(p.id, set())
        present = want & actual.get(p.id, set())
        check.planned_person_shifts += len(want)
        check.present_person_shifts += len(present)
        absent = sorted(want - present)
        if absent:
            check.absences.append(
                RosterShiftCheck(
                    roster_shift_id=p.id,
                    site_id=p.site_id,
                    site_name=site_names.get(p.site_id, ""),
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    planned_ids=sorted(want),
                    present_ids=sorted(present),
                    absent_ids=absent,
                    absent_names=[names.get(u, str(u)) for u in absent],
                )
            )
    notice: list[NoticeItem] = []
    zone = _zone(DEFAULT_TIMEZONE)
    labels = {
        "none": "未报送值班表",
        "not_submitted": "值班表逾期未报送",
        "late": "值班表逾期报送",
    }
    for check in per_group.values():
        base = {
            "group_id": check.group_id,
            "group_name": check.group_name,
            "leader_name": check.leader_name,
        }
        if check.roster_status in labels:
            issue = {"none": "no_roster", "not_submitted": "roster_not_submitted"}.get(
                check.roster_status, "roster_late"
            )
            notice.append(NoticeItem(**base, issue=issue, detail=labels[check.roster_status]))
        for a in check.absences:
            when = a.starts_at.astimezone(zone)
            until = a.ends_at.astimezone(zone)
            notice.append(
                NoticeItem(
                    **base,
                    issue="absent",
                    detail=f"{when:%Y-%m-%d %H:%M}–{until:%H:%M} {a.site_name}："
                    f"{'、'.join(a.absent_names)} 未到岗",
                )
            )
    return RosterReport(
        date_from=date_from, date_to=date_to, groups=list(per_group.values()), notice=notice
    )


def _roster_status(roster: Roster, now: datetime) -> str:
    if roster.submitted_at is None:
        return "not_submitted" if roster.due_at is not None and roster.due_at < now else "pending"
    if roster.due_at is not None and roster.submitted_at > roster.due_at:
        return "late"
    return "on_time"


def _actual_people(
    session: Session, planned: list[RosterShift], now: datetime
) -> dict[int, set[int]]:
    """Per planned duty: the people on counted shifts at its site overlapping its time."""
    if not planned:
        return {}
    lo = min(p.starts_at for p in planned) - timedelta(seconds=MAX_SHIFT_S)
    hi = max(p.ends_at for p in planned)
    rows = session.execute(
        sa_select(
            PatrolShift.site_id,
            PatrolShift.event_time,
            PatrolShift.ended_at,
            PatrolShift.status,
            ShiftMember.user_id,
        )
        .join(ShiftMember, ShiftMember.shift_id == PatrolShift.id)
        .where(
            col(PatrolShift.site_id).in_({p.site_id for p in planned}),
            col(PatrolShift.status).in_(COUNTED),
            PatrolShift.event_time >= lo,
            PatrolShift.event_time < hi,
        )
    ).all()
    by_site: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    cap = timedelta(seconds=MAX_SHIFT_S)
    for site_id, start, ended, status, user_id in rows:
        end = now if status == ShiftStatus.open else ended
        if end is None:
            continue
        by_site[site_id].append((start, min(end, start + cap), user_id))
    out: dict[int, set[int]] = {}
    for p in planned:
        out[p.id] = {
            u for s, e, u in by_site.get(p.site_id, ()) if s < p.ends_at and e > p.starts_at
        }
    return out


# --- hazards ---------------------------------------------------------------------------------


def hazard_board(
    session: Session,
    *,
    sites: list[Site],
    all_sites: bool,
    limit: int = 500,
    today: date | None = None,
) -> HazardBoard:
    """Counts by status and department, the list with overdue first, 300 m findings by place."""
    today = today or local_today()
    conds = [] if all_sites else [col(Hazard.site_id).in_([s.id for s in sites])]
    if not all_sites and not sites:
        return HazardBoard(by_status={}, by_department={}, overdue=0, hazards=[], within_300m=[])
    not_closed = Hazard.status != HazardStatus.closed.value
    by_status = dict(
        session.execute(
            sa_select(Hazard.status, func.count()).where(*conds).group_by(Hazard.status)
        ).all()
    )
    by_department = {
        (d or ""): n
        for d, n in session.execute(
            sa_select(Hazard.department, func.count())
            .where(*conds, not_closed)
            .group_by(Hazard.department)
        ).all()
    }
    is_overdue = and_(not_closed, col(Hazard.due_date).is_not(None), Hazard.due_date < today)
    overdue = session.execute(
        sa_select(func.count()).select_from(Hazard).where(*conds, is_overdue)
    ).scalar_one()
    rows = session.exec(
        select(Hazard)
        .where(*conds)
        .order_by(
            case((is_overdue, 0), (not_closed, 1), else_=2),
            Hazard.due_date,
            col(Hazard.event_time).desc(),
        )
        .limit(limit)
    ).all()
    site_names = _site_names(session, {h.site_id for h in rows})
    fix_photos = _latest_fix_photos(session, [h.id for h in rows])
    hazards = [
        HazardRow(
            id=h.id,
            site_id=h.site_id,
            site_name=site_names.get(h.site_id, ""),
            category=h.category,
            place_type=h.place_type,
            severity=h.severity,
            description=h.description,
            status=h.status,
            department=h.department,
            due_date=h.due_date,
            overdue=h.status != HazardStatus.closed
            and h.due_date is not None
            and h.due_date < today,
            within_300m=h.within_300m,
            distance_m=h.distance_m,
            lat=h.lat,
            lon=h.lon,
            photos=list(h.photos or []),
            fix_photos=fix_photos.get(h.id, []),
            event_time=h.event_time,
        )
        for h in rows
    ]
    near: dict[str, list[str]] = defaultdict(list)
    for place, hazard_id in session.execute(
        sa_select(Hazard.place_type, Hazard.id)
        .where(*conds, Hazard.within_300m, not_closed)
        .order_by(Hazard.place_type, col(Hazard.event_time).desc())
    ):
        near[place or "other"].append(hazard_id)
    return HazardBoard(
        by_status=by_status,
        by_department=by_department,
        overdue=overdue,
        hazards=hazards,
        within_300m=[
            PlaceGroup(place_type=k, count=len(v), hazard_ids=v) for k, v in sorted(near.items())
        ],
    )


def _latest_fix_photos(session: Session, hazard_ids: list[str]) -> dict[str, list[str]]:
    """The photos of each hazard's latest rectification (整改), to check before closing."""
    latest: dict[str, list[str]] = {}
    if not hazard_ids:
        return latest
    for hazard_id, photos in session.execute(
        sa_select(HazardEvent.hazard_id, HazardEvent.photos)
        .where(col(HazardEvent.hazard_id).in_(hazard_ids), HazardEvent.action == "rectify")
        .order_by(HazardEvent.received_at, HazardEvent.id)
    ):
        latest[hazard_id] = list(photos or [])
    return latest


# --- devices ---------------------------------------------------------------------------------


def devices(session: Session, *, user: User) -> list[DeviceRow]:
    """Per device: last sync, outbox depth then, clock offsets seen; never-synced first."""
    stmt = sa_select(Device, User.display_name).join(User, User.id == Device.user_id)
    if not groups.sees_everything(user):
        mine = groups.group_ids_of(session, user)
        people = set(
            session.exec(
                select(GroupMember.user_id).where(col(GroupMember.group_id).in_(mine))
            ).all()
        ) | {user.id}
        stmt = stmt.where(col(Device.user_id).in_(people))
    rows = session.execute(stmt).all()
    epoch0 = datetime.min.replace(tzinfo=UTC)
    rows = sorted(rows, key=lambda r: (r[0].last_sync_at or epoch0, r[0].id))
    return [
        DeviceRow(
            id=d.id,
            label=d.label,
            user_id=d.user_id,
            user_name=name,
            last_sync_at=d.last_sync_at,
            last_seen_at=d.last_seen_at,
            last_outbox_depth=d.last_outbox_depth,
            last_clock_offset_s=d.last_clock_offset_s,
            max_abs_clock_offset_s=d.max_abs_clock_offset_s,
            revoked=d.revoked_at is not None,
        )
        for d, name in rows
    ]


# --- pre-aggregated coverage days ------------------------------------------------------------

WATERMARK = "coverage"
_log = logging.getLogger("patrol.reports")

DayTotals = tuple[int, int, int]  # covered, under, length (seconds)


def _dirty_days(session: Session, watermark: int) -> tuple[int, set[tuple[int, date]]]:
    """Site-days touched by shifts changed after the watermark, and the newest version seen.
    A shift counts for at most 24 h, so its start day and the next are all it can change."""
    newest = session.execute(sa_select(func.max(PatrolShift.version))).scalar_one() or 0
    if newest <= watermark:
        return newest, set()
    rows = session.execute(
        sa_select(PatrolShift.site_id, PatrolShift.event_time).where(
            PatrolShift.version > watermark
        )
    ).all()
    zones = dict(session.execute(sa_select(Site.id, Site.timezone)).all())
    dirty: set[tuple[int, date]] = set()
    for site_id, start in rows:
        zone = _zone(zones.get(site_id, DEFAULT_TIMEZONE))
        for edge in (start, start + timedelta(seconds=MAX_SHIFT_S)):
            dirty.add((site_id, edge.astimezone(zone).date()))
    return newest, dirty


def day_totals(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    now: datetime,
    use_cache: bool = True,
    later: Callable[..., None] | None = None,
) -> dict[int, list[DayTotals]]:
    """Per site, per local day of the range: (covered, under, length) seconds. Finished days
    come from report_coverage_day when still valid; the rest are swept and then stored."""
    if not sites:
        return {}
    ndays = (date_to - date_from).days + 1
    now_s = int(now.timestamp())
    cached: dict[int, dict[int, DayTotals]] = {}  # site -> day index -> totals
    watermark, newest, dirty = 0, 0, set()
    if use_cache:
        watermark = (
            session.execute(
                sa_select(ReportWatermark.version).where(ReportWatermark.name == WATERMARK)
            ).scalar_one_or_none()
            or 0
        )
        newest, dirty = _dirty_days(session, watermark)
        total = session.exec(select(func.count()).select_from(Site)).one()
        t = ReportCoverageDay.__table__.c
        stmt = sa_select(
            t.site_id,
            cast(t.local_date, String),  # text keys: parsing 200k dates would cost a second
            t.covered_s,
            t.under_s,
            t.length_s,
            t.required,
            t.timezone,
        ).where(t.local_date >= date_from, t.local_date <= date_to)
        if len(sites) != total:
            stmt = stmt.where(t.site_id.in_([s.id for s in sites]))
        index = {(date_from + timedelta(days=i)).isoformat(): i for i in range(ndays)}
        expect = {s.id: (s.required_patrol_staff, s.timezone) for s in sites}
        stale = {(site_id, d.isoformat()) for site_id, d in dirty}
        for site_id, iso, covered, under, length, required, tz in session.execute(stmt):
            i = index.get(iso[:10])
            if i is None or expect.get(site_id) != (required, tz) or (site_id, iso[:10]) in stale:
                continue
            cached.setdefault(site_id, {})[i] = (covered, under, length)
    # Which days must be swept: per site, the span from its first to last missing day.
    spans: dict[int, tuple[int, int]] = {}
    for site in sites:
        have = cached.get(site.id, {})
        if len(have) < ndays:
            missing = [i for i in range(ndays) if i not in have]
            spans[site.id] = (missing[0], missing[-1])
    fresh: list[dict] = []
    out: dict[int, list[DayTotals]] = {}
    if spans:
        lo_day = date_from + timedelta(days=min(a for a, _ in spans.values()))
        hi_day = date_from + timedelta(days=max(b for _, b in spans.values()))
        swept_sites = [s for s in sites if s.id in spans]
        intervals = _load_intervals(session, swept_sites, lo_day, hi_day, now)
    for site in sites:
        have = cached.get(site.id, {})
        days: list[DayTotals | None] = [have.get(i) for i in range(ndays)]
        if site.id in spans:
            a, b = spans[site.id]
            first = date_from + timedelta(days=a)
            bounds = _bounds(site.timezone, first, date_from + timedelta(days=b))
            swept = sweep(intervals.get(site.id, ()), bounds, site.required_patrol_staff)
            for j, d in enumerate(swept):
                i = a + j
                if days[i] is not None:
                    continue
                days[i] = (d.covered, d.under, d.length)
                if bounds[j + 1] <= now_s:  # a finished day: safe to keep
                    fresh.append(
                        {
                            "site_id": site.id,
                            "local_date": date_from + timedelta(days=i),
                            "covered_s": d.covered,
                            "under_s": d.under,
                            "length_s": d.length,
                            "required": site.required_patrol_staff,
                            "timezone": site.timezone,
                        }
                    )
        out[site.id] = days  # type: ignore[assignment]
    if use_cache and (fresh or dirty or newest != watermark):
        # After the response when the route can (the request's own sessions are closed then).
        (later or _call)(_store, fresh, dirty, newest)
    return out


def _call(fn: Callable[..., None], *args) -> None:
    fn(*args)


def _store(fresh: list[dict], dirty: set[tuple[int, date]], newest: int) -> bool:
    """Writes the cache in its own short transaction; on any contention it just skips.
    True if it was written.

    The rows were computed from shifts up to version `newest`. If another writer has
    meanwhile moved the watermark past that, a change after `newest` may already have been
    applied (its days cleared) and these rows may predate it: they are dropped, not stored."""
    from app.db import get_engine

    try:
        with Session(get_engine()) as w:
            wm = w.exec(
                select(ReportWatermark).where(ReportWatermark.name == WATERMARK).with_for_update()
            ).first()
            if wm is not None and wm.version > newest:
                _log.info("coverage cache not stored: computed before version %s", wm.version)
                return False
            table = ReportCoverageDay.__table__
            keys = dirty | {(r["site_id"], r["local_date"]) for r in fresh}
            by_site: dict[int, list[date]] = defaultdict(list)
            for site_id, d in keys:
                by_site[site_id].append(d)
            for site_id, dates in by_site.items():
                for i in range(0, len(dates), 500):
                    w.execute(
                        table.delete().where(
                            table.c.site_id == site_id, table.c.local_date.in_(dates[i : i + 500])
                        )
                    )
            if fresh:
                w.execute(table.insert(), fresh)
            if wm is None:
                w.add(ReportWatermark(name=WATERMARK, version=newest))
            elif newest > wm.version:
                wm.version = newest
            w.commit()
            return True
    except (OperationalError, IntegrityError) as exc:  # another request stored it first
        _log.info("coverage cache not stored: %s", exc.__class__.__name__)
        return False


@dataclass
class WarmResult:
    sites: int
    days: int  # local days per site
    date_from: date | None
    date_to: date | None
    computed: int  # site-days swept and stored
    left: int  # site-days of chunks another writer kept busy twice: computed on demand later
    chunks: int
    seconds: float

    @property
    def cached(self) -> int:
        """Site-days that were already cached and still valid."""
        return self.sites * self.days - self.computed - self.left


def warm_coverage_cache(
    *, days: int = 400, chunk_rows: int = 10_000, now: datetime | None = None
) -> WarmResult:
    """Fills report_coverage_day for every active site's finished local days among the last
    `days`, so the first coverage report after a deploy or migration reads the cache.

    Goes through the sites a few at a time (at most `chunk_rows` site-days each): every chunk
    is read in a read-only session, swept, and written by `_store` in a short transaction of
    its own, so the write lock is never held for long and the server keeps answering. Days
    already cached and still valid are not recomputed, so a second run writes nothing. A
    chunk that loses a race with a report storing the same days is tried once more, then left
    to be computed on demand."""
    from app.db import get_engine

    if days < 1:
        raise ValueError("days must be at least 1")
    started = datetime.now(UTC)
    now = now or utcnow()
    engine = get_engine()
    with Session(engine, expire_on_commit=False) as s:
        s.connection(execution_options={"read_only": True})
        sites = list(s.exec(select(Site).where(Site.active).order_by(Site.id)).all())
    by_zone: dict[str, list[Site]] = defaultdict(list)
    for site in sites:
        by_zone[site.timezone].append(site)
    per_chunk = max(1, chunk_rows // days)
    result = WarmResult(len(sites), days, None, None, 0, 0, 0, 0.0)
    for zone, zone_sites in sorted(by_zone.items()):
        date_to = now.astimezone(_zone(zone)).date() - timedelta(days=1)  # finished days only
        date_from = date_to - timedelta(days=days - 1)
        result.date_from = min(result.date_from or date_from, date_from)
        result.date_to = max(result.date_to or date_to, date_to)
        for i in range(0, len(zone_sites), per_chunk):
            chunk = zone_sites[i : i + per_chunk]
            result.chunks += 1
            for attempt in range(2):
                todo = _sweep_uncached(engine, chunk, date_from, date_to, now)
                if todo is None:
                    break  # everything cached and valid
                fresh, dirty, newest = todo
                if _store(fresh, dirty, newest):
                    result.computed += len(fresh)
                    break
                if attempt:
                    result.left += len(fresh)
    result.seconds = round((datetime.now(UTC) - started).total_seconds(), 1)
    return result


def _sweep_uncached(engine, sites: list[Site], date_from: date, date_to: date, now: datetime):
    """What day_totals would store for these sites and days: (fresh, dirty, newest), or None
    when every day is cached and valid and the watermark is current."""
    todo: list[tuple] = []
    with Session(engine, expire_on_commit=False) as s:
        s.connection(execution_options={"read_only": True})
        day_totals(
            s,
            sites=sites,
            date_from=date_from,
            date_to=date_to,
            now=now,
            later=lambda _store_fn, *args: todo.append(args),
        )
    return todo[0] if todo else None

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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.auth.models import User
from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.gate.models import GateCheck
from app.groups import service as groups
from app.groups.models import (
    GroupSite,
    PatrolGroup,
)
from app.reports.models import (
    CoverageDay,
    CoverageReport,
    CoverageSegment,
    CoverageSummary,
    GateReport,
    GateWindowDay,
    SiteCoverage,
    SiteCoverageTotal,
)
from app.shifts.models import PatrolShift, ShiftMember, ShiftStatus
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
) -> CoverageReport:
    """Per site per local day: covered, understaffed and gap hours, with the timeline if asked."""
    check_range(date_from, date_to, 62 if with_segments else MAX_DAYS)
    now = now or utcnow()
    intervals = _load_intervals(session, sites, date_from, date_to, now)
    out = []
    for site, days in _site_days(sites, intervals, date_from, date_to, with_segments):
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
) -> CoverageSummary:
    """Per site totals over a period (e.g. the county's year)."""
    check_range(date_from, date_to)
    now = now or utcnow()
    intervals = _load_intervals(session, sites, date_from, date_to, now)
    out = []
    for site, days in _site_days(sites, intervals, date_from, date_to, False):
        covered = sum(d.covered for d in days)
        under = sum(d.under for d in days)
        length = sum(d.length for d in days)
        out.append(
            SiteCoverageTotal(
                site_id=site.id,
                site_name=site.name,
                days=len(days),
                covered_h=_hours(covered),
                under_h=_hours(under),
                gap_h=_hours(length - covered),
                days_with_gap=sum(1 for d in days if d.covered < d.length),
                days_understaffed=sum(1 for d in days if d.under > 0),
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

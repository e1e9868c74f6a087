"""Staff on duty over time: counted shifts as intervals, swept and cut at local midnights.

What counts as patrol coverage (see README, "Supervisor console"):
- shifts that are `ended` (awaiting review) or `confirmed` count from event_time to ended_at;
- `open` shifts count from their start up to now;
- `returned` shifts do not count until they are ended again or confirmed;
- any one shift counts for at most 24 hours after its start (a shift left open for days, or
  ended days later, is not 24-hour coverage);
- the staff of a shift is the count of its people who count (ShiftMember.counted: active
  members or the leader of its group; anyone else listed is kept, not counted), and a shift
  none of whose people count adds nothing; overlapping shifts at one site add up;
- hours that have not happened yet are not gaps: a day's gap is the elapsed part of it that
  nobody covered (`elapsed_s`); the rest of today is `future`.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Integer, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.reports.periods import day_bounds
from app.shifts.models import PatrolShift, ShiftMember, ShiftStatus
from app.sites.models import Site

MAX_SHIFT_S = 24 * 3600  # a shift counts for at most this long after its start
COUNTED = (ShiftStatus.open.value, ShiftStatus.ended.value, ShiftStatus.confirmed.value)

Interval = tuple[int, int, int]  # start, end (epoch seconds), staff


def _epoch(column, dialect: str):
    """A UTC datetime column as integer epoch seconds, computed by the database."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.extract("epoch", column), Integer)


def shift_intervals(
    session: Session, *, site_ids: list[int] | None, lo: int, hi: int, now: datetime
) -> dict[int, list[Interval]]:
    """Counted shifts overlapping [lo, hi) as (start, end, staff) per site, in epoch seconds."""
    dialect = session.get_bind().dialect.name
    staff = (
        sa_select(func.count())
        .where(ShiftMember.shift_id == PatrolShift.id, ShiftMember.counted)
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
    out: dict[int, list[Interval]] = defaultdict(list)
    for site_id, start, ended, status, n in session.execute(stmt):
        if status == ShiftStatus.open:
            end = now_s
        elif ended is None:
            continue
        else:
            end = ended
        end = min(end, start + MAX_SHIFT_S)
        if n and end > lo and start < hi and end > start:
            out[site_id].append((start, end, n))
    return out


def load_intervals(
    session: Session, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> dict[int, list[Interval]]:
    """The intervals of these sites over their local days date_from..date_to."""
    if not sites:
        return {}
    zones = {s.timezone for s in sites}
    lo = min(day_bounds(z, date_from, date_to)[0] for z in zones)
    hi = max(day_bounds(z, date_from, date_to)[-1] for z in zones)
    total = session.exec(select(func.count()).select_from(Site)).one()
    site_ids = None if len(sites) == total else [s.id for s in sites]
    return shift_intervals(session, site_ids=site_ids, lo=lo, hi=hi, now=now)


def elapsed_s(day_lo: int, day_hi: int, now_s: int) -> int:
    """How much of the day [day_lo, day_hi) has happened at now_s: only that can be a gap."""
    return max(0, min(day_hi, now_s) - day_lo)


@dataclass
class DayResult:
    covered: int
    under: int
    length: int
    segments: list[Interval] | None  # (start, end, staff)


def sweep(
    intervals: Iterable[Interval],
    bounds: Sequence[int],
    required: int,
    with_segments: bool = False,
) -> list[DayResult]:
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
    segs: list[list[Interval]] = [[] for _ in range(ndays)]
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
        DayResult(
            covered[d], under[d], bounds[d + 1] - bounds[d], segs[d] if with_segments else None
        )
        for d in range(ndays)
    ]

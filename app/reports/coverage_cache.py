"""Pre-aggregated coverage days (report_coverage_day), so year summaries stay fast.

A finished local day of a site is swept once and kept; a change to a shift (seen through
the change feed's version, against the watermark in report_watermark) drops the days it can
touch. This module is the only writer of those two tables; everything else in the reports
only reads."""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from app.db import get_engine, get_read_session
from app.reports.models import ReportCoverageDay, ReportWatermark
from app.reports.periods import day_bounds, local_date
from app.reports.sweep import MAX_SHIFT_S, load_intervals, sweep
from app.shifts.models import PatrolShift
from app.sites.models import DEFAULT_TIMEZONE, Site

WATERMARK = "coverage"
_log = logging.getLogger("patrol.reports")

DayTotals = tuple[int, int, int]  # covered, under, length (seconds)

_read_session = contextmanager(get_read_session)


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
    zones: dict[int, str] = dict(session.execute(sa_select(Site.id, Site.timezone)).all())
    dirty: set[tuple[int, date]] = set()
    for site_id, start in rows:
        tz = zones.get(site_id, DEFAULT_TIMEZONE)
        for edge in (start, start + timedelta(seconds=MAX_SHIFT_S)):
            dirty.add((site_id, local_date(edge, tz)))
    return newest, dirty


def store_days(fresh: list[dict], dirty: set[tuple[int, date]], newest: int) -> bool:
    """Writes the cache in its own short transaction; on any contention it just skips.
    True if it was written.

    The rows were computed from shifts up to version `newest`. If another writer has
    meanwhile moved the watermark past that, a change after `newest` may already have been
    applied (its days cleared) and these rows may predate it: they are dropped, not stored."""
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


def day_totals(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    now: datetime,
    use_cache: bool = True,
    store: Callable[[list[dict], set[tuple[int, date]], int], object] = store_days,
) -> dict[int, list[DayTotals]]:
    """Per site, per local day of the range: (covered, under, length) seconds. Finished days
    come from report_coverage_day when still valid; the rest are swept and handed to `store`
    (the warm command collects them to write in chunks of its own)."""
    if not sites:
        return {}
    ndays = (date_to - date_from).days + 1
    now_s = int(now.timestamp())
    cached: dict[int, dict[int, DayTotals]] = {}  # site -> day index -> totals
    watermark, newest = 0, 0
    dirty: set[tuple[int, date]] = set()
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
        intervals = load_intervals(session, swept_sites, lo_day, hi_day, now)
    for site in sites:
        have = cached.get(site.id, {})
        days: list[DayTotals | None] = [have.get(i) for i in range(ndays)]
        if site.id in spans:
            a, b = spans[site.id]
            first = date_from + timedelta(days=a)
            bounds = day_bounds(site.timezone, first, date_from + timedelta(days=b))
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
        store(fresh, dirty, newest)
    return out


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


def warm_coverage_cache(*, now: datetime, days: int = 400, chunk_rows: int = 10_000) -> WarmResult:
    """Fills report_coverage_day for every active site's finished local days among the last
    `days` before `now`, so the first coverage report after a deploy or migration reads the
    cache.

    Goes through the sites a few at a time (at most `chunk_rows` site-days each): every chunk
    is read in a read-only session, swept, and written by `store_days` in a short transaction
    of its own, so the write lock is never held for long and the server keeps answering. Days
    already cached and still valid are not recomputed, so a second run writes nothing. A
    chunk that loses a race with a report storing the same days is tried once more, then left
    to be computed on demand."""
    if days < 1:
        raise ValueError("days must be at least 1")
    started = time.perf_counter()
    with _read_session() as s:
        sites = list(s.exec(select(Site).where(Site.active).order_by(Site.id)).all())
    by_zone: dict[str, list[Site]] = defaultdict(list)
    for site in sites:
        by_zone[site.timezone].append(site)
    per_chunk = max(1, chunk_rows // days)
    result = WarmResult(len(sites), days, None, None, 0, 0, 0, 0.0)
    for tz, zone_sites in sorted(by_zone.items()):
        date_to = local_date(now, tz) - timedelta(days=1)  # finished days only
        date_from = date_to - timedelta(days=days - 1)
        result.date_from = min(result.date_from or date_from, date_from)
        result.date_to = max(result.date_to or date_to, date_to)
        for i in range(0, len(zone_sites), per_chunk):
            chunk = zone_sites[i : i + per_chunk]
            result.chunks += 1
            for attempt in range(2):
                todo = _sweep_uncached(chunk, date_from, date_to, now)
                if todo is None:
                    break  # everything cached and valid
                fresh, dirty, newest = todo
                if store_days(fresh, dirty, newest):
                    result.computed += len(fresh)
                    break
                if attempt:
                    result.left += len(fresh)
    result.seconds = round(time.perf_counter() - started, 1)
    return result


def _sweep_uncached(sites: list[Site], date_from: date, date_to: date, now: datetime):
    """What day_totals would store for these sites and days: (fresh, dirty, newest), or None
    when every day is cached and valid and the watermark is current."""
    todo: list[tuple] = []
    with _read_session() as s:
        day_totals(
            s,
            sites=sites,
            date_from=date_from,
            date_to=date_to,
            now=now,
            store=lambda *args: todo.append(args),
        )
    return todo[0] if todo else None

"""Patrol coverage per site and local day (timeline or heat map) and its totals over a period.
What counts as coverage is in app.reports.sweep."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app.reports.coverage_cache import day_totals
from app.reports.models import (
    CoverageDay,
    CoverageReport,
    CoverageSegment,
    CoverageSummary,
    SiteCoverage,
    SiteCoverageTotal,
)
from app.reports.periods import MAX_DAYS, check_range, day_bounds, zone
from app.reports.sweep import DayResult, elapsed_s, load_intervals, sweep
from app.sites.models import Site

MAX_TIMELINE_DAYS = 62


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 4)


def _state(staff: int, required: int) -> str:
    if staff == 0:
        return "gap"
    return "under" if staff < required else "ok"


def _segments(d: DayResult, required: int, now_s: int, site_zone) -> list[CoverageSegment]:
    """The timeline, cut at now: what has not happened yet is `future`, not a gap."""
    out = []
    for s, e, n in d.segments or ():
        if s < now_s:
            end = min(e, now_s)
            out.append(
                CoverageSegment(
                    start=datetime.fromtimestamp(s, site_zone),
                    end=datetime.fromtimestamp(end, site_zone),
                    staff=n,
                    state=_state(n, required),
                )
            )
        if e > now_s:
            start = max(s, now_s)
            if out and out[-1].state == "future":
                out[-1].end = datetime.fromtimestamp(e, site_zone)
            else:
                out.append(
                    CoverageSegment(
                        start=datetime.fromtimestamp(start, site_zone),
                        end=datetime.fromtimestamp(e, site_zone),
                        staff=0,
                        state="future",
                    )
                )
    return out


def coverage(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    with_segments: bool,
    now: datetime,
) -> CoverageReport:
    """Per site per local day: covered, understaffed and gap hours, with the timeline if asked."""
    check_range(date_from, date_to, MAX_TIMELINE_DAYS if with_segments else MAX_DAYS)
    out = []
    now_s = int(now.timestamp())
    for site, days in _per_site_days(session, sites, date_from, date_to, now, with_segments):
        site_zone = zone(site.timezone)
        bounds = day_bounds(site.timezone, date_from, date_to)
        rows = []
        for i, d in enumerate(days):
            segments = None
            if d.segments is not None:
                segments = _segments(d, site.required_patrol_staff, now_s, site_zone)
            elapsed = elapsed_s(bounds[i], bounds[i + 1], now_s)
            rows.append(
                CoverageDay(
                    date=date_from + timedelta(days=i),
                    covered_h=_hours(d.covered),
                    under_h=_hours(d.under),
                    gap_h=_hours(max(0, elapsed - d.covered)),
                    future_h=_hours(d.length - elapsed),
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
) -> Iterable[tuple[Site, list[DayResult]]]:
    """Timelines are swept live; day totals come through the pre-aggregated days."""
    if with_segments:
        intervals = load_intervals(session, sites, date_from, date_to, now)
        for site in sites:
            bounds = day_bounds(site.timezone, date_from, date_to)
            yield (
                site,
                sweep(intervals.get(site.id, ()), bounds, site.required_patrol_staff, True),
            )
        return
    totals = day_totals(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    for site in sites:
        yield site, [DayResult(c, u, n, None) for c, u, n in totals[site.id]]


def coverage_summary(
    session: Session,
    *,
    sites: list[Site],
    date_from: date,
    date_to: date,
    now: datetime,
) -> CoverageSummary:
    """Per site totals over a period (e.g. the county's year)."""
    check_range(date_from, date_to)
    out = []
    now_s = int(now.timestamp())
    totals = day_totals(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    for site in sites:
        days = totals[site.id]
        bounds = day_bounds(site.timezone, date_from, date_to)
        elapsed = [elapsed_s(bounds[i], bounds[i + 1], now_s) for i in range(len(days))]
        covered = sum(d[0] for d in days)
        under = sum(d[1] for d in days)
        out.append(
            SiteCoverageTotal(
                site_id=site.id,
                site_name=site.name,
                days=len(days),
                covered_h=_hours(covered),
                under_h=_hours(under),
                gap_h=_hours(max(0, sum(elapsed) - covered)),
                days_with_gap=sum(1 for d, e in zip(days, elapsed, strict=True) if d[0] < e),
                days_understaffed=sum(1 for d in days if d[1] > 0),
            )
        )
    return CoverageSummary(date_from=date_from, date_to=date_to, generated_at=now, sites=out)

"""HTTP routes of the reports area: JSON for the console, ?format=csv for Excel."""

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.auth.deps import LeaderOrSupervisor
from app.db import ReadSessionDep
from app.reports import export
from app.reports import service as svc
from app.reports.models import CoverageReport, CoverageSummary, GateReport

router = APIRouter(prefix="/api", tags=["reports"])

DateFrom = Annotated[date | None, Query(alias="from", description="first local date")]
DateTo = Annotated[date | None, Query(alias="to", description="last local date (inclusive)")]
SiteIds = Annotated[list[int], Query(alias="site_id", description="repeat for several sites")]
GroupId = Annotated[int | None, Query(description="only this group's sites")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: UTF-8 with BOM")]


def _range(date_from: date | None, date_to: date | None, default_days: int = 1):
    """Missing ends default to a period of default_days ending today (local)."""
    span = timedelta(days=default_days - 1)
    to = date_to or (date_from + span if date_from else svc.local_today())
    return date_from or to - span, to


@router.get("/reports/coverage", response_model=CoverageReport)
def coverage(
    user: LeaderOrSupervisor,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    site_ids: SiteIds = [],  # noqa: B006 (FastAPI copies defaults)
    group_id: GroupId = None,
    timeline: bool = Query(True, description="segments per day; false for the heat map"),
    format: Format = "json",
):
    """Per site per local day: covered, understaffed and gap hours, with the timeline."""
    frm, to = _range(date_from, date_to)
    sites = svc.scoped_sites(session, user=user, site_ids=site_ids, group_id=group_id)
    report = svc.coverage(session, sites=sites, date_from=frm, date_to=to, with_segments=timeline)
    if format == "csv":
        if timeline:
            rows = [
                {"site_id": s.site_id, "site_name": s.site_name, "date": d.date, **seg.model_dump()}
                for s in report.sites
                for d in s.days
                for seg in d.segments or []
            ]
            return export.csv_response(f"巡逻时间线_{frm}_{to}.csv", export.COVERAGE_SEGMENT, rows)
        rows = [
            {"site_id": s.site_id, "site_name": s.site_name, **d.model_dump(exclude={"segments"})}
            for s in report.sites
            for d in s.days
        ]
        return export.csv_response(f"巡逻覆盖_{frm}_{to}.csv", export.COVERAGE_DAY, rows)
    return report


@router.get("/reports/coverage/summary", response_model=CoverageSummary)
def coverage_summary(
    user: LeaderOrSupervisor,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    site_ids: SiteIds = [],  # noqa: B006
    group_id: GroupId = None,
    format: Format = "json",
):
    """Per site totals over a period (default: the last 30 days)."""
    frm, to = _range(date_from, date_to, default_days=30)
    sites = svc.scoped_sites(session, user=user, site_ids=site_ids, group_id=group_id)
    report = svc.coverage_summary(session, sites=sites, date_from=frm, date_to=to)
    if format == "csv":
        rows = [s.model_dump() for s in report.sites]
        return export.csv_response(f"巡逻覆盖汇总_{frm}_{to}.csv", export.COVERAGE_TOTAL, rows)
    return report


@router.get("/reports/gate", response_model=GateReport)
def gate(
    user: LeaderOrSupervisor,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    site_ids: SiteIds = [],  # noqa: B006
    group_id: GroupId = None,
    shortfalls_only: bool = False,
    format: Format = "json",
):
    """Gate duty per school, local day and window: distinct staff checked in vs required."""
    frm, to = _range(date_from, date_to)
    sites = svc.scoped_sites(session, user=user, site_ids=site_ids, group_id=group_id)
    report = svc.gate(session, sites=sites, date_from=frm, date_to=to)
    if format == "csv":
        rows = report.shortfalls if shortfalls_only else report.windows
        name = f"校门口值班_{frm}_{to}.csv"
        return export.csv_response(name, export.GATE, [r.model_dump() for r in rows])
    return report

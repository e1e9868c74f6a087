"""HTTP routes of the reports area: JSON for the console, ?format=csv for Excel."""

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.auth.deps import LeaderOrSupervisor
from app.db import ReadSessionDep
from app.reports import export
from app.reports import service as svc
from app.reports.models import (
    CoverageReport,
    CoverageSummary,
    DeviceRow,
    GateReport,
    HazardBoard,
    LogPage,
    RosterReport,
)

router = APIRouter(prefix="/api", tags=["reports"])


# The caller is looked up in a short session of its own (app.auth.deps.get_caller), so a
# long report never holds SQLite's write lock for the auth lookup.
ReportUser = LeaderOrSupervisor

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
    user: ReportUser,
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
    report = svc.coverage(
        session,
        sites=sites,
        date_from=frm,
        date_to=to,
        with_segments=timeline,
    )
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
    user: ReportUser,
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
    user: ReportUser,
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


@router.get("/reports/logs", response_model=LogPage)
def logs(
    user: ReportUser,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    site_ids: SiteIds = [],  # noqa: B006
    group_id: GroupId = None,
    person: Annotated[int | None, Query(description="recorded_by user id")] = None,
    types: Annotated[list[str], Query(alias="type", description="record types")] = [],  # noqa: B006
    flagged: Annotated[bool, Query(description="only records with a clock flag")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
    format: Format = "json",
):
    """Every synced record, newest first by corrected time; ?cursor= from the last page."""
    everything = not site_ids and group_id is None and svc.groups.sees_everything(user)
    sites = svc.scoped_sites(
        session, user=user, site_ids=site_ids, group_id=group_id, active_only=False
    )
    page = svc.logs(
        session,
        sites=sites,
        all_sites=everything,
        types=types,
        person=person,
        date_from=date_from,
        date_to=date_to,
        flagged_only=flagged,
        limit=limit,
        cursor=cursor,
    )
    if format == "csv":
        return export.csv_response("同步记录.csv", export.LOGS, [r.model_dump() for r in page.rows])
    return page


@router.get("/reports/rosters", response_model=RosterReport)
def rosters(
    user: ReportUser,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group_id: GroupId = None,
    format: Format = "json",
):
    """Planned against actual per group, late or missing rosters, and the 通报 list."""
    frm, to = _range(date_from, date_to, default_days=7)
    group_ids = svc.scoped_group_ids(session, user=user, group_id=group_id)
    report = svc.rosters(session, group_ids=group_ids, date_from=frm, date_to=to)
    if format == "csv":
        rows = [n.model_dump() for n in report.notice]
        return export.csv_response(f"通报_{frm}_{to}.csv", export.ROSTER_NOTICE, rows)
    return report


@router.get("/reports/hazards", response_model=HazardBoard)
def hazards(
    user: ReportUser,
    session: ReadSessionDep,
    site_ids: SiteIds = [],  # noqa: B006
    group_id: GroupId = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: Format = "json",
):
    """Hazards board: by status and department, overdue first, 300 m findings by place type."""
    everything = not site_ids and group_id is None and svc.groups.sees_everything(user)
    sites = svc.scoped_sites(
        session, user=user, site_ids=site_ids, group_id=group_id, active_only=False
    )
    board = svc.hazard_board(session, sites=sites, all_sites=everything, limit=limit)
    if format == "csv":
        rows = [h.model_dump() for h in board.hazards]
        return export.csv_response("安全隐患.csv", export.HAZARDS, rows)
    return board


@router.get("/reports/devices", response_model=list[DeviceRow])
def devices(user: ReportUser, session: ReadSessionDep, format: Format = "json"):
    """Device health: last sync, records pending on it then, clock offsets seen."""
    rows = svc.devices(session, user=user)
    if format == "csv":
        return export.csv_response("设备状态.csv", export.DEVICES, [r.model_dump() for r in rows])
    return rows

"""HTTP routes of the reports area: JSON for the console, ?format=csv for Excel.

Every route takes what it is asked (who asks and what they may see, the period, the sites or
group asked for) from one dependency, `ReportRequest`, built from the query by `report_scope`
(or a narrower builder for the routes that take fewer filters), and its output format from
`Output`; what is left in a route's signature is what only that report takes. Role checks are
in the builders (the caller must be a leader, supervisor or admin); site and group checks
happen when the route asks the request for its sites or groups, exactly as before. The extras
are small dependencies of their own so the OpenAPI parameters keep their names, order and
descriptions.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from app.access import Scope, ScopeDep
from app.auth.deps import CurrentUser, LeaderOrSupervisor
from app.config import get_settings
from app.db import ReadSessionDep, utcnow
from app.fields import PlausibleDate
from app.notices import service as notice_service
from app.reports import export
from app.reports.assessment import AssessmentReport, SubjectKind
from app.reports.assessment import assessment as assessment_report
from app.reports.boarding import BoardingReport
from app.reports.boarding import boarding as boarding_report
from app.reports.checkpoints import checkpoints as checkpoint_report
from app.reports.coverage import coverage as coverage_report
from app.reports.coverage import coverage_summary as coverage_summary_report
from app.reports.defences import DefenceReport
from app.reports.defences import defences as defence_report
from app.reports.devices import devices as device_rows
from app.reports.drills import DrillReport
from app.reports.drills import drills as drill_report
from app.reports.duty import DutyReport
from app.reports.duty import duty as duty_report
from app.reports.gate import gate as gate_report
from app.reports.hazards import hazard_board
from app.reports.logs import logs as log_page
from app.reports.models import (
    CheckpointReport,
    CoverageReport,
    CoverageSummary,
    DeviceRow,
    GateReport,
    HazardBoard,
    LogPage,
    RosterReport,
)
from app.reports.periods import local_date
from app.reports.police import PoliceReport
from app.reports.police import police as police_report
from app.reports.rosters import rosters as roster_report
from app.reports.scope import covers_every_site, scoped_group_ids, scoped_sites, within_town
from app.reports.villages import VillageReport, village_report
from app.reports.visitors import VisitorRegister, visitor_register
from app.sites.models import Site
from app.villages.rules import MONTH_PATTERN
from app.villages.service import require_reader

router = APIRouter(prefix="/api", tags=["reports"])


# The caller is looked up in a short session of its own (app.auth.deps.get_caller), so a
# long report never holds SQLite's write lock for the auth lookup.
ReportUser = LeaderOrSupervisor

# ?town_id: one town of the caller's reach (the console's town picker); absent: all of them.
TownId = Annotated[int | None, Query(description="one town of the caller's reach (GET /api/towns)")]


def report_reach(reach: ScopeDep, session: ReadSessionDep, town_id: TownId = None) -> Scope:
    return within_town(session, reach=reach, town_id=town_id)


ReportReach = Annotated[Scope, Depends(report_reach)]

DateFrom = Annotated[PlausibleDate | None, Query(alias="from", description="first local date")]
DateTo = Annotated[
    PlausibleDate | None, Query(alias="to", description="last local date (inclusive)")
]
SiteIds = Annotated[list[int], Query(alias="site_id", description="repeat for several sites")]
GroupId = Annotated[int | None, Query(description="only this group's sites")]
Format = Annotated[
    Literal["json", "csv", "xlsx"],
    Query(description="csv: UTF-8 with BOM; xlsx: an Excel sheet. Both: labels, local times"),
]
Raw = Annotated[
    bool,
    Query(description="csv/xlsx: keep the codes and ISO UTC times (for machines), not labels"),
]


# --- the scope of a report -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for, by whom, at which instant (`now`: the one clock reading
    of the request; the reports below never read the clock themselves). Nothing is checked
    against the caller's groups until a route asks for `sites()` or `group_ids()` (403
    outside the caller's reach)."""

    reach: Scope  # what the caller may see (app.access)
    session: Session
    now: datetime
    date_from: date | None = None
    date_to: date | None = None
    site_ids: tuple[int, ...] = ()
    group_id: int | None = None

    def period(self, default_days: int = 1) -> tuple[date, date]:
        """The asked-for dates; a missing end makes a period of default_days (local today
        if neither end is given)."""
        span = timedelta(days=default_days - 1)
        to = self.date_to or (self.date_from + span if self.date_from else local_date(self.now))
        return self.date_from or to - span, to

    def sites(self, *, active_only: bool = True) -> list[Site]:
        return scoped_sites(
            self.session,
            reach=self.reach,
            site_ids=list(self.site_ids),
            group_id=self.group_id,
            active_only=active_only,
        )

    def group_ids(self) -> list[int]:
        return scoped_group_ids(self.session, reach=self.reach, group_id=self.group_id)

    @property
    def all_sites(self) -> bool:
        return covers_every_site(
            self.session, reach=self.reach, site_ids=self.site_ids, group_id=self.group_id
        )


def report_scope(
    user: ReportUser,
    reach: ReportReach,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    site_ids: SiteIds = [],  # noqa: B006 (FastAPI copies defaults)
    group_id: GroupId = None,
) -> ReportRequest:
    """?from, ?to, ?site_id (repeatable) and ?group_id."""
    return ReportRequest(reach, session, utcnow(), date_from, date_to, tuple(site_ids), group_id)


def group_scope(
    user: ReportUser,
    reach: ReportReach,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group_id: GroupId = None,
) -> ReportRequest:
    """?from, ?to and ?group_id (reports per group, not per site)."""
    return ReportRequest(reach, session, utcnow(), date_from, date_to, group_id=group_id)


def site_scope(
    user: ReportUser,
    reach: ReportReach,
    session: ReadSessionDep,
    site_ids: SiteIds = [],  # noqa: B006
    group_id: GroupId = None,
) -> ReportRequest:
    """?site_id and ?group_id (reports of the present state, without a period)."""
    return ReportRequest(reach, session, utcnow(), site_ids=tuple(site_ids), group_id=group_id)


def period_scope(
    user: ReportUser,
    reach: ReportReach,
    session: ReadSessionDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> ReportRequest:
    """?from and ?to over everything the caller may see (the year-end assessment)."""
    return ReportRequest(reach, session, utcnow(), date_from, date_to)


def caller_scope(user: ReportUser, reach: ReportReach, session: ReadSessionDep) -> ReportRequest:
    """No filter: what the caller may see."""
    return ReportRequest(reach, session, utcnow())


@dataclass(frozen=True)
class ReportOutput:
    """The asked format of a report: JSON (the route returns its model) or a table export."""

    fmt: str
    exporter: export.Exporter

    @property
    def tabular(self) -> bool:
        return self.fmt != "json"

    def table(self, name: str, columns, rows):
        return export.table_response(self.fmt, name, columns, rows, self.exporter)


def output_format(format: Format = "json", raw: Raw = False) -> ReportOutput:
    tz = get_settings().town_timezone
    return ReportOutput(format, export.Exporter(tz=tz, raw=raw))


ReportScope = Annotated[ReportRequest, Depends(report_scope)]
GroupScope = Annotated[ReportRequest, Depends(group_scope)]
SiteScope = Annotated[ReportRequest, Depends(site_scope)]
CallerScope = Annotated[ReportRequest, Depends(caller_scope)]
PeriodScope = Annotated[ReportRequest, Depends(period_scope)]
Output = Annotated[ReportOutput, Depends(output_format)]


# --- what only one report takes --------------------------------------------------------------


def _timeline(
    timeline: bool = Query(True, description="segments per day; false for the heat map"),
) -> bool:
    return timeline


def _shortfalls_only(shortfalls_only: bool = False) -> bool:
    return shortfalls_only


def _hazard_limit(limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> int:
    return limit


@dataclass(frozen=True)
class LogFilters:
    person: int | None
    types: list[str]
    flagged: bool
    limit: int
    cursor: str | None


def _log_filters(
    person: Annotated[int | None, Query(description="recorded_by user id")] = None,
    types: Annotated[list[str], Query(alias="type", description="record types")] = [],  # noqa: B006
    flagged: Annotated[bool, Query(description="only records with a clock flag")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> LogFilters:
    return LogFilters(person, types, flagged, limit, cursor)


Timeline = Annotated[bool, Depends(_timeline)]
ShortfallsOnly = Annotated[bool, Depends(_shortfalls_only)]
HazardLimit = Annotated[int, Depends(_hazard_limit)]
LogFilterDep = Annotated[LogFilters, Depends(_log_filters)]


# --- routes ----------------------------------------------------------------------------------


@router.get("/reports/coverage", response_model=CoverageReport)
def coverage(scope: ReportScope, timeline: Timeline, output: Output):
    """Per site per local day: covered, understaffed and gap hours, with the timeline."""
    frm, to = scope.period()
    report = coverage_report(
        scope.session,
        sites=scope.sites(),
        date_from=frm,
        date_to=to,
        with_segments=timeline,
        now=scope.now,
    )
    if output.tabular:
        if timeline:
            rows = [
                {"site_id": s.site_id, "site_name": s.site_name, "date": d.date, **seg.model_dump()}
                for s in report.sites
                for d in s.days
                for seg in d.segments or []
            ]
            return output.table(f"巡逻时间线_{frm}_{to}", export.COVERAGE_SEGMENT, rows)
        rows = [
            {"site_id": s.site_id, "site_name": s.site_name, **d.model_dump(exclude={"segments"})}
            for s in report.sites
            for d in s.days
        ]
        return output.table(f"巡逻覆盖_{frm}_{to}", export.COVERAGE_DAY, rows)
    return report


@router.get("/reports/coverage/summary", response_model=CoverageSummary)
def coverage_summary(scope: ReportScope, output: Output):
    """Per site totals over a period (default: the last 30 days)."""
    frm, to = scope.period(default_days=30)
    report = coverage_summary_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [s.model_dump() for s in report.sites]
        return output.table(f"巡逻覆盖汇总_{frm}_{to}", export.COVERAGE_TOTAL, rows)
    return report


@router.get("/reports/gate", response_model=GateReport)
def gate(scope: ReportScope, shortfalls_only: ShortfallsOnly, output: Output):
    """Gate duty per school, local day and window: distinct staff checked in vs required."""
    frm, to = scope.period()
    report = gate_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = report.shortfalls if shortfalls_only else report.windows
        name = f"校门口值班_{frm}_{to}"
        return output.table(name, export.GATE, [r.model_dump() for r in rows])
    return report


@router.get("/reports/checkpoints", response_model=CheckpointReport)
def checkpoints(scope: ReportScope, output: Output):
    """Checkpoint proof per shift and per site: proven, typed, far, no GPS; missed checkpoints."""
    frm, to = scope.period(default_days=7)
    report = checkpoint_report(
        scope.session, reach=scope.reach, sites=scope.sites(), date_from=frm, date_to=to
    )
    if output.tabular:
        rows = [{**r.model_dump(), "missed": "、".join(r.missed)} for r in report.shifts]
        return output.table(f"巡逻点核验_{frm}_{to}", export.CHECKPOINTS, rows)
    return report


@router.get("/reports/visitors", response_model=VisitorRegister)
def visitors(scope: ReportScope, output: Output):
    """The visitor register: inside now, waiting for the host, refused, entered without
    approval, vehicles and goods out unchecked against the pass slip (default: today)."""
    frm, to = scope.period()
    report = visitor_register(scope.session, sites=scope.sites(), date_from=frm, date_to=to)
    if output.tabular:
        rows = [r.model_dump() for r in report.rows]
        return output.table(f"来访登记_{frm}_{to}", export.VISITORS, rows)
    return report


@router.get("/reports/boarding", response_model=BoardingReport)
def boarding(scope: ReportScope, output: Output):
    """Boarding schools: the dormitories' nightly roll calls held or missed, absent pupils
    (不明去向 first), leaves not back and late returns (default: the last 7 nights)."""
    frm, to = scope.period(default_days=7)
    report = boarding_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [n.model_dump() for n in report.nights]
        return output.table(f"住宿生点名_{frm}_{to}", export.BOARDING_NIGHTS, rows)
    return report


# --- drills and technical defences ---


@router.get("/reports/drills", response_model=DrillReport)
def drills(scope: ReportScope, output: Output):
    """Safety lessons (安全、法制专题教育) and emergency drills (应急预案演练) per school: which
    are overdue now by the town's interval (never held first), and what was held in the
    period (default: the last 90 days)."""
    frm, to = scope.period(default_days=90)
    report = drill_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [r.model_dump() for r in report.schools]
        return output.table(f"安全教育和演练_{frm}_{to}", export.DRILL_SCHOOLS, rows)
    return report


@router.get("/reports/defences", response_model=DefenceReport)
def defences(scope: SiteScope, output: Output):
    """Technical defences (视频监控、入侵报警): the devices overdue for a check and the faults
    not yet accepted (验收), oldest first."""
    report = defence_report(scope.session, sites=scope.sites(), now=scope.now)
    if output.tabular:
        rows = [r.model_dump() for r in report.devices]
        return output.table(f"技防设施_{local_date(scope.now)}", export.DEFENCE_DEVICES, rows)
    return report


SubjectKindQuery = Annotated[SubjectKind | None, Query(description="only this kind of subject")]


@router.get("/reports/assessment", response_model=AssessmentReport)
def assessment(scope: PeriodScope, output: Output, subject_kind: SubjectKindQuery = None):
    """The year-end assessment (年终考核) per group, school, village and department, from the
    figures the other reports give; default: the calendar year of today (local)."""
    today = local_date(scope.now)
    frm = scope.date_from or date(today.year, 1, 1)
    to = scope.date_to or date(today.year, 12, 31)
    report = assessment_report(
        scope.session,
        scope=scope.reach,
        date_from=frm,
        date_to=to,
        now=scope.now,
        subject_kind=subject_kind,
    )
    if output.tabular:
        rows = [
            {
                **line.model_dump(),
                "score": s.score,
                "veto": line.veto,
            }
            for s in report.subjects
            for line in s.lines
        ]
        return output.table(f"年终考核_{frm}_{to}", export.ASSESSMENT, rows)
    return report


# --- notices (通报): the export of one notice, for whoever may read it (app.notices) -------


@router.get("/notices/{notice_id}/export")
def notice_export(
    notice_id: int,
    user: CurrentUser,
    reach: ScopeDep,
    session: ReadSessionDep,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "csv",
):
    """One notice's lines as CSV or xlsx (a reader outside the office gets the kept lines)."""
    notice = notice_service.readable_notice(session, user, reach, notice_id)
    shown = notice_service.public(session, user, reach, notice)
    head = {"number": shown.number or "草稿", "title": shown.title, "status": shown.status}
    rows = [{**head, **line.model_dump()} for line in shown.lines]
    exporter = export.Exporter(tz=get_settings().town_timezone)
    name = f"通报_{shown.number or shown.id}"
    return export.table_response(format, name, export.NOTICE_LINES, rows, exporter)


# --- the villages' dispute screening (矛盾纠纷排查表): the month-end notice (月底通报) ---------

Month = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="YYYY-MM (2000-2100); default this local month"),
]
VillageTable = Annotated[
    Literal["villages", "disputes"], Query(description="csv/xlsx: which table to export")
]


@router.get("/reports/villages", response_model=VillageReport)
def villages(
    user: CurrentUser,
    reach: ScopeDep,
    session: ReadSessionDep,
    output: Output,
    month: Month = None,
    table: VillageTable = "villages",
):
    """The month's villages: form on time / late / missing, petitions and unstable factors,
    disputes open and resolved; the town's supervisors, admins and four-in-one office (a
    county supervisor: the county's towns)."""
    require_reader(user)
    now, tz = utcnow(), get_settings().town_timezone
    month = month or local_date(now, tz).strftime("%Y-%m")
    report = village_report(session, town_ids=reach.town_ids, month=month, now=now, timezone=tz)
    if output.tabular:
        if table == "disputes":
            rows = [d.model_dump() for d in report.disputes]
            return output.table(f"矛盾纠纷_{month}", export.VILLAGE_DISPUTES, rows)
        rows = [v.model_dump() for v in report.villages]
        return output.table(f"月底通报_{month}", export.VILLAGE_MONTH, rows)
    return report


# --- police at the gate and leadership duty (issue 19) ---------------------------------


@router.get("/reports/police", response_model=PoliceReport)
def police(scope: ReportScope, output: Output):
    """Police at the gate (护学岗): per post and school-day window, officers present or not
    (absent first), per department (default: the last 7 days)."""
    frm, to = scope.period(default_days=7)
    report = police_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [w.model_dump() for w in report.windows]
        for row in rows:
            row["officer_names"] = "、".join(row["officer_names"])
        return output.table(f"护学岗_{frm}_{to}", export.POLICE_WINDOWS, rows)
    return report


@router.get("/reports/duty", response_model=DutyReport)
def duty(scope: ReportScope, output: Output):
    """Leadership duty (领导值班和带班): per school and day, planned and recorded or not; days
    without a plan and planned days not kept (default: the last 14 days)."""
    frm, to = scope.period(default_days=14)
    report = duty_report(
        scope.session, sites=scope.sites(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [d.model_dump() for d in report.days]
        return output.table(f"领导值班_{frm}_{to}", export.DUTY_DAYS, rows)
    return report


@router.get("/reports/logs", response_model=LogPage)
def logs(scope: ReportScope, filters: LogFilterDep, output: Output):
    """Every synced record, newest first by corrected time; ?cursor= from the last page."""
    page = log_page(
        scope.session,
        sites=scope.sites(active_only=False),
        all_sites=scope.all_sites,
        types=filters.types,
        person=filters.person,
        date_from=scope.date_from,  # no default period: the newest records first
        date_to=scope.date_to,
        flagged_only=filters.flagged,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    if output.tabular:
        return output.table("同步记录", export.LOGS, [r.model_dump() for r in page.rows])
    return page


@router.get("/reports/rosters", response_model=RosterReport)
def rosters(scope: GroupScope, output: Output):
    """Planned against actual per group, late or missing rosters, and the 通报 list."""
    frm, to = scope.period(default_days=7)
    report = roster_report(
        scope.session, group_ids=scope.group_ids(), date_from=frm, date_to=to, now=scope.now
    )
    if output.tabular:
        rows = [n.model_dump() for n in report.notice]
        return output.table(f"通报_{frm}_{to}", export.ROSTER_NOTICE, rows)
    return report


@router.get("/reports/hazards", response_model=HazardBoard)
def hazards(scope: SiteScope, limit: HazardLimit, output: Output):
    """Hazards board: by status and department, overdue first, 300 m findings by place type."""
    board = hazard_board(
        scope.session,
        sites=scope.sites(active_only=False),
        all_sites=scope.all_sites,
        now=scope.now,
        limit=limit,
    )
    if output.tabular:
        rows = [h.model_dump() for h in board.hazards]
        return output.table("安全隐患", export.HAZARDS, rows)
    return board


@router.get("/reports/devices", response_model=list[DeviceRow])
def devices(scope: CallerScope, output: Output):
    """Device health: last sync, records pending on it then, clock offsets seen."""
    rows = device_rows(scope.session, reach=scope.reach)
    if output.tabular:
        return output.table("设备状态", export.DEVICES, [r.model_dump() for r in rows])
    return rows

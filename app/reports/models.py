"""Response schemas of the supervisor console's report endpoints, and the two tables of the
coverage cache (written only by app.reports.coverage_cache)."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from app.shifts.models import PatrolShift


# One synced record in the log, whatever its type.
class LogRow(SQLModel):
    type: str  # shift, scan, review, gate_check, visitor, hazard, hazard_event
    id: str
    site_id: int
    site_name: str
    recorded_by: int
    recorded_by_name: str
    device_id: str
    device_time: datetime
    event_time: datetime  # device_time corrected by the push's clock offset
    received_at: datetime
    clock_flag: str | None
    author_disabled: bool
    detail: str  # a short summary: status, direction, category...


# A page of the log; pass next_cursor back as ?cursor= for the next (older) page.
class LogPage(SQLModel):
    rows: list[LogRow]
    next_cursor: str | None


# A stretch of a local day with a constant number of people on duty.
class CoverageSegment(SQLModel):
    start: datetime  # in the site's zone
    end: datetime
    staff: int
    state: str  # gap (nobody), under (fewer than required), ok, future (not happened yet)


# One site's local day: totals in hours, and the timeline when asked for.
class CoverageDay(SQLModel):
    date: date
    covered_h: float
    under_h: float  # part of covered_h with fewer than the required staff
    gap_h: float  # the elapsed part of the day that nobody covered
    future_h: float = 0.0  # the part of the day that has not happened yet: not a gap
    segments: list[CoverageSegment] | None = None


class SiteCoverage(SQLModel):
    site_id: int
    site_name: str
    timezone: str
    required_staff: int
    days: list[CoverageDay]


# The day timeline (?with segments) or the week/month heat map (one cell per site per day).
class CoverageReport(SQLModel):
    date_from: date
    date_to: date
    generated_at: datetime
    sites: list[SiteCoverage]


# One site's totals over a period (the county's year summary has one row per site).
class SiteCoverageTotal(SQLModel):
    site_id: int
    site_name: str
    days: int
    covered_h: float
    under_h: float
    gap_h: float
    days_with_gap: int
    days_understaffed: int


class CoverageSummary(SQLModel):
    date_from: date
    date_to: date
    generated_at: datetime
    sites: list[SiteCoverageTotal]


# One gate window on one local day at one school.
class GateWindowDay(SQLModel):
    site_id: int
    site_name: str
    date: date
    window_id: int
    window_name: str
    kind: str
    required: int
    checked_in: int  # distinct staff with an "in" check within the window (and its grace)
    staff_ids: list[int]
    outside_window: int = 0  # other staff who checked in only outside the window: not counted
    state: str = "ended"  # not_started, in_progress, ended: only an ended window is judged
    shortfall: bool  # ended with fewer than required


class GateReport(SQLModel):
    date_from: date
    date_to: date
    windows: list[GateWindowDay]
    shortfalls: list[GateWindowDay]


# A planned duty against who actually patrolled.
class RosterShiftCheck(SQLModel):
    roster_shift_id: int
    site_id: int
    site_name: str
    starts_at: datetime
    ends_at: datetime
    planned_ids: list[int]
    present_ids: list[int]
    absent_ids: list[int]
    absent_names: list[str]


class GroupRosterCheck(SQLModel):
    group_id: int
    group_name: str
    leader_name: str | None
    rosters: int
    roster_status: str  # on_time, late, not_submitted, pending (due later), none
    planned_person_shifts: int
    present_person_shifts: int
    absences: list[RosterShiftCheck]


# One line of the public report (通报).
class NoticeItem(SQLModel):
    group_id: int
    group_name: str
    leader_name: str | None
    issue: str  # absent, roster_late, roster_not_submitted, no_roster
    detail: str


class RosterReport(SQLModel):
    date_from: date
    date_to: date
    groups: list[GroupRosterCheck]
    notice: list[NoticeItem]


class HazardRow(SQLModel):
    id: str
    site_id: int
    site_name: str
    category: str
    place_type: str | None
    severity: str
    description: str
    status: str
    department: str | None
    due_date: date | None
    overdue: bool
    within_300m: bool
    distance_m: float | None
    lat: float | None
    lon: float | None
    photos: list[str]
    fix_photos: list[str] = []  # photos of the latest rectification, to verify before closing
    # Of photos and fix_photos, the ones not on the server yet: shown as 照片未上传, never as
    # a link that answers 404; 验收 waits for fix_photos_missing (app.hazards.rules).
    photos_missing: list[str] = []
    fix_photos_missing: list[str] = []
    fix_note: str = ""  # what the fixer said of the fix (整改说明)
    fixed_by: int | None = None  # who reported the fix
    event_time: datetime


class PlaceGroup(SQLModel):
    place_type: str
    count: int
    hazard_ids: list[str]


class HazardBoard(SQLModel):
    by_status: dict[str, int]
    by_department: dict[str, int]  # open hazards (not closed) per department; "" = unassigned
    overdue: int
    hazards: list[HazardRow]  # overdue first, then newest
    within_300m: list[PlaceGroup]


class DeviceRow(SQLModel):
    id: str
    label: str
    user_id: int
    user_name: str
    last_sync_at: datetime | None
    last_seen_at: datetime | None
    last_outbox_depth: int | None
    last_clock_offset_s: float | None
    max_abs_clock_offset_s: float | None
    revoked: bool


# --- pre-aggregation: finished local days of coverage, kept so year summaries stay fast -------


# One site's finished local day; rows are dropped when a shift touching that day changes.
class ReportCoverageDay(SQLModel, table=True):
    __tablename__ = "report_coverage_day"
    site_id: int = Field(foreign_key="site.id", primary_key=True)
    local_date: date = Field(primary_key=True)
    covered_s: int
    under_s: int
    length_s: int  # 86400, or 82800/90000 on a daylight-saving change
    required: int  # the site's required_patrol_staff when computed
    timezone: str = Field(max_length=64)


# The change-feed version up to which shift changes have been applied to the cache above.
class ReportWatermark(SQLModel, table=True):
    __tablename__ = "report_watermark"
    name: str = Field(primary_key=True, max_length=32)
    version: int = Field(default=0, sa_type=BigInteger)


# Finding the shifts changed since the watermark must not scan the whole table.
Index("ix_patrol_shift_version", PatrolShift.__table__.c.version)


# --- checkpoint proof (app.reports.checkpoints) ---------------------------------------------


# How a set of scans was proven (app.shifts.rules.scan_proof); a scan may be typed and far.
class ScanProofCounts(SQLModel):
    scans: int = 0
    proven: int = 0  # read from the QR code with a GPS fix near the checkpoint
    typed: int = 0
    unknown_method: int = 0  # an older app that does not say how it read the code
    no_gps: int = 0
    no_position: int = 0  # the checkpoint has no position to compare with
    far: int = 0


class MissedCheckpoint(SQLModel):
    checkpoint_id: int
    name: str
    code: str
    missed_shifts: int  # ended shifts of the period that did not scan it


class ShiftProof(ScanProofCounts):
    shift_id: str
    site_id: int
    site_name: str
    group_id: int | None
    recorded_by: int
    recorded_by_name: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    missed: list[str] = []  # names of the site's checkpoints this shift did not scan


class SiteProof(ScanProofCounts):
    site_id: int
    site_name: str
    shifts: int = 0
    missed: list[MissedCheckpoint] = []


class CheckpointReport(SQLModel):
    date_from: date
    date_to: date
    sites: list[SiteProof]
    shifts: list[ShiftProof]  # newest first


# One figure of the year-end assessment (年终考核) for one subject (a patrol group, a school, a
# village or a department), from the records already kept: `due` things were expected in the
# period and `kept` of them were done as the plan asks. Each area's report module gives its
# lines for a period (`assessment_lines(session, scope, date_from, date_to, now)`), and
# app.reports.assessment gathers them; a one-vote-veto case (一票否决) marks its line `veto`.
class AssessmentLine(SQLModel):
    subject_kind: str  # group, school, village, department
    subject_id: str  # the group's, site's or village's id, or the Department value
    subject_name: str
    criterion: str  # a stable code, e.g. "shifts_covered", "roll_calls_held"
    label_zh: str
    label_en: str
    due: int
    kept: int
    veto: bool = False
    detail_zh: str = ""
    detail_en: str = ""

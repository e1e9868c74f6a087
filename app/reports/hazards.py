"""The hazards board (隐患督办): counts, the list with overdue first, 300 m findings by place."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.access import Scope
from app.hazards import rules
from app.hazards.models import Hazard, HazardAction, HazardEvent, HazardStatus, Severity
from app.photos.models import Photo
from app.reports import lookup
from app.reports.models import AssessmentLine, HazardBoard, HazardRow, PlaceGroup
from app.reports.periods import day_start, local_date
from app.reports.scope import scoped_sites
from app.sites.models import DEFAULT_TIMEZONE, Site
from app.towns.models import Department
from app.vocabulary import DEPARTMENT


def overdue(now: datetime) -> ColumnElement[bool]:
    """The one rule for overdue (README): not closed, and due before today in Asia/Shanghai.
    A condition for the database, so the count, the order and each row's flag agree."""
    return and_(
        Hazard.status != HazardStatus.closed.value,
        col(Hazard.due_date).is_not(None),
        col(Hazard.due_date) < local_date(now),
    )


def within_300m() -> ColumnElement[bool]:
    """app.hazards.rules.within_300m for the database: the stored mark (decided by that rule
    when the finding was pushed) and a surroundings place type, so a finding stored before
    the rule counted only for the places it is about."""
    return and_(
        Hazard.within_300m,
        col(Hazard.place_type).in_(sorted(rules.SURROUNDINGS_PLACES)),
    )


def hazard_board(
    session: Session,
    *,
    sites: list[Site],
    all_sites: bool,
    now: datetime,
    limit: int = 500,
) -> HazardBoard:
    """Counts by status and department, the list with overdue first, 300 m findings by place."""
    conds = [] if all_sites else [col(Hazard.site_id).in_([s.id for s in sites])]
    if not all_sites and not sites:
        return HazardBoard(by_status={}, by_department={}, overdue=0, hazards=[], within_300m=[])
    not_closed = Hazard.status != HazardStatus.closed.value
    is_overdue = overdue(now)
    by_status: dict[str, int] = dict(
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
    overdue_count = session.execute(
        sa_select(func.count()).select_from(Hazard).where(*conds, is_overdue)
    ).scalar_one()
    rows = session.exec(
        select(Hazard, is_overdue.label("overdue"))
        .where(*conds)
        .order_by(
            case((is_overdue, 0), (not_closed, 1), else_=2),
            Hazard.due_date,
            col(Hazard.event_time).desc(),
        )
        .limit(limit)
    ).all()
    site_names = lookup.site_names(session, {h.site_id for h, _ in rows})
    fixes = _latest_fixes(session, [h.id for h, _ in rows])
    received = _received(
        session,
        {sha for h, _ in rows for sha in h.photos or []}
        | {sha for fix in fixes.values() for sha in fix[0]},
    )
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
            overdue=bool(row_overdue),
            within_300m=rules.within_300m(h.place_type, h.distance_m, h.within_300m),
            distance_m=h.distance_m,
            lat=h.lat,
            lon=h.lon,
            photos=list(h.photos or []),
            fix_photos=fixes.get(h.id, _NO_FIX)[0],
            photos_missing=[sha for sha in h.photos or [] if sha not in received],
            fix_photos_missing=[sha for sha in fixes.get(h.id, _NO_FIX)[0] if sha not in received],
            fix_note=fixes.get(h.id, _NO_FIX)[1],
            fixed_by=fixes.get(h.id, _NO_FIX)[2],
            event_time=h.event_time,
        )
        for h, row_overdue in rows
    ]
    near: dict[str, list[str]] = defaultdict(list)
    for place, hazard_id in session.execute(
        sa_select(Hazard.place_type, Hazard.id)
        .where(*conds, within_300m(), not_closed)
        .order_by(Hazard.place_type, col(Hazard.event_time).desc())
    ):
        near[place or "other"].append(hazard_id)
    return HazardBoard(
        by_status=by_status,
        by_department=by_department,
        overdue=overdue_count,
        hazards=hazards,
        within_300m=[
            PlaceGroup(place_type=k, count=len(v), hazard_ids=v) for k, v in sorted(near.items())
        ],
    )


_NO_FIX: tuple[list[str], str, int | None] = ([], "", None)


def _latest_fixes(
    session: Session, hazard_ids: list[str]
) -> dict[str, tuple[list[str], str, int | None]]:
    """Each hazard's latest rectification (整改): its photos, note and fixer, to check before
    closing (the same order as app.hazards.handlers._fix_photos)."""
    latest: dict[str, tuple[list[str], str, int | None]] = {}
    if not hazard_ids:
        return latest
    for hazard_id, photos, comment, fixer in session.execute(
        sa_select(
            HazardEvent.hazard_id, HazardEvent.photos, HazardEvent.comment, HazardEvent.recorded_by
        )
        .where(col(HazardEvent.hazard_id).in_(hazard_ids), HazardEvent.action == "rectify")
        .order_by(HazardEvent.received_at, HazardEvent.version)
    ):
        latest[hazard_id] = (list(photos or []), comment or "", fixer)
    return latest


def _received(session: Session, shas: set[str]) -> set[str]:
    """Which of these photos are on the server."""
    if not shas:
        return set()
    return set(
        session.execute(sa_select(Photo.sha256).where(col(Photo.sha256).in_(sorted(shas))))
        .scalars()
        .all()
    )


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per school and per department: the hazards due in the period (and due already) closed
    (验收销号) by their due date, local dates in Asia/Shanghai. Per school, a one-vote veto
    (一票否决) for every high-severity hazard still overdue at the period's end: the plan's
    重大治安安全隐患不能及时采取措施."""
    sites = {s.id: s for s in scoped_sites(session, reach=scope)}
    as_of = min(now, day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE))
    today = local_date(as_of)
    due_rows = session.exec(
        select(Hazard).where(
            col(Hazard.site_id).in_(list(sites) or [-1]),
            col(Hazard.due_date).is_not(None),
            col(Hazard.due_date) >= date_from,
            col(Hazard.due_date) <= min(date_to, today - timedelta(days=1)),
        )
    ).all()
    closed_at = dict(
        session.exec(
            select(HazardEvent.hazard_id, func.max(HazardEvent.event_time))
            .where(
                col(HazardEvent.hazard_id).in_([h.id for h in due_rows] or ["-"]),
                HazardEvent.action == HazardAction.close.value,
            )
            .group_by(col(HazardEvent.hazard_id))
        ).all()
    )

    def on_time(h: Hazard) -> bool:
        closed = closed_at.get(h.id)
        return (
            h.status == HazardStatus.closed.value
            and closed is not None
            and h.due_date is not None
            and local_date(closed) <= h.due_date
        )

    lines = []
    by_school: dict[int, list[Hazard]] = defaultdict(list)
    by_department: dict[str, list[Hazard]] = defaultdict(list)
    for h in due_rows:
        by_school[h.site_id].append(h)
        if h.department:
            by_department[h.department].append(h)
    for site_id, site in sites.items():
        rows = by_school.get(site_id or 0, [])
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(site_id),
                subject_name=site.name,
                criterion="hazards_closed_on_time",
                label_zh="安全隐患按期整改销号",
                label_en="Hazards closed by their due date",
                due=len(rows),
                kept=sum(1 for h in rows if on_time(h)),
            )
        )
    for department, rows in sorted(by_department.items()):
        lines.append(
            AssessmentLine(
                subject_kind="department",
                subject_id=department,
                subject_name=DEPARTMENT[Department(department)][0],
                criterion="hazards_closed_on_time",
                label_zh="交办隐患按期整改销号",
                label_en="Hazards assigned to it closed by their due date",
                due=len(rows),
                kept=sum(1 for h in rows if on_time(h)),
            )
        )
    serious = session.exec(
        select(Hazard).where(
            col(Hazard.site_id).in_(list(sites) or [-1]),
            Hazard.severity == Severity.high.value,
            overdue(as_of),
        )
    ).all()
    for h in serious:
        site = sites[h.site_id]
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(h.site_id),
                subject_name=site.name,
                criterion="serious_hazard_overdue",
                label_zh="重大安全隐患逾期未整改",
                label_en="A serious hazard overdue",
                due=1,
                kept=0,
                veto=True,
                detail_zh=f"{h.description}（应于 {h.due_date} 前整改）",
                detail_en=f"{h.description} (due {h.due_date})",
            )
        )
    return lines

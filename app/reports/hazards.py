"""The hazards board (隐患督办): counts, the list with overdue first, 300 m findings by place."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.hazards import rules
from app.hazards.models import Hazard, HazardEvent, HazardStatus
from app.photos.models import Photo
from app.reports import lookup
from app.reports.models import HazardBoard, HazardRow, PlaceGroup
from app.reports.periods import local_date
from app.sites.models import Site


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

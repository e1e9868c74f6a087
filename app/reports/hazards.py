"""The hazards board (隐患督办): counts, the list with overdue first, 300 m findings by place."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.hazards import rules
from app.hazards.models import Hazard, HazardEvent, HazardStatus
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
    fix_photos = _latest_fix_photos(session, [h.id for h, _ in rows])
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
            fix_photos=fix_photos.get(h.id, []),
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


def _latest_fix_photos(session: Session, hazard_ids: list[str]) -> dict[str, list[str]]:
    """The photos of each hazard's latest rectification (整改), to check before closing."""
    latest: dict[str, list[str]] = {}
    if not hazard_ids:
        return latest
    for hazard_id, photos in session.execute(
        sa_select(HazardEvent.hazard_id, HazardEvent.photos)
        .where(col(HazardEvent.hazard_id).in_(hazard_ids), HazardEvent.action == "rectify")
        .order_by(HazardEvent.received_at, HazardEvent.id)
    ):
        latest[hazard_id] = list(photos or [])
    return latest

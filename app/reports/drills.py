"""Safety lessons and drills for the console: which schools are overdue (last held, days
overdue), per kind, and what was held in a period. The rules are app.drills.rules; this only
reads what was recorded."""

from datetime import date, datetime

from sqlmodel import Session, SQLModel, col, func, select

from app.access import Scope
from app.drills.models import ActivityKind, SafetyActivity
from app.drills.rules import due_state, periods
from app.drills.service import setting_of
from app.reports.models import AssessmentLine
from app.reports.periods import check_range, local_date
from app.reports.scope import scoped_sites
from app.sites.models import Site, SiteKind

SCHOOL_KINDS = (SiteKind.school.value, SiteKind.kindergarten.value)


# One school and one kind: when it was last held and whether it is overdue now.
class SchoolDue(SQLModel):
    site_id: int
    site_name: str
    kind: str  # ActivityKind
    every_days: int
    last_held: date | None
    next_due: date | None  # None: never held
    overdue: bool
    days_overdue: int | None  # None: never held (overdue from the start)
    held_in_period: int


class ActivityRow(SQLModel):
    id: str
    site_id: int
    site_name: str
    kind: str
    held_on: date
    topic: str
    participants: int
    participants_note: str
    photos: list[str]
    recorded_by: int


class DrillReport(SQLModel):
    date_from: date
    date_to: date
    today: date
    overdue: list[SchoolDue]  # never held first, then the most days overdue
    schools: list[SchoolDue]  # every school and kind
    activities: list[ActivityRow]  # held in the period, newest first


def _schools(sites: list[Site]) -> list[Site]:
    return [s for s in sites if s.kind in SCHOOL_KINDS]


def _every(session: Session, site: Site, kind: str, cache: dict) -> int:
    if site.town_id not in cache:
        cache[site.town_id] = setting_of(session, site.town_id)
    row = cache[site.town_id]
    return row.drill_every_days if kind == ActivityKind.drill else row.lesson_every_days


def drills(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> DrillReport:
    """Overdue as of `now` (each school's local date); the activities held date_from..date_to."""
    check_range(date_from, date_to, max_days=400)
    schools = _schools(sites)
    ids = [s.id for s in schools]
    last = {
        (site_id, kind): held
        for site_id, kind, held in session.exec(
            select(SafetyActivity.site_id, SafetyActivity.kind, func.max(SafetyActivity.held_on))
            .where(col(SafetyActivity.site_id).in_(ids or [-1]))
            .group_by(col(SafetyActivity.site_id), col(SafetyActivity.kind))
        ).all()
    }
    held = session.exec(
        select(SafetyActivity)
        .where(
            col(SafetyActivity.site_id).in_(ids or [-1]),
            SafetyActivity.held_on >= date_from,
            SafetyActivity.held_on <= date_to,
        )
        .order_by(col(SafetyActivity.held_on).desc(), col(SafetyActivity.event_time).desc())
    ).all()
    names = {s.id: s.name for s in schools}
    settings: dict = {}
    rows = []
    for site in schools:
        assert site.id is not None
        today = local_date(now, site.timezone)
        for kind in ActivityKind:
            every = _every(session, site, kind, settings)
            last_held = last.get((site.id, kind.value))
            next_due, days = due_state(last_held, every, today)
            rows.append(
                SchoolDue(
                    site_id=site.id,
                    site_name=site.name,
                    kind=kind.value,
                    every_days=every,
                    last_held=last_held,
                    next_due=next_due,
                    overdue=days != 0,
                    days_overdue=None if days < 0 else days,
                    held_in_period=sum(
                        1 for a in held if a.site_id == site.id and a.kind == kind.value
                    ),
                )
            )
    overdue = sorted(
        (r for r in rows if r.overdue),
        key=lambda r: (r.days_overdue is not None, -(r.days_overdue or 0), r.site_name, r.kind),
    )
    return DrillReport(
        date_from=date_from,
        date_to=date_to,
        today=local_date(now),
        overdue=overdue,
        schools=rows,
        activities=[
            ActivityRow(
                id=a.id,
                site_id=a.site_id,
                site_name=names[a.site_id],
                kind=a.kind,
                held_on=a.held_on,
                topic=a.topic,
                participants=a.participants,
                participants_note=a.participants_note,
                photos=a.photos,
                recorded_by=a.recorded_by,
            )
            for a in held
        ],
    )


LABELS = {
    ActivityKind.drill: ("drills_held", "应急预案演练按期开展", "Emergency drills held when due"),
    ActivityKind.lesson: (
        "lessons_held",
        "安全、法制专题教育按期开展",
        "Safety lessons held when due",
    ),
}


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per school and kind: the periods of the town's interval (from date_from, ended by
    today) with one held, of the periods due."""
    schools = _schools(scoped_sites(session, reach=scope, site_ids=[], group_id=None))
    ids = [s.id for s in schools]
    days = {
        (site_id, kind, held_on)
        for site_id, kind, held_on in session.exec(
            select(
                col(SafetyActivity.site_id), col(SafetyActivity.kind), col(SafetyActivity.held_on)
            ).where(
                col(SafetyActivity.site_id).in_(ids or [-1]),
                SafetyActivity.held_on >= date_from,
                SafetyActivity.held_on <= date_to,
            )
        ).all()
    }
    settings: dict = {}
    lines = []
    for site in schools:
        today = local_date(now, site.timezone)
        for kind in ActivityKind:
            every = _every(session, site, kind, settings)
            due = periods(date_from, date_to, every, today)
            kept = sum(
                1
                for start, end in due
                if any(s == site.id and k == kind.value and start <= d <= end for s, k, d in days)
            )
            criterion, zh, en = LABELS[kind]
            missed = len(due) - kept
            lines.append(
                AssessmentLine(
                    subject_kind="school",
                    subject_id=str(site.id),
                    subject_name=site.name,
                    criterion=criterion,
                    label_zh=zh,
                    label_en=en,
                    due=len(due),
                    kept=kept,
                    detail_zh=f"每 {every} 天一次，{missed} 期未开展" if missed else "",
                    detail_en=f"every {every} days; {missed} periods without one" if missed else "",
                )
            )
    return lines

"""Police at the gate (护学岗) for the console: for each post and each school-day gate window
of the period, were officers of its department there? Absent windows first; per department
the windows covered of those due. The rules are app.police.rules; this only reads what they
decided at push time (the window flag) and the posts the admin set up."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, SQLModel, col, select

from app.access import Scope
from app.police.models import PolicePost, PolicePresence
from app.police.rules import covers, school_day, window_ended
from app.reports.models import AssessmentLine
from app.reports.periods import check_range
from app.reports.scope import scoped_sites
from app.sites.models import GateWindow, Site

DEPARTMENT_NAMES = {
    "police_station": ("派出所", "Police station"),
    "traffic_police": ("交警中队", "Traffic police squad"),
}


# One post at one gate window on one local date.
class PostWindow(SQLModel):
    post_id: int
    site_id: int
    site_name: str
    department: str
    local_date: date
    window_id: int
    window_name: str
    window_kind: str
    starts: str
    ends: str
    state: str  # present, absent, pending (not ended yet)
    officers: int = 0  # the most officers one counted check found
    officer_names: list[str] = []
    outside_window: int = 0  # checks outside the window (kept, not counted)


class DepartmentCoverage(SQLModel):
    department: str
    name_zh: str
    name_en: str
    posts: int
    windows_due: int  # ended windows of the period
    windows_covered: int
    windows_absent: int


class PoliceReport(SQLModel):
    date_from: date
    date_to: date
    departments: list[DepartmentCoverage]
    windows: list[PostWindow]  # absent first, then newest first


def police(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> PoliceReport:
    check_range(date_from, date_to)
    site_by_id = {s.id: s for s in sites if s.id is not None}
    posts = session.exec(
        select(PolicePost)
        .where(col(PolicePost.site_id).in_(list(site_by_id) or [-1]), PolicePost.active)
        .order_by(col(PolicePost.site_id), col(PolicePost.department))
    ).all()
    post_sites = list({p.site_id for p in posts})
    windows = session.exec(
        select(GateWindow)
        .where(col(GateWindow.site_id).in_(post_sites or [-1]), GateWindow.active)
        .order_by(col(GateWindow.starts))
    ).all()
    checks = session.exec(
        select(PolicePresence).where(
            col(PolicePresence.post_id).in_([p.id for p in posts] or [-1]),
            PolicePresence.local_date >= date_from,
            PolicePresence.local_date <= date_to,
        )
    ).all()
    by_key: dict[tuple[int, int, date], list[PolicePresence]] = {}
    for c in checks:
        by_key.setdefault((c.post_id, c.window_id, c.local_date), []).append(c)
    recorded_days = {(c.post_id, c.local_date) for c in checks}
    rows: list[PostWindow] = []
    for post in posts:
        site = site_by_id[post.site_id]
        assert post.id is not None and site.id is not None
        day = date_from
        while day <= date_to:
            if school_day(day) or (post.id, day) in recorded_days:
                for w in (w for w in windows if w.site_id == post.site_id):
                    assert w.id is not None
                    found = by_key.get((post.id, w.id, day), [])
                    counted = [c for c in found if covers(c.officers, c.window_flag)]
                    best = max(counted, key=lambda c: c.officers, default=None)
                    if best is not None:
                        state = "present"
                    elif window_ended(now, day, w.ends, site.timezone):
                        state = "absent"
                    else:
                        state = "pending"
                    rows.append(
                        PostWindow(
                            post_id=post.id,
                            site_id=site.id,
                            site_name=site.name,
                            department=post.department,
                            local_date=day,
                            window_id=w.id,
                            window_name=w.name,
                            window_kind=w.kind,
                            starts=w.starts.strftime("%H:%M"),
                            ends=w.ends.strftime("%H:%M"),
                            state=state,
                            officers=best.officers if best else 0,
                            officer_names=list(best.officer_names) if best else [],
                            outside_window=sum(1 for c in found if c.window_flag),
                        )
                    )
            day += timedelta(days=1)
    departments = []
    for code, (zh, en) in DEPARTMENT_NAMES.items():
        mine = [r for r in rows if r.department == code]
        if not any(p.department == code for p in posts):
            continue
        departments.append(
            DepartmentCoverage(
                department=code,
                name_zh=zh,
                name_en=en,
                posts=sum(1 for p in posts if p.department == code),
                windows_due=sum(1 for r in mine if r.state != "pending"),
                windows_covered=sum(1 for r in mine if r.state == "present"),
                windows_absent=sum(1 for r in mine if r.state == "absent"),
            )
        )
    order = {"absent": 0, "pending": 1, "present": 2}
    rows.sort(key=lambda r: (order[r.state], -r.local_date.toordinal(), r.site_name, r.starts))
    return PoliceReport(date_from=date_from, date_to=date_to, departments=departments, windows=rows)


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per department that posts officers: the gate windows covered of those due."""
    sites = scoped_sites(session, reach=scope, site_ids=[], group_id=None)
    report = police(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    return [
        AssessmentLine(
            subject_kind="department",
            subject_id=d.department,
            subject_name=d.name_zh,
            criterion="police_windows_covered",
            label_zh="护学岗上学放学到岗",
            label_en="Gate windows with officers at the post",
            due=d.windows_due,
            kept=d.windows_covered,
            detail_zh=f"{d.windows_absent} 个时段无警力到岗" if d.windows_absent else "",
            detail_en=f"{d.windows_absent} windows without officers" if d.windows_absent else "",
        )
        for d in report.departments
    ]

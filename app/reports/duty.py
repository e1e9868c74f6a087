"""Leadership duty (领导值班和带班) for the console: per school and day, was a duty cadre
planned, and did the cadre (or the substitute named) record the day? Days with no plan and
planned days not kept, per school; the school's days kept of those due. The rules are
app.duty.rules; this only reads the plans and what the pushes stored."""

from datetime import date, datetime

from sqlmodel import Session, SQLModel, col, select

from app.access import Scope
from app.auth.models import User
from app.duty.models import DutyPlanDay, DutyRecord
from app.duty.rules import day_ended, days_between, duty_day
from app.reports.models import AssessmentLine
from app.reports.periods import check_range
from app.reports.scope import scoped_sites
from app.sites.models import Site


# One school on one day.
class DutyDay(SQLModel):
    site_id: int
    site_name: str
    day: date
    # kept: recorded by the cadre or substitute; not_kept: planned, not recorded (or recorded
    # outside the day); no_plan: nobody planned; pending: the day is not over yet.
    state: str
    cadre_name: str | None = None
    substitute_name: str | None = None
    recorded_by_name: str | None = None
    as_substitute: bool = False
    round_note: str = ""
    record_id: str | None = None


class DutySchool(SQLModel):
    site_id: int
    site_name: str
    days_due: int
    days_kept: int
    days_no_plan: int
    days_not_kept: int


class DutyReport(SQLModel):
    date_from: date
    date_to: date
    schools: list[DutySchool]
    no_plan: list[DutyDay]  # school days nobody was planned for, newest first
    not_kept: list[DutyDay]  # planned days the cadre did not record, newest first
    days: list[DutyDay]  # every school-day of the period


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.exec(
        select(User.id, User.display_name).where(col(User.id).in_(ids or {-1}))
    ).all()
    return {int(i): n for i, n in rows if i is not None}


def duty(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> DutyReport:
    check_range(date_from, date_to)
    schools = {s.id: s for s in sites if s.id is not None and s.kind != "key_place"}
    plans = session.exec(
        select(DutyPlanDay).where(
            col(DutyPlanDay.site_id).in_(list(schools) or [-1]),
            DutyPlanDay.day >= date_from,
            DutyPlanDay.day <= date_to,
        )
    ).all()
    records = session.exec(
        select(DutyRecord).where(
            col(DutyRecord.site_id).in_(list(schools) or [-1]),
            DutyRecord.day >= date_from,
            DutyRecord.day <= date_to,
        )
    ).all()
    plan_of = {(p.site_id, p.day): p for p in plans}
    record_of = {(r.site_id, r.day): r for r in records}
    names = _names(
        session,
        {p.cadre_id for p in plans}
        | {p.substitute_id for p in plans if p.substitute_id}
        | {r.recorded_by for r in records},
    )
    days: list[DutyDay] = []
    for site_id, site in schools.items():
        for day in days_between(date_from, date_to):
            plan, record = plan_of.get((site_id, day)), record_of.get((site_id, day))
            if not duty_day(day, plan is not None):
                continue
            kept = record is not None and record.day_flag is None
            if kept:
                state = "kept"
            elif not day_ended(now, day, site.timezone):
                state = "pending"
            else:
                state = "no_plan" if plan is None else "not_kept"
            days.append(
                DutyDay(
                    site_id=site_id,
                    site_name=site.name,
                    day=day,
                    state=state,
                    cadre_name=names.get(plan.cadre_id) if plan else None,
                    substitute_name=names.get(plan.substitute_id)
                    if plan and plan.substitute_id
                    else None,
                    recorded_by_name=names.get(record.recorded_by) if record else None,
                    as_substitute=bool(record and record.as_substitute),
                    round_note=record.round_note if record else "",
                    record_id=record.id if record else None,
                )
            )
    summary = []
    for site_id, site in schools.items():
        mine = [d for d in days if d.site_id == site_id and d.state != "pending"]
        summary.append(
            DutySchool(
                site_id=site_id,
                site_name=site.name,
                days_due=len(mine),
                days_kept=sum(1 for d in mine if d.state == "kept"),
                days_no_plan=sum(1 for d in mine if d.state == "no_plan"),
                days_not_kept=sum(1 for d in mine if d.state == "not_kept"),
            )
        )

    def newest(state: str) -> list[DutyDay]:
        return sorted((d for d in days if d.state == state), key=lambda d: d.day, reverse=True)

    return DutyReport(
        date_from=date_from,
        date_to=date_to,
        schools=summary,
        no_plan=newest("no_plan"),
        not_kept=newest("not_kept"),
        days=days,
    )


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per school: the days of leadership duty kept (planned and recorded) of those due."""
    sites = scoped_sites(session, reach=scope, site_ids=[], group_id=None)
    report = duty(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    lines = []
    for s in report.schools:
        gaps_zh = []
        gaps_en = []
        if s.days_no_plan:
            gaps_zh.append(f"{s.days_no_plan} 天未排班")
            gaps_en.append(f"{s.days_no_plan} days not planned")
        if s.days_not_kept:
            gaps_zh.append(f"{s.days_not_kept} 天值班未登记")
            gaps_en.append(f"{s.days_not_kept} planned days not recorded")
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(s.site_id),
                subject_name=s.site_name,
                criterion="duty_days_kept",
                label_zh="领导值班和带班",
                label_en="Leadership duty days kept",
                due=s.days_due,
                kept=s.days_kept,
                detail_zh="，".join(gaps_zh),
                detail_en="; ".join(gaps_en),
            )
        )
    return lines

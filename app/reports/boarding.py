"""Boarding pupils (住宿生) for the console: which dormitories missed a night's bed-time roll
call, who was absent and why (不明去向 first), who has not come back from leave, and who came
back late. The rules are app.boarding.rules; this only reads what they decided."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, SQLModel, col, select

from app.access import Scope
from app.boarding.models import AbsenceReason, BoardingPupil, Dormitory, PupilLeave, RollCall
from app.boarding.rules import night_due, overdue
from app.reports.models import AssessmentLine
from app.reports.periods import check_range, day_start
from app.reports.scope import scoped_sites
from app.sites.models import DEFAULT_TIMEZONE, Site


# One dormitory on one night: held, missed, or not judged yet (the night is not over).
class DormNight(SQLModel):
    site_id: int
    site_name: str
    dormitory_id: int
    dormitory_name: str
    night: date
    state: str  # held, missed, pending
    expected: int | None = None
    present: int | None = None
    missing: int = 0  # absent, whereabouts unknown (不明去向)
    roll_call_id: str | None = None


class AbsentPupil(SQLModel):
    site_name: str
    dormitory_name: str
    night: date
    pupil_id: int
    name: str
    reason: str  # AbsenceReason
    note: str


class LeaveRow(SQLModel):
    id: str
    site_id: int
    site_name: str
    pupil_id: int
    pupil_name: str
    class_name: str
    reason: str
    approved_by_name: str
    out_at: datetime
    expected_back_at: datetime
    back_at: datetime | None
    overdue: bool  # not back and the expected return has passed
    late: bool  # came back after the expected return


class BoardingSchool(SQLModel):
    site_id: int
    site_name: str
    dormitories: int
    pupils: int
    nights_due: int  # dorm-nights judged in the period
    nights_held: int
    nights_missed: int


class BoardingReport(SQLModel):
    date_from: date
    date_to: date
    schools: list[BoardingSchool]
    missed: list[DormNight]  # the roll calls not taken, newest first
    nights: list[DormNight]  # every dorm-night of the period
    absent: list[AbsentPupil]  # missing (不明去向) first
    present_on_leave: list[AbsentPupil]  # ticked present with an open leave
    overdue_leaves: list[LeaveRow]  # not back now, though they should be
    late_returns: list[LeaveRow]  # came back late in the period


def _boarding_sites(session: Session, sites: list[Site]) -> tuple[list[Site], list[Dormitory]]:
    ids = [s.id for s in sites]
    dorms = session.exec(
        select(Dormitory)
        .where(col(Dormitory.site_id).in_(ids or [-1]), Dormitory.active)
        .order_by(col(Dormitory.site_id), col(Dormitory.name))
    ).all()
    with_dorms = {d.site_id for d in dorms}
    return [s for s in sites if s.id in with_dorms], list(dorms)


def boarding(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> BoardingReport:
    """Nights date_from..date_to (the schools' local dates); leaves overdue as of `now`."""
    check_range(date_from, date_to)
    schools, dorms = _boarding_sites(session, sites)
    site_by_id: dict[int, Site] = {_id(s.id): s for s in schools}
    dorm_by_id: dict[int, Dormitory] = {_id(d.id): d for d in dorms}
    calls = session.exec(
        select(RollCall).where(
            col(RollCall.dormitory_id).in_(list(dorm_by_id) or [-1]),
            RollCall.night >= date_from,
            RollCall.night <= date_to,
        )
    ).all()
    by_key = {(c.dormitory_id, c.night): c for c in calls}
    nights: list[DormNight] = []
    absent: list[AbsentPupil] = []
    on_leave_present: list[AbsentPupil] = []
    pupil_names = _pupil_names(session, list(site_by_id))
    for dorm_id, dorm in dorm_by_id.items():
        site = site_by_id[dorm.site_id]
        night = date_from
        while night <= date_to:
            call = by_key.get((dorm_id, night))
            state = (
                "held"
                if call
                else ("missed" if night_due(night, now, site.timezone) else "pending")
            )
            nights.append(
                DormNight(
                    site_id=dorm.site_id,
                    site_name=site.name,
                    dormitory_id=dorm_id,
                    dormitory_name=dorm.name,
                    night=night,
                    state=state,
                    expected=call.expected if call else None,
                    present=call.present if call else None,
                    missing=call.missing if call else 0,
                    roll_call_id=call.id if call else None,
                )
            )
            if call:
                absent += [
                    AbsentPupil(
                        site_name=site.name,
                        dormitory_name=dorm.name,
                        night=night,
                        pupil_id=a["pupil_id"],
                        name=a["name"],
                        reason=a["reason"],
                        note=a.get("note", ""),
                    )
                    for a in call.absences
                ]
                on_leave_present += [
                    AbsentPupil(
                        site_name=site.name,
                        dormitory_name=dorm.name,
                        night=night,
                        pupil_id=i,
                        name=pupil_names.get(i, ("", ""))[0],
                        reason=AbsenceReason.on_leave.value,
                        note="",
                    )
                    for i in call.present_on_leave
                ]
            night += timedelta(days=1)
    absent.sort(key=lambda a: (a.reason != AbsenceReason.missing, a.night, a.site_name, a.name))
    leaves = _leaves(session, site_by_id, pupil_names, date_from, date_to, now)
    summary = []
    for site_id, site in site_by_id.items():
        judged = [n for n in nights if n.site_id == site_id and n.state != "pending"]
        summary.append(
            BoardingSchool(
                site_id=site_id,
                site_name=site.name,
                dormitories=sum(1 for d in dorms if d.site_id == site_id),
                pupils=sum(1 for _, s in pupil_names.values() if s == site_id),
                nights_due=len(judged),
                nights_held=sum(1 for n in judged if n.state == "held"),
                nights_missed=sum(1 for n in judged if n.state == "missed"),
            )
        )
    missed = sorted((n for n in nights if n.state == "missed"), key=lambda n: n.night, reverse=True)
    return BoardingReport(
        date_from=date_from,
        date_to=date_to,
        schools=summary,
        missed=missed,
        nights=nights,
        absent=absent,
        present_on_leave=on_leave_present,
        overdue_leaves=[row for row in leaves if row.overdue],
        late_returns=[
            row
            for row in leaves
            if row.late and row.back_at is not None and _in_period(row.back_at, date_from, date_to)
        ],
    )


def _id(value: int | None) -> int:
    assert value is not None  # a stored row
    return value


def _in_period(at: datetime, date_from: date, date_to: date) -> bool:
    return (
        day_start(date_from, DEFAULT_TIMEZONE)
        <= at
        < day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE)
    )


def _pupil_names(session: Session, site_ids: list[int]) -> dict[int, tuple[str, int]]:
    """pupil id -> (name, site id), active or not (a report names who it was)."""
    rows = session.exec(
        select(BoardingPupil.id, BoardingPupil.name, BoardingPupil.site_id).where(
            col(BoardingPupil.site_id).in_(site_ids or [-1])
        )
    ).all()
    return {int(i): (name, site_id) for i, name, site_id in rows if i is not None}


def _leaves(
    session: Session,
    site_by_id: dict,
    pupil_names: dict[int, tuple[str, int]],
    date_from: date,
    date_to: date,
    now: datetime,
) -> list[LeaveRow]:
    """Leaves open now, and those that came back from date_from on."""
    since = day_start(date_from, DEFAULT_TIMEZONE)
    rows = session.exec(
        select(PupilLeave, BoardingPupil.class_name)
        .join(BoardingPupil, col(BoardingPupil.id) == PupilLeave.pupil_id)
        .where(
            col(PupilLeave.site_id).in_(list(site_by_id) or [-1]),
            col(PupilLeave.back_at).is_(None) | (col(PupilLeave.back_at) >= since),
        )
        .order_by(col(PupilLeave.expected_back_at))
    ).all()
    return [
        LeaveRow(
            id=leave.id,
            site_id=leave.site_id,
            site_name=site_by_id[leave.site_id].name,
            pupil_id=leave.pupil_id,
            pupil_name=pupil_names.get(leave.pupil_id, ("", 0))[0],
            class_name=class_name,
            reason=leave.reason,
            approved_by_name=leave.approved_by_name,
            out_at=leave.event_time,
            expected_back_at=leave.expected_back_at,
            back_at=leave.back_at,
            overdue=overdue(leave.expected_back_at, leave.back_at, now),
            late=leave.late,
        )
        for leave, class_name in rows
    ]


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per boarding school: the nights' roll calls held of those due, and the leaves that
    came back on time of those due back in the period."""
    sites = scoped_sites(session, reach=scope, site_ids=[], group_id=None)
    report = boarding(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    lines = []
    for school in report.schools:
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(school.site_id),
                subject_name=school.site_name,
                criterion="roll_calls_held",
                label_zh="住宿生晚间就寝点名",
                label_en="Boarding roll calls held",
                due=school.nights_due,
                kept=school.nights_held,
                detail_zh=f"{school.nights_missed} 个宿舍夜未点名" if school.nights_missed else "",
                detail_en=f"{school.nights_missed} dorm-nights without a roll call"
                if school.nights_missed
                else "",
            )
        )
    return lines

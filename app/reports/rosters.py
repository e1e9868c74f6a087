"""Rosters (值班表) against who actually patrolled, late or missing rosters, and the 通报 list."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.access import Scope
from app.groups.models import PatrolGroup, Roster, RosterShift, RosterShiftMember
from app.reports import lookup
from app.reports.models import (
    AssessmentLine,
    GroupRosterCheck,
    NoticeItem,
    RosterReport,
    RosterShiftCheck,
)
from app.reports.periods import check_range, day_start, zone
from app.reports.scope import scoped_group_ids
from app.reports.sweep import COUNTED, MAX_SHIFT_S
from app.shifts import rules as shift_rules
from app.shifts.models import PatrolShift, ShiftMember, ShiftStatus
from app.sites.models import DEFAULT_TIMEZONE

ROSTER_STATUS_RANK = {"on_time": 0, "pending": 1, "late": 2, "not_submitted": 3, "none": 4}


def rosters(
    session: Session,
    *,
    group_ids: list[int],
    date_from: date,
    date_to: date,
    now: datetime,
) -> RosterReport:
    """Planned duty against who actually patrolled; late or missing rosters; the 通报 list.
    A planned person is present when counted shifts at that site listing them cover
    PRESENT_SHARE of the planned time (of its part so far while it is under way); planned
    duties that have not started yet are not judged."""
    check_range(date_from, date_to)
    lo = day_start(date_from, DEFAULT_TIMEZONE)
    hi = day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE)
    group_rows = (
        session.exec(
            select(PatrolGroup).where(col(PatrolGroup.id).in_(group_ids)).order_by(PatrolGroup.id)
        ).all()
        if group_ids
        else []
    )
    leaders = lookup.user_names(session, {g.leader_id for g in group_rows if g.leader_id})
    roster_rows = (
        session.exec(
            select(Roster).where(
                col(Roster.group_id).in_(group_ids),
                Roster.period_start <= date_to,
                Roster.period_end >= date_from,
            )
        ).all()
        if group_ids
        else []
    )
    roster_group = {r.id: r.group_id for r in roster_rows}
    planned = (
        session.exec(
            select(RosterShift).where(
                col(RosterShift.roster_id).in_(list(roster_group)),
                RosterShift.starts_at < min(hi, now),
                RosterShift.ends_at > lo,
            )
        ).all()
        if roster_group
        else []
    )
    planned_members: dict[int, set[int]] = defaultdict(set)
    if planned:
        for rs_id, user_id in session.exec(
            select(RosterShiftMember.roster_shift_id, RosterShiftMember.user_id).where(
                col(RosterShiftMember.roster_shift_id).in_([p.id for p in planned])
            )
        ):
            planned_members[rs_id].add(user_id)
    actual = _actual_people(session, planned, now)
    all_people = set().union(*planned_members.values()) if planned_members else set()
    names = lookup.user_names(session, all_people)
    site_names = lookup.site_names(session, {p.site_id for p in planned})

    per_group: dict[int, GroupRosterCheck] = {}
    for g in group_rows:
        per_group[g.id] = GroupRosterCheck(
            group_id=g.id,
            group_name=g.name,
            leader_name=leaders.get(g.leader_id),
            rosters=0,
            roster_status="none",
            planned_person_shifts=0,
            present_person_shifts=0,
            absences=[],
        )
    for r in roster_rows:
        check = per_group[r.group_id]
        check.rosters += 1
        status = _roster_status(r, now)
        if (
            check.rosters == 1
            or ROSTER_STATUS_RANK[status] > ROSTER_STATUS_RANK[check.roster_status]
        ):
            check.roster_status = status
    for p in sorted(planned, key=lambda p: p.starts_at):
        check = per_group[roster_group[p.roster_id]]
        want = planned_members.get(p.id, set())
        present = want & actual.get(p.id, set())
        check.planned_person_shifts += len(want)
        check.present_person_shifts += len(present)
        absent = sorted(want - present)
        if absent:
            check.absences.append(
                RosterShiftCheck(
                    roster_shift_id=p.id,
                    site_id=p.site_id,
                    site_name=site_names.get(p.site_id, ""),
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    planned_ids=sorted(want),
                    present_ids=sorted(present),
                    absent_ids=absent,
                    absent_names=[names.get(u, str(u)) for u in absent],
                )
            )
    notice: list[NoticeItem] = []
    shanghai = zone(DEFAULT_TIMEZONE)
    labels = {
        "none": "未报送值班表",
        "not_submitted": "值班表逾期未报送",
        "late": "值班表逾期报送",
    }
    for check in per_group.values():
        base = {
            "group_id": check.group_id,
            "group_name": check.group_name,
            "leader_name": check.leader_name,
        }
        if check.roster_status in labels:
            issue = {"none": "no_roster", "not_submitted": "roster_not_submitted"}.get(
                check.roster_status, "roster_late"
            )
            notice.append(NoticeItem(**base, issue=issue, detail=labels[check.roster_status]))
        for a in check.absences:
            when = a.starts_at.astimezone(shanghai)
            until = a.ends_at.astimezone(shanghai)
            notice.append(
                NoticeItem(
                    **base,
                    issue="absent",
                    detail=f"{when:%Y-%m-%d %H:%M}–{until:%H:%M} {a.site_name}："
                    f"{'、'.join(a.absent_names)} 未到岗",
                )
            )
    return RosterReport(
        date_from=date_from, date_to=date_to, groups=list(per_group.values()), notice=notice
    )


def _roster_status(roster: Roster, now: datetime) -> str:
    if roster.submitted_at is None:
        return "not_submitted" if roster.due_at is not None and roster.due_at < now else "pending"
    if roster.due_at is not None and roster.submitted_at > roster.due_at:
        return "late"
    return "on_time"


def _actual_people(
    session: Session, planned: list[RosterShift], now: datetime
) -> dict[int, set[int]]:
    """Per planned duty: the people whose counted shifts at its site cover the share of it
    that makes them present (app.shifts.rules.is_present)."""
    if not planned:
        return {}
    lo = min(p.starts_at for p in planned) - timedelta(seconds=MAX_SHIFT_S)
    hi = max(p.ends_at for p in planned)
    rows = session.execute(
        sa_select(
            PatrolShift.site_id,
            PatrolShift.event_time,
            PatrolShift.ended_at,
            PatrolShift.status,
            ShiftMember.user_id,
        )
        .join(ShiftMember, ShiftMember.shift_id == PatrolShift.id)
        .where(
            col(PatrolShift.site_id).in_({p.site_id for p in planned}),
            col(PatrolShift.status).in_(COUNTED),
            ShiftMember.counted,
            PatrolShift.event_time >= lo,
            PatrolShift.event_time < hi,
        )
    ).all()
    by_site: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    cap = timedelta(seconds=MAX_SHIFT_S)
    for site_id, start, ended, status, user_id in rows:
        end = now if status == ShiftStatus.open else ended
        if end is None:
            continue
        by_site[site_id].append((start, min(end, start + cap), user_id))
    out: dict[int, set[int]] = {}
    for p in planned:
        # A duty still under way is judged on its part so far.
        duty = (p.starts_at, min(p.ends_at, now))
        worked: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for s, e, u in by_site.get(p.site_id, ()):
            if s < duty[1] and e > duty[0]:
                worked[u].append((s, e))
        out[p.id] = {u for u, spans in worked.items() if shift_rules.is_present(duty, spans)}
    return out


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per patrol group: rosters handed in on time, and the planned people in place (the
    figures of the roster report, which the 通报 lists too)."""
    group_ids = scoped_group_ids(session, reach=scope, group_id=None)
    report = rosters(session, group_ids=group_ids, date_from=date_from, date_to=date_to, now=now)
    lines = []
    for g in report.groups:
        base = dict(subject_kind="group", subject_id=str(g.group_id), subject_name=g.group_name)
        judged = g.roster_status in ("on_time", "late", "not_submitted")
        lines.append(
            AssessmentLine(
                **base,
                criterion="roster_on_time",
                label_zh="值班表按时上报",
                label_en="Roster handed in on time",
                due=1 if judged else 0,
                kept=1 if g.roster_status == "on_time" else 0,
                detail_zh=ROSTER_STATUS_ZH.get(g.roster_status, ""),
                detail_en=g.roster_status,
            )
        )
        lines.append(
            AssessmentLine(
                **base,
                criterion="people_in_place",
                label_zh="值班人员到岗",
                label_en="Planned people in place",
                due=g.planned_person_shifts,
                kept=g.present_person_shifts,
            )
        )
    return lines


ROSTER_STATUS_ZH = {
    "on_time": "按时上报",
    "late": "迟交",
    "not_submitted": "未上报",
    "pending": "未到截止时间",
    "none": "无值班表",
}

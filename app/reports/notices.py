"""The report areas a notice (通报) is drafted from, and the notices' and veto cases' lines
of the year-end assessment.

Each area's lines are the figures one report already gives, read from that report and never
computed a second way: the roster report's 通报 list (rosters late or not handed in, planned
people not in place), the coverage summary (stretches nobody patrolled), the gate report's
shortfalls, the hazard board's overdue hazards, the boarding report's missed roll calls.

In the assessment a subject's notices are informational (due 0, so they never move the
score): their lines are the very failures the assessment's criteria already count, and the
supervisor's choice of what to draft, drop or withdraw must not change a score. Veto cases
count (veto): they can only take a subject down, never up; withdrawn ones are listed, not
counted."""

from collections import defaultdict
from datetime import date, datetime

from sqlmodel import Session, col, select

from app.access import Scope
from app.notices.areas import Area, DraftLine, Within, register
from app.notices.models import Notice, NoticeLine, NoticeStatus, VetoCase
from app.reports import boarding, coverage, gate, hazards, rosters
from app.reports.models import AssessmentLine
from app.reports.periods import local_date, zone
from app.sites.models import DEFAULT_TIMEZONE

ROSTER_EN = {
    "no_roster": "no duty roster",
    "roster_not_submitted": "roster not handed in by its deadline",
    "roster_late": "roster handed in late",
}


def roster_lines(session, within: Within, date_from, date_to, now) -> list[DraftLine]:
    """The roster report's 通报 list: rosters missing, not handed in by their deadline, late."""
    report = rosters.rosters(
        session, group_ids=within.group_ids, date_from=date_from, date_to=date_to, now=now
    )
    return [
        DraftLine(
            subject_kind="group",
            subject_id=str(item.group_id),
            subject_name=item.group_name,
            issue=item.issue,
            ref=f"roster:{item.group_id}",
            detail_zh=item.detail,
            detail_en=ROSTER_EN[item.issue],
        )
        for item in report.notice
        if item.issue != "absent"
    ]


def presence_lines(session, within: Within, date_from, date_to, now) -> list[DraftLine]:
    """The roster report's planned duties with people not in place (its 通报 list's 未到岗)."""
    report = rosters.rosters(
        session, group_ids=within.group_ids, date_from=date_from, date_to=date_to, now=now
    )
    shanghai = zone(DEFAULT_TIMEZONE)
    out = []
    for g in report.groups:
        for a in g.absences:
            when = a.starts_at.astimezone(shanghai)
            until = a.ends_at.astimezone(shanghai)
            span = f"{when:%Y-%m-%d %H:%M}–{until:%H:%M}"
            out.append(
                DraftLine(
                    subject_kind="group",
                    subject_id=str(g.group_id),
                    subject_name=g.group_name,
                    issue="absent",
                    ref=f"absent:{a.roster_shift_id}",
                    detail_zh=f"{span} {a.site_name}：{'、'.join(a.absent_names)} 未到岗"
                    f"（应到 {len(a.planned_ids)} 人，实到 {len(a.present_ids)} 人）",
                    detail_en=f"{span} {a.site_name}: {', '.join(a.absent_names)} not in "
                    f"place ({len(a.present_ids)} of {len(a.planned_ids)} planned)",
                )
            )
    return out


def coverage_lines(session, within, date_from, date_to, now) -> list[DraftLine]:
    sites = [s for s in within.sites if s.required_patrol_staff > 0]
    report = coverage.coverage_summary(
        session, sites=sites, date_from=date_from, date_to=date_to, now=now
    )
    out = []
    for s in report.sites:
        if s.gap_h <= 0 and s.under_h <= 0:
            continue
        out.append(
            DraftLine(
                subject_kind="school",
                subject_id=str(s.site_id),
                subject_name=s.site_name,
                issue="not_covered",
                ref=f"coverage:{s.site_id}",
                detail_zh=f"{s.days_with_gap} 天出现无人巡逻时段，共 {s.gap_h:.1f} 小时；"
                f"{s.days_understaffed} 天值班人数不足，共 {s.under_h:.1f} 小时",
                detail_en=f"{s.days_with_gap} days with unpatrolled hours ({s.gap_h:.1f} h); "
                f"{s.days_understaffed} days understaffed ({s.under_h:.1f} h)",
            )
        )
    return out


def gate_lines(session, within, date_from, date_to, now) -> list[DraftLine]:
    sites = [s for s in within.sites if s.required_gate_staff > 0 and s.kind != "key_place"]
    report = gate.gate(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    return [
        DraftLine(
            subject_kind="school",
            subject_id=str(w.site_id),
            subject_name=w.site_name,
            issue="gate_short",
            ref=f"gate:{w.window_id}:{w.date}",
            detail_zh=f"{w.date} {w.window_name}：到岗 {w.checked_in} 人，应不少于 {w.required} 人",
            detail_en=f"{w.date} {w.window_name}: {w.checked_in} on duty of {w.required} required",
        )
        for w in report.shortfalls
    ]


def hazard_lines(session, within, date_from, date_to, now) -> list[DraftLine]:
    board = hazards.hazard_board(session, sites=within.sites, all_sites=False, now=now, limit=5000)
    out = []
    for h in board.hazards:
        if not h.overdue or h.due_date is None or h.due_date > date_to:
            continue
        out.append(
            DraftLine(
                subject_kind="school",
                subject_id=str(h.site_id),
                subject_name=h.site_name,
                issue="hazard_overdue",
                ref=f"hazard:{h.id}",
                detail_zh=f"{h.description}：应于 {h.due_date} 前整改，逾期未整改",
                detail_en=f"{h.description}: due {h.due_date}, overdue",
            )
        )
    return out


def boarding_lines(session, within, date_from, date_to, now) -> list[DraftLine]:
    report = boarding.boarding(
        session, sites=within.sites, date_from=date_from, date_to=date_to, now=now
    )
    return [
        DraftLine(
            subject_kind="school",
            subject_id=str(n.site_id),
            subject_name=n.site_name,
            issue="roll_call_missed",
            ref=f"boarding:{n.dormitory_id}:{n.night}",
            detail_zh=f"{n.night} {n.dormitory_name} 未进行晚间就寝点名",
            detail_en=f"{n.night} {n.dormitory_name}: no bed-time roll call",
        )
        for n in report.missed
    ]


# The areas of the patrol, gate, hazard and boarding reports; the other areas of the plan add
# theirs with register(Area(...)) next to their report.
register(Area("rosters", "值班表报送", "Duty rosters handed in", roster_lines))
register(Area("presence", "值班人员到岗", "Planned people in place", presence_lines))
register(Area("coverage", "24小时巡逻覆盖", "24-hour patrol coverage", coverage_lines))
register(Area("gate", "校门口上学放学值班", "Gate duty at arrival and dismissal", gate_lines))
register(Area("hazards", "安全隐患逾期未整改", "Hazards overdue", hazard_lines))
register(Area("boarding", "住宿生晚间就寝点名", "Boarding roll calls", boarding_lines))


# --- the year-end assessment ------------------------------------------------------------------


def _within_reach(scope: Scope, kind: str, subject_id: str) -> bool:
    if scope.sees_everything:
        return True  # the town_ids filter of the query is the reach
    if kind == "group":
        return subject_id.isdigit() and scope.sees_group(int(subject_id))
    if kind == "school":
        return subject_id.isdigit() and scope.sees_site(int(subject_id))
    return False


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per subject: the notices issued against it whose own period ends in the assessment's
    (a notice of late December issued in January is of the old year; informational, due 0),
    and the veto cases standing against it (veto); withdrawn ones listed, not counted."""
    towns = sorted(scope.town_ids) or [-1]
    rows = session.exec(
        select(Notice, NoticeLine)
        .join(NoticeLine, col(NoticeLine.notice_id) == Notice.id)
        .where(
            col(Notice.town_id).in_(towns),
            col(Notice.status).in_([NoticeStatus.issued.value, NoticeStatus.withdrawn.value]),
            col(Notice.issued_at) <= now,
            Notice.date_to >= date_from,  # a notice counts in the period its own period ends in
            Notice.date_to <= date_to,
            col(NoticeLine.dropped).is_(False),
        )
        .order_by(col(Notice.issued_at), col(NoticeLine.position))
    ).all()
    per_subject: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"name": "", "issued": {}, "withdrawn": {}}
    )
    for notice, line in rows:
        if not _within_reach(scope, line.subject_kind, line.subject_id):
            continue
        entry = per_subject[(line.subject_kind, line.subject_id)]
        entry["name"] = line.subject_name
        which = "issued" if notice.status == NoticeStatus.issued.value else "withdrawn"
        entry[which].setdefault(notice.number, 0)
        entry[which][notice.number] += 1
    out = []
    for (kind, subject_id), entry in per_subject.items():
        issued, withdrawn = entry["issued"], entry["withdrawn"]
        zh = "、".join(f"{n}（{c} 条）" for n, c in issued.items())
        en = ", ".join(f"{n} ({c} lines)" for n, c in issued.items())
        if withdrawn:
            zh += f"；已撤销：{'、'.join(withdrawn)}"
            en += f"; withdrawn: {', '.join(withdrawn)}"
        out.append(
            AssessmentLine(
                subject_kind=kind,
                subject_id=subject_id,
                subject_name=entry["name"],
                criterion="notices",
                label_zh=f"被通报 {len(issued)} 次（仅供参考，不计分）",
                label_en=f"Publicly reported {len(issued)} times (informational, not scored)",
                due=0,
                kept=0,
                detail_zh=zh.lstrip("；"),
                detail_en=en.lstrip("; "),
            )
        )
    cases = session.exec(
        select(VetoCase)
        .where(
            col(VetoCase.town_id).in_(towns),
            VetoCase.occurred_on >= date_from,
            VetoCase.occurred_on <= min(date_to, local_date(now)),
        )
        .order_by(col(VetoCase.occurred_on), col(VetoCase.id))
    ).all()
    for c in cases:
        if not _within_reach(scope, c.subject_kind, c.subject_id):
            continue
        standing = c.withdrawn_at is None or c.withdrawn_at > now
        evidence = f"佐证：{c.evidence_label}"
        out.append(
            AssessmentLine(
                subject_kind=c.subject_kind,
                subject_id=c.subject_id,
                subject_name=c.subject_name,
                criterion="veto_case" if standing else "veto_case_withdrawn",
                label_zh="一票否决事项" if standing else "一票否决事项（已撤销，不计）",
                label_en="One-vote veto case"
                if standing
                else "One-vote veto case (withdrawn, not counted)",
                due=1 if standing else 0,
                kept=0,
                veto=standing,
                detail_zh=f"{c.occurred_on} {c.reason}（{evidence}）"
                + ("" if standing else f"；撤销理由：{c.withdraw_reason}"),
                detail_en=f"{c.occurred_on} {c.reason} (evidence: {c.evidence_label})"
                + ("" if standing else f"; withdrawn: {c.withdraw_reason}"),
            )
        )
    return out

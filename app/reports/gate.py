"""Gate duty (校门口值班): distinct staff checked in per school, local day and window.
What counts is app.gate.rules: a check-in inside its window (with the grace), a window judged
once it has ended, no windows at a key place."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.access import Scope
from app.gate import rules
from app.gate.models import GateCheck
from app.reports.models import AssessmentLine, GateReport, GateWindowDay
from app.reports.periods import check_range
from app.reports.scope import scoped_sites
from app.sites.models import GateWindow, Site


def gate(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, now: datetime
) -> GateReport:
    """Distinct staff checked in within the window per school, local day and window, against
    the required number. A window is expected on weekdays and on any day the school's gate saw
    a check; it is short of staff only once it has ended. Checks outside the window are kept
    and counted apart (outside_window)."""
    check_range(date_from, date_to)
    by_id = {s.id: s for s in sites if rules.expects_gate_duty(s.kind)}
    if not by_id:
        return GateReport(date_from=date_from, date_to=date_to, windows=[], shortfalls=[])
    windows = session.exec(
        select(GateWindow)
        .where(col(GateWindow.site_id).in_(list(by_id)), GateWindow.active)
        .order_by(GateWindow.site_id, GateWindow.starts)
    ).all()
    rows = session.execute(
        sa_select(
            GateCheck.site_id,
            GateCheck.window_id,
            GateCheck.local_date,
            GateCheck.recorded_by,
            GateCheck.window_flag,
        )
        .where(
            col(GateCheck.site_id).in_(list(by_id)),
            col(GateCheck.local_date) >= date_from,
            col(GateCheck.local_date) <= date_to,
            GateCheck.direction == "in",
        )
        .distinct()
    ).all()
    seen_days: dict[int, set[date]] = defaultdict(set)
    staff: dict[tuple[int, date], set[int]] = defaultdict(set)
    outside: dict[tuple[int, date], set[int]] = defaultdict(set)
    for site_id, window_id, local_date, user_id, window_flag in rows:
        seen_days[site_id].add(local_date)
        (outside if window_flag else staff)[(window_id, local_date)].add(user_id)
    out: list[GateWindowDay] = []
    ndays = (date_to - date_from).days + 1
    for i in range(ndays):
        d = date_from + timedelta(days=i)
        for w in windows:
            if d.weekday() >= 5 and d not in seen_days[w.site_id]:
                continue
            site = by_id[w.site_id]
            ids = sorted(staff.get((w.id, d), ()))
            state = rules.window_state(now, d, w.starts, w.ends, site.timezone)
            out.append(
                GateWindowDay(
                    site_id=site.id,
                    site_name=site.name,
                    date=d,
                    window_id=w.id,
                    window_name=w.name,
                    kind=w.kind,
                    required=site.required_gate_staff,
                    checked_in=len(ids),
                    staff_ids=ids,
                    outside_window=len(outside.get((w.id, d), set()) - set(ids)),
                    state=state.value,
                    shortfall=state == rules.WindowState.ended
                    and len(ids) < site.required_gate_staff,
                )
            )
    return GateReport(
        date_from=date_from,
        date_to=date_to,
        windows=out,
        shortfalls=[w for w in out if w.shortfall],
    )


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per school: the ended gate windows staffed by at least the required number."""
    sites = [s for s in scoped_sites(session, reach=scope) if s.required_gate_staff > 0]
    report = gate(session, sites=sites, date_from=date_from, date_to=date_to, now=now)
    ended: dict[int, list[GateWindowDay]] = defaultdict(list)
    for w in report.windows:
        if w.state == "ended":
            ended[w.site_id].append(w)
    return [
        AssessmentLine(
            subject_kind="school",
            subject_id=str(site.id),
            subject_name=site.name,
            criterion="gate_windows_staffed",
            label_zh=f"校门口上学放学值班不少于{site.required_gate_staff}人",
            label_en=f"Gate windows with at least {site.required_gate_staff} on duty",
            due=len(ended[site.id or 0]),
            kept=sum(1 for w in ended[site.id or 0] if not w.shortfall),
        )
        for site in sites
        if site.kind != "key_place"
    ]

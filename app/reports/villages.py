"""The month-end notice of the village dispute screening (月底通报): each village's form on
time, late or missing, the petitions (信访) and unstable factors (不稳定因素) reported, and the
disputes open and resolved. The rules are app.villages.rules; this only reads."""

from datetime import date, datetime

from sqlmodel import Session, SQLModel, col, select

from app.access import Scope
from app.config import get_settings
from app.reports.models import AssessmentLine
from app.towns.models import Town, Village
from app.villages import rules
from app.villages.models import DisputeCase, DisputeStatus, VillageForm
from app.villages.service import current_status


class VillageMonth(SQLModel):
    town_id: int
    town_name: str
    village_id: int
    village_code: str
    village_name: str
    district: str
    month: str
    state: str  # on_time, late, missing, overdue, pending
    form_id: str | None = None
    handed_in_at: datetime | None = None  # the first hand-in, corrected time
    updated_at: datetime | None = None  # the latest correction, corrected time
    revisions: int = 0
    clock_flag: str | None = None
    petitions: int = 0
    unstable_factors: int = 0
    disputes: int = 0
    disputes_open: int = 0  # open or resolving
    disputes_resolved: int = 0


class DisputeRow(SQLModel):
    form_id: str
    village_id: int
    village_name: str
    month: str
    key: str
    summary: str
    parties: str
    category: str
    settled_in_village: bool
    status: str  # DisputeStatus
    note: str = ""
    updated_at: datetime | None = None


class VillageTotals(SQLModel):
    villages: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    overdue: int = 0
    pending: int = 0
    petitions: int = 0
    unstable_factors: int = 0
    disputes: int = 0
    disputes_open: int = 0
    disputes_resolved: int = 0


class VillageReport(SQLModel):
    month: str
    due_at: datetime  # the end of the 17th, local
    month_end: datetime
    totals: VillageTotals
    villages: list[VillageMonth]  # missing, overdue and late first, then by code
    disputes: list[DisputeRow]  # open first


ORDER = {"missing": 0, "overdue": 1, "late": 2, "pending": 3, "on_time": 4}


def _villages(session: Session, town_ids: frozenset[int]) -> list[Village]:
    return list(
        session.exec(
            select(Village)
            .where(col(Village.town_id).in_(town_ids or {-1}))
            .order_by(col(Village.town_id), col(Village.code))
        ).all()
    )


def village_report(
    session: Session, *, town_ids: frozenset[int], month: str, now: datetime, timezone: str
) -> VillageReport:
    rules.parse_month(month)
    villages = _villages(session, town_ids)
    towns = {
        t.id: t.name for t in session.exec(select(Town).where(col(Town.id).in_(town_ids or {-1})))
    }
    ids = [v.id for v in villages]
    forms = {
        f.village_id: f
        for f in session.exec(
            select(VillageForm).where(
                VillageForm.month == month, col(VillageForm.village_id).in_(ids or [-1])
            )
        )
    }
    cases = {
        (c.village_id, c.dispute_key): c
        for c in session.exec(
            select(DisputeCase).where(
                DisputeCase.month == month, col(DisputeCase.village_id).in_(ids or [-1])
            )
        )
    }
    rows, disputes, totals = [], [], VillageTotals()
    for v in villages:
        form = forms.get(v.id or 0)
        if not v.active and form is None:
            continue  # a village no longer in the town is due nothing
        handed = form.first_handed_in_at if form is not None else None
        state = rules.form_state(month, handed, now, timezone)
        row = VillageMonth(
            town_id=v.town_id,
            town_name=towns.get(v.town_id, ""),
            village_id=v.id or 0,
            village_code=v.code,
            village_name=v.name,
            district=v.district,
            month=month,
            state=state,
        )
        if form is not None:
            row.form_id = form.id
            row.handed_in_at = form.first_handed_in_at
            row.updated_at = form.event_time
            row.revisions = form.revisions
            row.clock_flag = form.clock_flag
            row.petitions = form.petitions
            row.unstable_factors = form.unstable_factors
            for d in form.disputes:
                case = cases.get((v.id or 0, d["key"]))
                status = current_status(case, d)
                row.disputes += 1
                if status == DisputeStatus.resolved:
                    row.disputes_resolved += 1
                else:
                    row.disputes_open += 1
                disputes.append(
                    DisputeRow(
                        form_id=form.id,
                        village_id=v.id or 0,
                        village_name=v.name,
                        month=month,
                        key=d["key"],
                        summary=d["summary"],
                        parties=d.get("parties", ""),
                        category=d["category"],
                        settled_in_village=bool(d.get("settled_in_village")),
                        status=status.value,
                        note=case.note if case is not None else "",
                        updated_at=case.updated_at if case is not None else None,
                    )
                )
        rows.append(row)
        totals.villages += 1
        setattr(totals, state, getattr(totals, state) + 1)
        totals.petitions += row.petitions
        totals.unstable_factors += row.unstable_factors
        totals.disputes += row.disputes
        totals.disputes_open += row.disputes_open
        totals.disputes_resolved += row.disputes_resolved
    rows.sort(key=lambda r: (ORDER[r.state], r.town_id, r.village_code))
    disputes.sort(key=lambda d: (d.status == DisputeStatus.resolved, d.village_name, d.key))
    return VillageReport(
        month=month,
        due_at=rules.due_at(month, timezone),
        month_end=rules.month_end(month, timezone),
        totals=totals,
        villages=rows,
        disputes=disputes,
    )


def months_due(date_from: date, date_to: date, now: datetime, timezone: str) -> list[str]:
    """The months whose due day (the 17th) lies in the period and has passed by now."""
    found, day = [], date_from.replace(day=1)
    while day <= date_to:
        month = rules.month_of(day)
        due_day = day.replace(day=rules.DUE_DAY)
        if date_from <= due_day <= date_to and rules.due_at(month, timezone) <= now:
            found.append(month)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return found


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per village (the town's office only: supervisors and admins): forms handed in on time
    (by the 17th) of the months due in the period."""
    if not scope.sees_everything:
        return []
    tz = get_settings().town_timezone
    months = months_due(date_from, date_to, now, tz)
    kept: dict[int, int] = {}
    late: dict[int, int] = {}
    villages = [v for v in _villages(session, scope.town_ids) if v.active]
    if months:
        for form in session.exec(
            select(VillageForm).where(
                col(VillageForm.month).in_(months),
                col(VillageForm.town_id).in_(scope.town_ids or {-1}),
            )
        ):
            target = kept if form.on_time else late
            target[form.village_id] = target.get(form.village_id, 0) + 1
    lines = []
    for v in villages:
        vid = v.id or 0
        missing = len(months) - kept.get(vid, 0) - late.get(vid, 0)
        detail = []
        detail_en = []
        if late.get(vid):
            detail.append(f"{late[vid]} 个月迟报")
            detail_en.append(f"{late[vid]} late")
        if missing:
            detail.append(f"{missing} 个月未报")
            detail_en.append(f"{missing} missing")
        lines.append(
            AssessmentLine(
                subject_kind="village",
                subject_id=str(vid),
                subject_name=v.name,
                criterion="village_forms_on_time",
                label_zh="矛盾纠纷排查表按时上报",
                label_en="Dispute screening forms on time",
                due=len(months),
                kept=kept.get(vid, 0),
                detail_zh="，".join(detail),
                detail_en=", ".join(detail_en),
            )
        )
    return lines

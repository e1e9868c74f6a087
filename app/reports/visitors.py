"""The visitor register (来访登记) for the console: who is inside now, who waits at the gate
for the host's answer, who was turned away, who was recorded inside without the host's
approval, and whose vehicle or goods left unchecked against the pass slip (出门条). The
rules themselves are app.gate.rules; this only reads what they decided."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, SQLModel, col, select

from app.gate.models import VisitorEntry, VisitorState
from app.gate.rules import visitor_state
from app.reports import lookup
from app.reports.periods import day_start
from app.sites.models import DEFAULT_TIMEZONE, Site


# One row of the register as the console shows it.
class VisitorRow(SQLModel):
    id: str
    site_id: int
    site_name: str
    name: str
    visiting: str
    purpose: str
    state: str  # VisitorState
    approval: str  # asked, approved, refused
    approved_by_name: str | None  # who answered (the host, as the gate recorded)
    approval_via: str | None  # phone, in_person
    approval_at: datetime | None
    approval_recorded_by_name: str | None  # the gate staff who recorded the answer
    unapproved_entry: bool  # recorded inside without the host's approval
    vehicle_plate: str | None
    goods: str | None
    pass_slip_no: str | None
    entered_at: datetime  # registered at the gate (corrected time)
    time_out: datetime | None
    exit_slip_check: str | None
    exit_flag: str | None  # slip_not_checked, slip_mismatch
    recorded_by_name: str


# The register over a period: every row, and the lists the supervisor acts on.
class VisitorRegister(SQLModel):
    date_from: date
    date_to: date
    counts: dict[str, int]  # by state
    inside: list[VisitorRow]  # in the school now
    waiting: list[VisitorRow]  # at the gate, the host not reached yet
    unapproved: list[VisitorRow]  # recorded inside without the host's approval
    exit_flagged: list[VisitorRow]  # vehicle or goods out unchecked, or not matching the slip
    rows: list[VisitorRow]  # newest first


def visitor_register(
    session: Session, *, sites: list[Site], date_from: date, date_to: date, limit: int = 2000
) -> VisitorRegister:
    """The register of these sites for local dates date_from..date_to (the town's zone)."""
    start = day_start(date_from, DEFAULT_TIMEZONE)
    end = day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE)
    found = (
        session.exec(
            select(VisitorEntry)
            .where(
                col(VisitorEntry.site_id).in_([s.id for s in sites]),
                VisitorEntry.event_time >= start,
                VisitorEntry.event_time < end,
            )
            .order_by(col(VisitorEntry.event_time).desc(), col(VisitorEntry.id))
            .limit(limit)
        ).all()
        if sites
        else []
    )
    names = {s.id: s.name for s in sites}
    people = lookup.user_names(
        session,
        {v.recorded_by for v in found}
        | {v.approval_recorded_by for v in found if v.approval_recorded_by is not None},
    )
    rows = [
        VisitorRow(
            id=v.id,
            site_id=v.site_id,
            site_name=names.get(v.site_id, ""),
            name=v.name,
            visiting=v.visiting,
            purpose=v.purpose,
            state=visitor_state(v.approval, v.time_out).value,
            approval=v.approval,
            approved_by_name=v.approved_by_name,
            approval_via=v.approval_via,
            approval_at=v.approval_at,
            approval_recorded_by_name=(
                people.get(v.approval_recorded_by) if v.approval_recorded_by else None
            ),
            unapproved_entry=v.unapproved_entry,
            vehicle_plate=v.vehicle_plate,
            goods=v.goods,
            pass_slip_no=v.pass_slip_no,
            entered_at=v.event_time,
            time_out=v.time_out,
            exit_slip_check=v.exit_slip_check,
            exit_flag=v.exit_flag,
            recorded_by_name=people.get(v.recorded_by, f"#{v.recorded_by}"),
        )
        for v in found
    ]
    counts = {s.value: 0 for s in VisitorState}
    for r in rows:
        counts[r.state] += 1
    return VisitorRegister(
        date_from=date_from,
        date_to=date_to,
        counts=counts,
        inside=[r for r in rows if r.state == VisitorState.inside],
        waiting=[r for r in rows if r.state == VisitorState.waiting],
        unapproved=[r for r in rows if r.unapproved_entry],
        exit_flagged=[r for r in rows if r.exit_flag],
        rows=rows,
    )

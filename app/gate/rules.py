"""The rules of gate duty and the visitor register over plain facts, callable without a push
or a session."""

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.gate.models import GateDirection, SlipCheck, VisitorApproval, VisitorState
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule

# A check-in counts from this long before its window starts (staff take position early) up
# to the window's end; a check-out from the window's start up to this long after its end.
GATE_GRACE = timedelta(minutes=15)

OUTSIDE_WINDOW = "outside_window"


class WindowState(StrEnum):
    """Where a gate window stands at an instant: judged only once it has ended."""

    not_started = "not_started"
    in_progress = "in_progress"
    ended = "ended"


# The rule table's rows for the gate (docs/sync.md, "Who may push what"): the school's own
# gate staff, or the patrol groups that cover it; never a supervisor or an admin, who read.
_GATE_PEOPLE = dict(
    roles=frozenset({Role.gate, Role.member, Role.leader}),
    allow=frozenset({Relation.site_gate, Relation.site_patrol}),
    refusal=Rule.not_this_school,
)
WHO_CHECKS_IN = Permission(
    what=("在本校签到签退", "check in at this school's gate"), **_GATE_PEOPLE
)
WHO_REGISTERS_VISITORS = Permission(
    what=("登记本校的来访人员", "register visitors at this school"), **_GATE_PEOPLE
)
WHO_RECORDS_APPROVAL = Permission(  # the gate records the host's answer (often by phone)
    what=("登记被访人的答复", "record the host's answer for a visitor"), **_GATE_PEOPLE
)


SLIP_NOT_CHECKED = "slip_not_checked"
SLIP_MISMATCH = "slip_mismatch"


def approval_at_entry(
    approval: VisitorApproval | None, host_approved: bool, by_name: str | None, visiting: str
) -> tuple[VisitorApproval, str | None, bool]:
    """The host's answer when a visitor is registered (准入登记): (approval, who answered,
    unapproved_entry). A visitor is let in only after the person visited agrees, so only an
    approved one is inside; an asked one waits at the gate for visitor.decide. The gate
    records who answered, the person visited unless it names another (a host reached by
    phone may hand over to a colleague). An older app sends only the host_approved box: an
    unticked box was shown as 在校内, so it is kept as asked and flagged unapproved_entry."""
    if approval is None:
        if host_approved:
            return VisitorApproval.approved, None, False
        return VisitorApproval.asked, None, True
    if approval == VisitorApproval.asked:
        return approval, None, False
    return approval, (by_name or "").strip() or visiting, False


def visitor_state(approval: str, time_out: datetime | None) -> VisitorState:
    """Only an approved visitor is inside (在校内); anyone signed out has left."""
    if time_out is not None:
        return VisitorState.left
    if approval == VisitorApproval.approved:
        return VisitorState.inside
    if approval == VisitorApproval.refused:
        return VisitorState.refused
    return VisitorState.waiting


def decide(current: str, decision: VisitorApproval) -> VisitorApproval:
    """The host's later answer to a visitor who waits (asked): approved or refused. The first
    answer stands: a visitor already let in or turned away is not decided again."""
    if decision == VisitorApproval.asked:
        raise Rejected(
            "A decision is approved or refused.",
            zh="被访人的答复只能是同意或不同意。",
        )
    if current != VisitorApproval.asked:
        raise Conflicted(
            Rule.visitor_already_decided,
            f"The host already answered ({current}) for this visitor; the first answer stands.",
            zh="被访人已对该访客作出答复，以第一次答复为准。",
        )
    return decision


def exit_flag(vehicle_plate: str | None, goods: str | None, check: SlipCheck | None) -> str | None:
    """Vehicles and goods go out only against the pass slip (出门条): a visitor with either,
    leaving without the check, is flagged slip_not_checked, one whose vehicle or goods do
    not match the slip slip_mismatch. The exit is kept either way (the visitor is gone);
    None: nothing to check, or it matched."""
    if not (vehicle_plate or goods):
        return None
    if check is None:
        return SLIP_NOT_CHECKED
    return SLIP_MISMATCH if check == SlipCheck.mismatch else None


def check_window_of_site(window_id: int, window_site_id: int | None, site_id: int) -> None:
    """A check-in names one of the school's own gate windows (window_site_id None: no such
    window)."""
    if window_site_id != site_id:
        raise Rejected(
            f"Gate window {window_id} is not a window of this school.",
            zh=f"值班时段 {window_id} 不属于本校。",
        )


def time_out(entered_at: datetime, left_at: datetime, already_left: datetime | None) -> datetime:
    """When a visitor left: the first exit stands, and an exit is never before the entry
    (corrected times)."""
    if already_left is not None:
        raise Conflicted(
            Rule.visitor_already_left,
            "This visitor was already signed out; the first exit time stands.",
            zh="该访客已登记离校，以第一次登记的离校时间为准。",
        )
    return max(left_at, entered_at)


def window_bounds(
    local_date: date, starts: time, ends: time, timezone: str
) -> tuple[datetime, datetime]:
    """A window's start and end on a local date, as aware datetimes in the site's zone."""
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(local_date, starts, zone),
        datetime.combine(local_date, ends, zone),
    )


def window_flag(
    event_time: datetime,
    direction: GateDirection,
    local_date: date,
    starts: time,
    ends: time,
    timezone: str,
) -> str | None:
    """outside_window when a check falls outside its window and the grace (GATE_GRACE): a
    check-in from 15 minutes before the start to the end, a check-out from the start to 15
    minutes after the end. event_time is the corrected time; the window is the site's local
    time on the named local date. None: the check counts."""
    start, end = window_bounds(local_date, starts, ends, timezone)
    if direction == GateDirection.check_in:
        lo, hi = start - GATE_GRACE, end
    else:
        lo, hi = start, end + GATE_GRACE
    return None if lo <= event_time <= hi else OUTSIDE_WINDOW


def window_state(
    now: datetime, local_date: date, starts: time, ends: time, timezone: str
) -> WindowState:
    """A window is judged (counted as short of staff or not) only once it has ended."""
    start, end = window_bounds(local_date, starts, ends, timezone)
    if now < start:
        return WindowState.not_started
    return WindowState.in_progress if now < end else WindowState.ended


def expects_gate_duty(site_kind: str) -> bool:
    """A key place (重点场所) has no school gate: no gate windows are expected of it."""
    return site_kind != "key_place"

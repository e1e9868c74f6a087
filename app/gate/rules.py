"""The rules of gate duty and the visitor register over plain facts, callable without a push
or a session."""

from datetime import datetime

from app.auth.models import Role
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule

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


def check_window_of_site(window_id: int, window_site_id: int | None, site_id: int) -> None:
    """A check-in names one of the school's own gate windows (window_site_id None: no such
    window)."""
    if window_site_id != site_id:
        raise Rejected(f"Gate window {window_id} is not a window of this school.")


def time_out(entered_at: datetime, left_at: datetime, already_left: datetime | None) -> datetime:
    """When a visitor left: the first exit stands, and an exit is never before the entry
    (corrected times)."""
    if already_left is not None:
        raise Conflicted(
            Rule.visitor_already_left,
            "This visitor was already signed out; the first exit time stands.",
        )
    return max(left_at, entered_at)

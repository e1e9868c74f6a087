"""The lifecycle of a hazard (交办 → 整改 → 验收销号) and who may move it, over plain facts:
callable without a push or a session."""

from datetime import date

from app.hazards.models import Department, HazardAction, HazardStatus
from app.records.errors import Conflicted, Rejected, Rule

# Which status each action may start from, and where it leads.
LIFECYCLE: dict[HazardAction, tuple[set[HazardStatus], HazardStatus]] = {
    HazardAction.assign: (
        {HazardStatus.reported, HazardStatus.assigned, HazardStatus.reopened},
        HazardStatus.assigned,
    ),
    HazardAction.rectify: ({HazardStatus.assigned}, HazardStatus.rectified),
    HazardAction.close: ({HazardStatus.rectified}, HazardStatus.closed),
    HazardAction.reopen: ({HazardStatus.rectified, HazardStatus.closed}, HazardStatus.reopened),
}


def may_act(action: HazardAction, *, oversees: bool, leads_site: bool) -> bool:
    """A supervisor or admin may do anything; the leader of a group patrolling the site
    assigns and reopens; anyone who sees the site may report it rectified (with a photo);
    closing (验收销号) is the supervisor's."""
    if oversees:
        return True
    if action in (HazardAction.assign, HazardAction.reopen):
        return leads_site
    return action == HazardAction.rectify


def next_status(action: HazardAction, status: str) -> HazardStatus:
    """Where the action takes a hazard that is `status`; a conflict when the action does not
    fit it (the lifecycle table above)."""
    allowed_from, to_status = LIFECYCLE[action]
    if HazardStatus(status) not in allowed_from:
        raise Conflicted(
            Rule.hazard_lifecycle,
            f"A hazard that is {status} cannot be {action.value}ed; "
            f"that needs it to be {' or '.join(sorted(allowed_from))}.",
        )
    return to_status


def check_details(
    action: HazardAction, *, department: Department | None, due_date: date | None, photos: list
) -> None:
    """An assignment names the department and the due date; a fix is shown by a photo."""
    if action == HazardAction.assign and (department is None or due_date is None):
        raise Rejected("Assigning a hazard needs a department and a due date.")
    if action == HazardAction.rectify and not photos:
        raise Rejected("Reporting a hazard rectified needs a photo of the fix.")

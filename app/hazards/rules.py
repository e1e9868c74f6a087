"""The lifecycle of a hazard (交办 → 整改 → 验收销号) and who may move it, over plain facts:
callable without a push or a session."""

from datetime import date

from app.hazards.models import Department, HazardAction, HazardStatus, PlaceType
from app.records.errors import Conflicted, Rejected, Rule

# The 300 m rule (学校周边300米) is about the places around a school that the county
# watches, not about anything found near it: a finding counts only for these place types.
SURROUNDINGS_PLACES = frozenset(
    {
        PlaceType.internet_cafe,  # 网吧
        PlaceType.restaurant,  # 饭店
        PlaceType.hotel,  # 旅馆
        PlaceType.illegal_stall,  # 摊点
        PlaceType.illegal_publication,  # 出版物
    }
)
SURROUNDINGS_RADIUS_M = 300.0

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


def within_300m(place_type: str | None, distance_m: float | None, marked: bool) -> bool:
    """A surroundings finding within 300 m: one of SURROUNDINGS_PLACES, and within 300 m of
    the school by its measured distance (the phone's mark when no distance was measured). A
    hazard on campus (a canteen, a gate) is never one, however near."""
    if place_type not in SURROUNDINGS_PLACES:
        return False
    if distance_m is not None:
        return distance_m <= SURROUNDINGS_RADIUS_M
    return marked

"""The lifecycle of a hazard (交办 → 整改 → 验收销号) and who may move it, over plain facts:
callable without a push or a session."""

from datetime import date

from app.auth.models import Role
from app.hazards.models import HazardAction, HazardStatus, PlaceType
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.towns.models import Department

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

# The rule table's rows for hazards (docs/sync.md, "Who may push what").
WHO_REPORTS = Permission(  # anyone on duty at the site, and the supervisors who inspect
    what=("上报本处的隐患", "report a hazard at this site"),
    roles=frozenset({Role.member, Role.leader, Role.gate, Role.supervisor}),
    allow=frozenset({Relation.site_patrol, Relation.site_gate, Relation.supervisor}),
    refusal=Rule.not_this_school,
)
_OVERSEERS = frozenset({Relation.site_leader, Relation.supervisor, Relation.admin})
_OVERSEER_ROLES = frozenset({Role.leader, Role.supervisor, Role.admin})
WHO_MOVES: dict[HazardAction, Permission] = {
    HazardAction.assign: Permission(  # 交办: the site's group leaders, the town office
        what=("交办本隐患", "assign this hazard"),
        roles=_OVERSEER_ROLES,
        allow=_OVERSEERS,
        refusal=Rule.not_site_leader,
        needs_active=True,
    ),
    HazardAction.rectify: Permission(  # 整改: a fix shown by a photo, by who is there
        what=("上报本隐患已整改", "report this hazard rectified"),
        roles=frozenset({*Role}),
        allow=frozenset(
            {Relation.site_patrol, Relation.site_gate, Relation.supervisor, Relation.admin}
        ),
        refusal=Rule.not_this_school,
    ),
    HazardAction.close: Permission(  # 验收销号: the supervisor's, never the fixer's own
        what=("验收销号本隐患", "close this hazard after inspection"),
        roles=frozenset({Role.supervisor, Role.admin}),
        allow=frozenset({Relation.supervisor, Relation.admin}),
        refusal=Rule.role_may_not,
        never=frozenset({Relation.rectifier}),
        never_rule=Rule.own_rectify_close,
        needs_active=True,
    ),
    HazardAction.reopen: Permission(
        what=("重新打开本隐患", "reopen this hazard"),
        roles=_OVERSEER_ROLES,
        allow=_OVERSEERS,
        refusal=Rule.not_site_leader,
        needs_active=True,
    ),
}

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


def next_status(action: HazardAction, status: str) -> HazardStatus:
    """Where the action takes a hazard that is `status`; a conflict when the action does not
    fit it (the lifecycle table above)."""
    allowed_from, to_status = LIFECYCLE[action]
    if HazardStatus(status) not in allowed_from:
        raise Conflicted(
            Rule.hazard_lifecycle,
            f"A hazard that is {status} cannot be {action.value}ed; "
            f"that needs it to be {' or '.join(sorted(allowed_from))}.",
            zh="隐患的当前状态不允许这一步（可能已由他人处理），请同步后查看它的最新状态。",
        )
    return to_status


def check_details(
    action: HazardAction, *, department: Department | None, due_date: date | None, photos: list
) -> None:
    """An assignment names the department and the due date; a fix is shown by a photo."""
    if action == HazardAction.assign and (department is None or due_date is None):
        raise Rejected(
            "Assigning a hazard needs a department and a due date.",
            zh="交办隐患须选择责任部门和整改期限。",
        )
    if action == HazardAction.rectify and not photos:
        raise Rejected(
            "Reporting a hazard rectified needs a photo of the fix.",
            zh="上报整改完成须附整改后的照片。",
        )


def check_fix_photos_arrived(action: HazardAction, missing: list[str]) -> None:
    """验收 judges the fix by its photos: a hazard is not closed while photos of its latest
    rectification have not reached the server (the fixer's phone sends the record first and
    the photos after it); closing waits until they have, so nobody signs off unseen work."""
    if action == HazardAction.close and missing:
        raise Rejected(
            f"{len(missing)} photo(s) of the fix have not reached the server yet; close the "
            "hazard once they have been uploaded.",
            Rule.fix_photos_missing,
            zh=f"整改照片尚有 {len(missing)} 张未上传到服务器，请待照片上传后再验收销号。",
        )


def within_300m(place_type: str | None, distance_m: float | None, marked: bool) -> bool:
    """A surroundings finding within 300 m: one of SURROUNDINGS_PLACES, and within 300 m of
    the school by its measured distance (the phone's mark when no distance was measured). A
    hazard on campus (a canteen, a gate) is never one, however near."""
    if place_type not in SURROUNDINGS_PLACES:
        return False
    if distance_m is not None:
        return distance_m <= SURROUNDINGS_RADIUS_M
    return marked

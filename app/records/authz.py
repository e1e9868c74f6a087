"""Who may push what: the rule table as data (docs/sync.md, "Who may push what").

Each mutation type (and each hazard action) has one Permission, registered on its descriptor
(app.records.registry, `who=`): the roles that may do it at all, the relations to the object
any one of which allows it, the relations that forbid it even so, and whether it needs an
active account. The handlers work out the author's relations to the object from plain facts
(the pure functions below and in each domain's rules.py) and ask the Permission; the push
matrix (tests/test_push_authz_matrix.py) asks the same table as its oracle.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.auth.models import Role
from app.records.errors import Rejected, Rule


class Relation(StrEnum):
    """How the author stands to the object a mutation touches."""

    supervisor = "supervisor"  # 督查: the town's supervisors
    admin = "admin"  # 管理员: sets the town up
    site_patrol = "site_patrol"  # member or leader of a group that patrols the site
    site_leader = "site_leader"  # leads an active group that patrols the site
    site_gate = "site_gate"  # gate staff of this school (home_site_id)
    site_staff = "site_staff"  # the school's own staff (role school_staff, home_site_id)
    village_cadre = "village_cadre"  # the village's own cadre (role village, village_id)
    recorder = "recorder"  # recorded the object (started the shift, entered the visitor)
    on_shift = "on_shift"  # counted on the shift (a member or the leader of its group)
    listed = "listed"  # listed on the shift, counted or not
    group_leader = "group_leader"  # leads the shift's own group
    rectifier = "rectifier"  # reported the hazard's latest fix
    # Police at the gate and leadership duty (app.police, app.duty).
    post_officer = "post_officer"  # an officer of the post's department, in the site's town
    duty_cadre = "duty_cadre"  # the day's planned duty cadre, or the substitute named


# The two texts of each refusal; {what} is the Permission's action.
REFUSALS: dict[Rule, tuple[str, str]] = {
    Rule.role_may_not: ("您的角色不能{what}。", "Your role may not {what}."),
    Rule.account_disabled: (
        "账号已停用，不能{what}。",
        "Your account is disabled; it may not {what}.",
    ),
    Rule.not_this_school: (
        "您不是本校的门卫，也不在巡逻本处的巡逻组，不能{what}。",
        "You are neither gate staff of this school nor in a group patrolling it; you may not "
        "{what}.",
    ),
    Rule.not_your_group: (
        "只能为您所在、巡逻本处的巡逻组{what}。",
        "You may {what} only for a patrol group of yours that patrols this site.",
    ),
    Rule.not_on_shift: (
        "只有本班次的记录人和在岗人员可以{what}。",
        "Only the shift's recorder and the people counted on it may {what}.",
    ),
    Rule.not_group_leader: (
        "只有本班次所属巡逻组的组长或督查可以{what}。",
        "Only the leader of the shift's own group or a supervisor may {what}.",
    ),
    Rule.own_shift_review: (
        "不能复核自己记录或在岗的班次，请由组长或督查{what}。",
        "You recorded this shift or are listed on it; another leader or a supervisor must {what}.",
    ),
    Rule.not_site_leader: (
        "只有巡逻本处的组长或督查可以{what}。",
        "Only a leader of a group patrolling this site or a supervisor may {what}.",
    ),
    Rule.not_school_staff: (
        "您不是本校的工作人员，不能{what}。",
        "You are not on this school's staff; you may not {what}.",
    ),
    Rule.not_your_village: (
        "您不是本村的村干部，不能{what}。",
        "You are not a cadre of this village; you may not {what}.",
    ),
    Rule.not_post_officer: (
        "您不是该护学岗所属部门的民警，也不是本校门卫，不能{what}。",
        "You are neither an officer of this post's department nor gate staff of this school; "
        "you may not {what}.",
    ),
    Rule.not_duty_cadre: (
        "您不是当天排定的值班领导或代班人员，不能{what}。",
        "You are not the duty cadre planned for that day nor the substitute named; you may not "
        "{what}.",
    ),
    Rule.own_rectify_close: (
        "整改由您上报，验收须由他人{what}。",
        "You reported the fix; someone else must {what}.",
    ),
}


@dataclass(frozen=True)
class Permission:
    """One row of the rule table. Decided in this order: the role, an active account (for
    authority actions: a disabled user's old phone may hand in field records, marked, but
    never sign anything off), a forbidding relation, then an allowing one."""

    what: tuple[str, str]  # (zh, en), e.g. ("复核班次", "review this shift")
    roles: frozenset[Role]  # roles that may do it at all
    allow: frozenset[Relation]  # any one of these suffices
    refusal: Rule  # when none of them holds
    never: frozenset[Relation] = frozenset()  # any one of these forbids it even so
    never_rule: Rule | None = None
    needs_active: bool = False

    def decide(
        self, *, roles: Iterable[str], active: bool, relations: set[Relation]
    ) -> Rule | None:
        """None: allowed; else the rule that refuses it."""
        if self.roles.isdisjoint(roles):
            return Rule.role_may_not
        if self.needs_active and not active:
            return Rule.account_disabled
        if not self.never.isdisjoint(relations):
            return self.never_rule
        if self.allow.isdisjoint(relations):
            return self.refusal
        return None

    def check(self, *, roles: Iterable[str], active: bool, relations: set[Relation]) -> None:
        rule = self.decide(roles=roles, active=active, relations=relations)
        if rule is not None:
            zh, en = REFUSALS[rule]
            raise Rejected(en.format(what=self.what[1]), rule, zh=zh.format(what=self.what[0]))

    @property
    def rules(self) -> frozenset[Rule]:
        """Every rule it may refuse with."""
        found = {Rule.role_may_not, self.refusal}
        if self.needs_active:
            found.add(Rule.account_disabled)
        if self.never_rule is not None:
            found.add(self.never_rule)
        return frozenset(found)


# A mutation type's rule table entry: one Permission, or one per action (hazard.transition).
Who = Permission | Mapping[str, Permission]


def permission(who: Who, action: str | None = None) -> Permission:
    return who if isinstance(who, Permission) else who[action]


def site_relations(
    *,
    roles: Iterable[str],
    group_ids: Iterable[int],
    led_group_ids: Iterable[int],
    home_site_id: int | None,
    site_id: int,
    patrolling: Iterable[int],
) -> set[Relation]:
    """The author's relations to a site, from plain facts: her roles, the groups she is in
    and leads, her home school, and the active groups that patrol the site."""
    roles, patrolling = set(roles), set(patrolling)
    found = set()
    if Role.supervisor in roles:
        found.add(Relation.supervisor)
    if Role.admin in roles:
        found.add(Relation.admin)
    if roles & {Role.member, Role.leader} and patrolling & set(group_ids):
        found.add(Relation.site_patrol)
    if patrolling & set(led_group_ids):
        found.add(Relation.site_leader)
    if Role.gate in roles and home_site_id == site_id:
        found.add(Relation.site_gate)
    if Role.school_staff in roles and home_site_id == site_id:
        found.add(Relation.site_staff)
    return found


FIELD_ROLES = frozenset({Role.member, Role.leader})  # who patrols

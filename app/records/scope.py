"""The sites and records a mutation refers to, within its author's scope (town, groups, home
school: the same rule as the reads): a refusal a person understands when they are unknown or
not the author's; and the author's relations to a site, for the rule table (app.records.authz)."""

from sqlmodel import select

from app.groups.models import GroupSite, PatrolGroup
from app.records.authz import Permission, Relation, site_relations
from app.records.errors import Rejected, Rule
from app.records.store import PushContext, Record
from app.sites.models import Site


def site_of(ctx: PushContext, site_id: int) -> Site:
    """The site exists; else a rejection a person understands."""
    site = ctx.lookup(("site", site_id), lambda: ctx.session.get(Site, site_id))
    if site is None:
        raise Rejected(f"There is no site with id {site_id}.", zh=f"没有编号为 {site_id} 的场所。")
    return site


def require_site(ctx: PushContext, site_id: int) -> Site:
    """The site exists and the author may record there; else a rejection a person understands."""
    site = site_of(ctx, site_id)
    if not ctx.scope.sees_site(site_id):
        raise Rejected(
            f"You are not assigned to {site.name}; records there are not yours to add.",
            Rule.not_your_site,
            zh=f"您未被分配到{site.name}，不能在此添加记录。",
        )
    return site


def require_record(ctx: PushContext, model: type, record_id: str, what: str) -> Record:
    """A record this mutation refers to, which the author may see: made earlier in this push
    or stored."""
    record = ctx.get(model, record_id)
    if record is None:
        raise Rejected(
            f"The {what} {record_id} is unknown to the server; it was never synced.",
            zh=f"服务器上没有该记录（{record_id}），它从未同步上来。",
        )
    if not ctx.scope.sees_site(record.site_id):
        raise Rejected(
            f"The {what} {record_id} is at a site you are not assigned to.",
            Rule.not_your_site,
            zh=f"该记录（{record_id}）所在的场所不在您的范围内。",
        )
    return record


def patrolling_groups(ctx: PushContext, site_id: int) -> frozenset[int]:
    """The active patrol groups responsible for the site, read once per push."""
    return ctx.lookup(
        ("patrolling", site_id),
        lambda: frozenset(
            ctx.session.exec(
                select(GroupSite.group_id)
                .join(PatrolGroup, PatrolGroup.id == GroupSite.group_id)
                .where(GroupSite.site_id == site_id, PatrolGroup.active)
            )
        ),
    )


def relations_to_site(ctx: PushContext, site_id: int) -> set[Relation]:
    """A supervisor's or admin's role counts only at a site of their towns."""
    scope = ctx.scope
    found = site_relations(
        roles=ctx.user.roles.split(","),
        group_ids=scope.group_ids,
        led_group_ids=scope.led_group_ids,
        home_site_id=ctx.user.home_site_id,
        site_id=site_id,
        patrolling=patrolling_groups(ctx, site_id),
    )
    if not scope.sees_site(site_id):
        found -= {Relation.supervisor, Relation.admin}
    return found


def authorize(ctx: PushContext, permission: Permission, relations: set[Relation]) -> None:
    """The author may do this (one row of the rule table); else a Rejected naming the rule."""
    permission.check(roles=ctx.user.roles.split(","), active=ctx.user.active, relations=relations)

"""Which sites, groups and people a report covers: what was asked for, within the caller's
reach (app.access.Scope; 403 outside it)."""

from collections.abc import Sequence, Set
from dataclasses import replace

from sqlmodel import Session, col, select

from app.access import Scope
from app.auth.models import User
from app.errors import Forbidden, NotFound
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Site


def scoped_sites(
    session: Session,
    *,
    reach: Scope,
    site_ids: Sequence[int] | None = None,
    group_id: int | None = None,
    active_only: bool = True,
) -> list[Site]:
    """The sites a report covers: the asked-for ones, refused (403) outside the caller's reach."""
    visible: Set[int] = reach.site_filter()
    wanted: Set[int] | None = set(site_ids) if site_ids else None
    if wanted is not None and not wanted <= visible:
        raise Forbidden(
            "You can only see the reports of your own groups' sites.",
            message_zh="只能查看您所在巡逻组负责场所的报表。",
        )
    if group_id is not None:
        group = session.get(PatrolGroup, group_id)
        if group is None or not reach.sees_town(group.town_id):  # another town's: not told
            raise NotFound(
                f"There is no patrol group {group_id}.",
                message_zh=f"没有编号为 {group_id} 的巡逻组。",
            )
        if not reach.sees_group(group_id):
            raise Forbidden(
                "You can only see the reports of your own groups.",
                message_zh="只能查看您所在巡逻组的报表。",
            )
        of_group = set(
            session.exec(select(GroupSite.site_id).where(GroupSite.group_id == group_id)).all()
        )
        wanted = of_group if wanted is None else wanted & of_group
    if wanted is None:
        wanted = visible
    stmt = select(Site).order_by(Site.id)
    if wanted is not None:
        if not wanted:
            return []
        stmt = stmt.where(col(Site.id).in_(sorted(wanted)))
    if active_only:
        stmt = stmt.where(Site.active)
    return list(session.exec(stmt).all())


def covers_every_site(
    session: Session, *, reach: Scope, site_ids: Sequence[int], group_id: int | None
) -> bool:
    """No filter, and the caller sees every site of the deployment (then a report need not
    list them): a supervisor of the only town, not one of twenty."""
    if site_ids or group_id is not None or not reach.sees_everything:
        return False
    elsewhere = select(Site.id).where(col(Site.town_id).not_in(reach.town_ids)).limit(1)
    return session.exec(elsewhere).first() is None


def scoped_group_ids(session: Session, *, reach: Scope, group_id: int | None) -> list[int]:
    """Groups whose rosters the caller may check."""
    if group_id is not None:
        group = session.get(PatrolGroup, group_id)
        if group is None or not reach.sees_town(group.town_id):  # another town's: not told
            raise NotFound(
                f"There is no patrol group {group_id}.",
                message_zh=f"没有编号为 {group_id} 的巡逻组。",
            )
    if reach.sees_everything:
        if group_id is not None:
            return [group_id]
        towns = col(PatrolGroup.town_id).in_(reach.town_ids)
        return list(session.exec(select(PatrolGroup.id).where(PatrolGroup.active, towns)).all())
    mine = reach.group_ids
    if group_id is not None:
        if group_id not in mine:
            raise Forbidden(
                "You can only see the rosters of your own groups.",
                message_zh="只能查看您所在巡逻组的值班表。",
            )
        return [group_id]
    return sorted(mine)


def scoped_people(session: Session, *, reach: Scope) -> set[int]:
    """The people whose devices the caller may see: the caller and the members of the
    caller's groups; for supervisors and admins everyone of their towns."""
    if reach.sees_everything:
        return set(session.exec(select(User.id).where(col(User.town_id).in_(reach.town_ids))))
    members = session.exec(
        select(GroupMember.user_id).where(col(GroupMember.group_id).in_(reach.group_ids))
    )
    return set(members.all()) | {reach.user_id}


def within_town(session: Session, *, reach: Scope, town_id: int | None) -> Scope:
    """The caller's reach narrowed to one of her towns (the console's town picker): every
    report then covers that town only. A town outside her reach answers 404, as one that
    does not exist."""
    if town_id is None:
        return reach
    if not reach.sees_town(town_id):
        raise NotFound(
            f"There is no town {town_id} within your reach.",
            message_zh=f"您可查看的范围内没有编号为 {town_id} 的镇。",
        )
    sites = frozenset(session.exec(select(Site.id).where(Site.town_id == town_id)).all())
    groups = frozenset(
        session.exec(select(PatrolGroup.id).where(PatrolGroup.town_id == town_id)).all()
    )
    return replace(
        reach,
        town_ids=frozenset({town_id}),
        site_ids=reach.site_ids & sites,
        member_group_ids=reach.member_group_ids & groups,
        led_group_ids=reach.led_group_ids & groups,
        led_site_ids=reach.led_site_ids & sites,
        town_site_ids=reach.town_site_ids & sites,
        town_group_ids=reach.town_group_ids & groups,
    )

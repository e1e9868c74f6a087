"""The one rule for what a user may see: town, roles, group memberships, led groups, home school."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.access import Scope
from app.auth.models import Role, User
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Site
from app.towns.models import Town


def sees_everything(user: User) -> bool:
    """Supervisors (督查) and admins read every site and group of their town (or county)."""
    return user.has_role(Role.supervisor, Role.admin)


def towns_of(session: Session, user: User) -> frozenset[int]:
    """The user's town; for a county office account, every town of that town's county."""
    if not user.county_wide:
        return frozenset({user.town_id})
    county = select(Town.county_id).where(Town.id == user.town_id).scalar_subquery()
    return frozenset(session.exec(select(Town.id).where(Town.county_id == county)).all())


def scope_of(session: Session, user: User) -> Scope:
    """A member sees her groups' sites; a leader also the sites of the active groups she
    leads; gate staff their home school (home_site_id); supervisors and admins every site
    and group of their towns. Memberships never reach past the towns (an admin's slip that
    put a user of town A in a group of town B opens nothing)."""
    everything = sees_everything(user)
    towns = towns_of(session, user)
    member = frozenset(
        session.exec(
            select(GroupMember.group_id)
            .join(PatrolGroup, PatrolGroup.id == GroupMember.group_id)
            .where(GroupMember.user_id == user.id, col(PatrolGroup.town_id).in_(towns))
        ).all()
    )
    led: frozenset[int] = frozenset()
    if user.has_role(Role.leader):
        led = frozenset(
            session.exec(
                select(PatrolGroup.id).where(
                    PatrolGroup.leader_id == user.id,
                    PatrolGroup.active,
                    col(PatrolGroup.town_id).in_(towns),
                )
            ).all()
        )
    links: Sequence[tuple[int, int]] = []
    if member or led:
        links = session.exec(
            select(GroupSite.group_id, GroupSite.site_id)
            .join(Site, Site.id == GroupSite.site_id)
            .where(col(GroupSite.group_id).in_(member | led), col(Site.town_id).in_(towns))
        ).all()
    sites = {site_id for _, site_id in links}
    if user.home_site_id is not None:
        home = session.get(Site, user.home_site_id)
        if home is not None and home.town_id in towns:
            sites.add(user.home_site_id)
    town_sites: frozenset[int] = frozenset()
    town_groups: frozenset[int] = frozenset()
    if everything:
        town_sites = frozenset(
            session.exec(select(Site.id).where(col(Site.town_id).in_(towns))).all()
        )
        town_groups = frozenset(
            session.exec(select(PatrolGroup.id).where(col(PatrolGroup.town_id).in_(towns))).all()
        )
    return Scope(
        user_id=user.id,
        sees_everything=everything,
        town_id=user.town_id,
        town_ids=towns,
        county_wide=user.county_wide,
        site_ids=frozenset(sites),
        member_group_ids=member,
        led_group_ids=led,
        led_site_ids=frozenset(site_id for group_id, site_id in links if group_id in led),
        town_site_ids=town_sites,
        town_group_ids=town_groups,
    )

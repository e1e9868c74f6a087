"""The one rule for what a user may see: roles, group memberships, led groups, home school."""

from collections.abc import Sequence

from sqlmodel import Session, select

from app.access import Scope
from app.auth.models import Role, User
from app.groups.models import GroupMember, GroupSite, PatrolGroup


def sees_everything(user: User) -> bool:
    """Supervisors (督查) and admins read every site and group of the town."""
    return user.has_role(Role.supervisor, Role.admin)


def scope_of(session: Session, user: User) -> Scope:
    """A member sees her groups' sites; a leader also the sites of the active groups she
    leads; gate staff their home school (home_site_id); supervisors and admins everything."""
    member = frozenset(
        session.exec(select(GroupMember.group_id).where(GroupMember.user_id == user.id)).all()
    )
    led: frozenset[int] = frozenset()
    if user.has_role(Role.leader):
        led = frozenset(
            session.exec(
                select(PatrolGroup.id).where(PatrolGroup.leader_id == user.id, PatrolGroup.active)
            ).all()
        )
    links: Sequence[tuple[int, int]] = []
    if member or led:
        links = session.exec(
            select(GroupSite.group_id, GroupSite.site_id).where(
                GroupSite.group_id.in_(member | led)
            )
        ).all()
    sites = {site_id for _, site_id in links}
    if user.home_site_id is not None:
        sites.add(user.home_site_id)
    return Scope(
        user_id=user.id,
        sees_everything=sees_everything(user),
        site_ids=frozenset(sites),
        member_group_ids=member,
        led_group_ids=led,
        led_site_ids=frozenset(site_id for group_id, site_id in links if group_id in led),
    )

"""Who may see what: the sites and groups a user's roles and memberships reach."""

from sqlmodel import Session, select

from app.auth.models import Role, User, UserPublic
from app.groups.models import GroupMember, GroupSite, PatrolGroup


def sees_everything(user: User) -> bool:
    return user.has_role(Role.supervisor, Role.admin)


def member_group_ids(session: Session, user: User) -> set[int]:
    rows = session.exec(select(GroupMember.group_id).where(GroupMember.user_id == user.id)).all()
    return set(rows)


def led_group_ids(session: Session, user: User) -> set[int]:
    if not user.has_role(Role.leader):
        return set()
    rows = session.exec(
        select(PatrolGroup.id).where(PatrolGroup.leader_id == user.id, PatrolGroup.active)
    ).all()
    return set(rows)


def group_ids_of(session: Session, user: User) -> set[int]:
    """Groups the user belongs to or leads."""
    return member_group_ids(session, user) | led_group_ids(session, user)


def visible_site_ids(session: Session, user: User) -> set[int] | None:
    """None means every site (supervisor, admin)."""
    if sees_everything(user):
        return None
    groups = group_ids_of(session, user)
    sites: set[int] = set()
    if groups:
        sites |= set(
            session.exec(select(GroupSite.site_id).where(GroupSite.group_id.in_(groups))).all()
        )
    if user.home_site_id is not None:
        sites.add(user.home_site_id)
    return sites


def can_see_site(session: Session, user: User, site_id: int) -> bool:
    sites = visible_site_ids(session, user)
    return sites is None or site_id in sites


def leads_site(session: Session, user: User, site_id: int) -> bool:
    """A leader reviews shifts at the sites of the groups she leads."""
    groups = led_group_ids(session, user)
    if not groups:
        return False
    row = session.exec(
        select(GroupSite).where(GroupSite.group_id.in_(groups), GroupSite.site_id == site_id)
    ).first()
    return row is not None


def user_public(session: Session, user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        phone=user.phone,
        home_site_id=user.home_site_id,
        roles=sorted(user.role_set, key=list(Role).index),
        active=user.active,
    )

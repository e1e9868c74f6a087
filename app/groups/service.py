"""Patrol groups: admins manage them (every change is audited); members read their own."""

from sqlmodel import Session, select

from app.access import Scope
from app.audit import service as audit
from app.auth.models import Role, User
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    PatrolGroupCreate,
    PatrolGroupPublic,
)
from app.sites.models import Site

# ---- admin management of groups (every change is audited) --------------------------------


def _group_snapshot(session: Session, group: PatrolGroup) -> dict:
    return group_public(session, group).model_dump(mode="json")


def group_public(session: Session, group: PatrolGroup) -> PatrolGroupPublic:
    members = session.exec(
        select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    ).all()
    sites = session.exec(select(GroupSite.site_id).where(GroupSite.group_id == group.id)).all()
    return PatrolGroupPublic(
        id=group.id,
        name=group.name,
        leader_id=group.leader_id,
        town_id=group.town_id,
        active=group.active,
        member_ids=sorted(members),
        site_ids=sorted(sites),
    )


def get_group(session: Session, *, scope: Scope, group_id: int) -> PatrolGroup:
    """The group or 404: a group of another town is as absent as a missing one."""
    group = session.get(PatrolGroup, group_id)
    if group is None or not scope.sees_town(group.town_id):
        raise NotFound(
            f"No patrol group with id {group_id}.", message_zh=f"没有编号为 {group_id} 的巡逻组。"
        )
    return group


def get_readable_group(session: Session, *, scope: Scope, group_id: int) -> PatrolGroup:
    """Supervisors and admins read every group; others only the groups they lead or are in."""
    group = get_group(session, scope=scope, group_id=group_id)
    if not scope.sees_group(group.id):
        raise Forbidden(
            "You can only see the patrol groups you lead or belong to.",
            message_zh="只能查看您带领或所在的巡逻组。",
        )
    return group


def list_groups(
    session: Session, *, scope: Scope, include_inactive: bool = False
) -> list[PatrolGroup]:
    """Groups the caller may read, by id."""
    query = select(PatrolGroup).order_by(PatrolGroup.id)
    if not include_inactive:
        query = query.where(PatrolGroup.active)
    ids = scope.group_filter()
    if ids is not None:
        if not ids:
            return []
        query = query.where(PatrolGroup.id.in_(ids))
    return list(session.exec(query).all())


def _active_user(session: Session, user_id: int, field: str, town_id: int) -> User:
    """An active user of the group's town (one of another town is as unknown)."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.town_id != town_id:
        raise Invalid(
            f"No active user with id {user_id}.",
            message_zh=f"没有编号为 {user_id} 的在用用户。",
            details=[
                {
                    "field": field,
                    "message": "unknown or disabled user",
                    "message_zh": "没有该用户或已停用",
                }
            ],
        )
    return user


def _leader(session: Session, user_id: int, town_id: int) -> User:
    user = _active_user(session, user_id, "leader_id", town_id)
    if not user.has_role(Role.leader):
        raise Invalid(
            f"{user.username} does not have the leader (组长) role; give it to them first.",
            message_zh=f"{user.username} 没有组长角色，请先授予。",
            details=[
                {
                    "field": "leader_id",
                    "message": "user is not a leader",
                    "message_zh": "该用户不是组长",
                }
            ],
        )
    return user


def _site(session: Session, site_id: int, town_id: int, field: str = "site_id") -> Site:
    site = session.get(Site, site_id)
    if site is None or not site.active or site.town_id != town_id:
        raise Invalid(
            f"No active site with id {site_id}.",
            message_zh=f"没有编号为 {site_id} 的在用场所。",
            details=[
                {
                    "field": field,
                    "message": "unknown or deactivated site",
                    "message_zh": "没有该场所或已停用",
                }
            ],
        )
    return site


def _audit_group(session, *, actor_id, action, group, before) -> None:
    audit.record(
        session,
        actor_id=actor_id,
        town_id=group.town_id,
        action=action,
        entity="patrol_group",
        entity_id=group.id,
        before=before,
        after=_group_snapshot(session, group),
    )


def create_group(
    session: Session, *, data: PatrolGroupCreate, town_id: int, actor_id: int
) -> PatrolGroup:
    """Adds a group to a town with its leader (who also becomes a member), members and
    sites, all of that town."""
    if data.leader_id is not None:
        _leader(session, data.leader_id, town_id)
    member_ids = set(data.member_ids) | ({data.leader_id} if data.leader_id else set())
    for uid in member_ids:
        _active_user(session, uid, "member_ids", town_id)
    for sid in set(data.site_ids):
        _site(session, sid, town_id, "site_ids")
    group = PatrolGroup(name=data.name, leader_id=data.leader_id, town_id=town_id)
    session.add(group)
    session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=uid) for uid in sorted(member_ids))
    session.add_all(GroupSite(group_id=group.id, site_id=sid) for sid in sorted(set(data.site_ids)))
    session.flush()
    _audit_group(session, actor_id=actor_id, action="group.create", group=group, before=None)
    return group


def update_group(
    session: Session, *, group: PatrolGroup, changes: dict, actor_id: int
) -> PatrolGroup:
    """Renames, changes the leader (who becomes a member), or (de)activates a group."""
    before = _group_snapshot(session, group)
    if "name" in changes:
        if not changes["name"]:
            raise Invalid(
                "A group needs a name.",
                message_zh="巡逻组须有名称。",
                details=[{"field": "name", "message": "empty", "message_zh": "不能为空"}],
            )
        group.name = changes["name"]
    if "leader_id" in changes:
        leader_id = changes["leader_id"]
        if leader_id is not None:
            _leader(session, leader_id, group.town_id)
            if session.get(GroupMember, (group.id, leader_id)) is None:
                session.add(GroupMember(group_id=group.id, user_id=leader_id))
        group.leader_id = leader_id
    if changes.get("active") is not None:
        group.active = changes["active"]
    session.add(group)
    session.flush()
    _audit_group(session, actor_id=actor_id, action="group.update", group=group, before=before)
    return group


def add_member(session: Session, *, group: PatrolGroup, user_id: int, actor_id: int) -> None:
    """Adds a member; adding someone already in the group is 409."""
    _active_user(session, user_id, "user_id", group.town_id)
    if session.get(GroupMember, (group.id, user_id)) is not None:
        raise Conflict(
            f"User {user_id} is already a member of this group.",
            message_zh=f"用户 {user_id} 已是本组成员。",
        )
    before = _group_snapshot(session, group)
    session.add(GroupMember(group_id=group.id, user_id=user_id))
    session.flush()
    _audit_group(session, actor_id=actor_id, action="group.add_member", group=group, before=before)


def remove_member(session: Session, *, group: PatrolGroup, user_id: int, actor_id: int) -> None:
    """Removes a member; the leader must be replaced first."""
    row = session.get(GroupMember, (group.id, user_id))
    if row is None:
        raise NotFound(
            f"User {user_id} is not a member of this group.",
            message_zh=f"用户 {user_id} 不是本组成员。",
        )
    if group.leader_id == user_id:
        raise Conflict(
            "This is the group's leader; set another leader before removing them.",
            message_zh="此人是本组组长，请先另设组长再移除。",
        )
    before = _group_snapshot(session, group)
    session.delete(row)
    session.flush()
    _audit_group(
        session, actor_id=actor_id, action="group.remove_member", group=group, before=before
    )


def add_site(session: Session, *, group: PatrolGroup, site_id: int, actor_id: int) -> None:
    """Makes the group responsible for a site; a site may be patrolled by several groups."""
    _site(session, site_id, group.town_id)
    if session.get(GroupSite, (group.id, site_id)) is not None:
        raise Conflict(
            f"Site {site_id} is already one of this group's sites.",
            message_zh=f"场所 {site_id} 已是本组负责的场所。",
        )
    before = _group_snapshot(session, group)
    session.add(GroupSite(group_id=group.id, site_id=site_id))
    session.flush()
    _audit_group(session, actor_id=actor_id, action="group.add_site", group=group, before=before)


def remove_site(session: Session, *, group: PatrolGroup, site_id: int, actor_id: int) -> None:
    row = session.get(GroupSite, (group.id, site_id))
    if row is None:
        raise NotFound(
            f"Site {site_id} is not one of this group's sites.",
            message_zh=f"场所 {site_id} 不是本组负责的场所。",
        )
    before = _group_snapshot(session, group)
    session.delete(row)
    session.flush()
    _audit_group(session, actor_id=actor_id, action="group.remove_site", group=group, before=before)

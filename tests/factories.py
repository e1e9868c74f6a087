"""Realistic test data: a small town with two patrol groups, built through the services."""

from dataclasses import dataclass, field
from datetime import time

from sqlmodel import Session

from app.auth.models import User
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Checkpoint, GateWindow, Site, SiteKind, WindowKind
from app.users.service import create_user

PASSWORD = "patrol-test-pw"


@dataclass
class Town:
    sites: dict[str, Site] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, PatrolGroup] = field(default_factory=dict)
    checkpoints: dict[str, list[Checkpoint]] = field(default_factory=dict)
    windows: dict[str, list[GateWindow]] = field(default_factory=dict)


def add_user(session: Session, town: Town, username: str, name: str, roles: list[str], **kw):
    user = create_user(
        session,
        username=username,
        display_name=name,
        password=PASSWORD,
        roles=roles,
        actor_id=None,
        **kw,
    )
    town.users[username] = user
    return user


def add_site(session: Session, town: Town, key: str, name: str, kind=SiteKind.school, n_cp=4):
    site = Site(
        name=name, kind=kind, address=f"{name}路1号", lat=30.5 + len(town.sites) * 0.01, lon=114.3
    )
    session.add(site)
    session.flush()
    town.sites[key] = site
    town.checkpoints[key] = []
    for i in range(n_cp):
        cp = Checkpoint(
            site_id=site.id, name=f"{name}巡逻点{i + 1}", code=f"{key.upper()}-CP{i + 1}"
        )
        session.add(cp)
        town.checkpoints[key].append(cp)
    town.windows[key] = [
        GateWindow(
            site_id=site.id,
            name="上学",
            kind=WindowKind.arrival,
            starts=time(7, 30),
            ends=time(8, 30),
        ),
        GateWindow(
            site_id=site.id,
            name="放学",
            kind=WindowKind.dismissal,
            starts=time(16, 30),
            ends=time(17, 30),
        ),
    ]
    session.add_all(town.windows[key])
    session.flush()
    return site


def add_group(
    session: Session,
    town: Town,
    key: str,
    name: str,
    leader: User,
    members: list[User],
    sites: list[Site],
):
    group = PatrolGroup(name=name, leader_id=leader.id)
    session.add(group)
    session.flush()
    for user in members:
        session.add(GroupMember(group_id=group.id, user_id=user.id))
    for site in sites:
        session.add(GroupSite(group_id=group.id, site_id=site.id))
    session.flush()
    town.groups[key] = group
    return group


def build_town(session: Session) -> Town:
    town = Town()
    school_a = add_site(session, town, "a", "东风小学")
    kinder_a = add_site(session, town, "a2", "阳光幼儿园", kind=SiteKind.kindergarten, n_cp=2)
    school_b = add_site(session, town, "b", "红旗中学")
    add_user(session, town, "admin", "管理员", ["admin"])
    add_user(session, town, "supervisor", "督查 王敏", ["supervisor"])
    leader_a = add_user(session, town, "leader_a", "组长 李强", ["leader", "member"])
    leader_b = add_user(session, town, "leader_b", "组长 赵静", ["leader", "member"])
    members_a = [
        add_user(session, town, f"member_a{i}", f"队员A{i}", ["member"]) for i in range(1, 5)
    ]
    members_b = [
        add_user(session, town, f"member_b{i}", f"队员B{i}", ["member"]) for i in range(1, 5)
    ]
    town.users["member_a"] = members_a[0]
    town.users["member_b"] = members_b[0]
    add_user(session, town, "gate_a", "门卫 张伟", ["gate"], home_site_id=school_a.id)
    add_user(session, town, "gate_b", "门卫 陈芳", ["gate"], home_site_id=school_b.id)
    add_group(
        session, town, "a", "东风片区巡逻组", leader_a, [leader_a, *members_a], [school_a, kinder_a]
    )
    add_group(session, town, "b", "红旗片区巡逻组", leader_b, [leader_b, *members_b], [school_b])
    session.commit()
    return town

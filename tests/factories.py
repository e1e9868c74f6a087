"""Realistic test data: a small town with two patrol groups, built through the services, and
a second town of the same county (build_second_town) for the isolation tests."""

from dataclasses import dataclass, field
from datetime import time

from sqlmodel import Session, select

from app.auth.models import User
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Checkpoint, GateWindow, Site, SiteKind, WindowKind
from app.towns.models import DEFAULT_COUNTY_CODE, DEFAULT_TOWN_CODE, County
from app.towns.models import Town as TownRow
from app.towns.service import add_town
from app.users.service import create_user

PASSWORD = "patrol-test-pw"


@dataclass
class Town:
    row: TownRow | None = None  # the town's own row (county > town)
    sites: dict[str, Site] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, PatrolGroup] = field(default_factory=dict)
    checkpoints: dict[str, list[Checkpoint]] = field(default_factory=dict)
    windows: dict[str, list[GateWindow]] = field(default_factory=dict)


def town_row(session: Session, code: str = DEFAULT_TOWN_CODE, name: str = "东风镇") -> TownRow:
    """The town with this code, added (to the default county) if missing; the migration
    seeds the default town, a wiped database lacks it."""
    found = session.exec(select(TownRow).where(TownRow.code == code)).first()
    if found is not None:
        return found
    if session.exec(select(County).where(County.code == DEFAULT_COUNTY_CODE)).first() is None:
        session.add(County(code=DEFAULT_COUNTY_CODE, name="东风县"))
        session.flush()
    return add_town(session, code=code, name=name)


def _town_id(session: Session, town: Town) -> int:
    if town.row is None:
        town.row = town_row(session)
    return town.row.id


def add_user(session: Session, town: Town, username: str, name: str, roles: list[str], **kw):
    kw.setdefault("town_id", _town_id(session, town))
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
    town_id = _town_id(session, town)
    site = Site(
        name=name,
        kind=kind,
        address=f"{name}路1号",
        lat=30.5 + len(town.sites) * 0.01,
        lon=114.3,
        town_id=town_id,
    )
    session.add(site)
    session.flush()
    town.sites[key] = site
    town.checkpoints[key] = []
    for i in range(n_cp):
        cp = Checkpoint(
            site_id=site.id,
            town_id=town_id,
            name=f"{name}巡逻点{i + 1}",
            code=f"{key.upper()}-CP{i + 1}",
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
    group = PatrolGroup(name=name, leader_id=leader.id, town_id=_town_id(session, town))
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
    town = Town(row=town_row(session))
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


SECOND_TOWN_CODE = "xishan"


def build_second_town(session: Session) -> Town:
    """A second, smaller town of the same county, with the same usernames and checkpoint
    codes as build_town's (they are unique per town only): one school, one group, its own
    admin and supervisor."""
    town = Town(row=town_row(session, SECOND_TOWN_CODE, "西山镇"))
    school = add_site(session, town, "a", "西山小学")
    add_user(session, town, "admin", "西山 管理员", ["admin"])
    add_user(session, town, "supervisor", "西山 督查", ["supervisor"])
    leader = add_user(session, town, "leader_a", "西山 组长", ["leader", "member"])
    members = [add_user(session, town, f"member_a{i}", f"西山队员{i}", ["member"]) for i in (1, 2)]
    town.users["member_a"] = members[0]
    add_group(session, town, "a", "西山巡逻组", leader, [leader, *members], [school])
    session.commit()
    return town


def add_county_supervisor(session: Session, town: Town, username: str = "county_supervisor"):
    """A county office supervisor (县督查) whose account lives in `town`: reach, every town."""
    user = add_user(session, town, username, "县督查 孙立", ["supervisor"], county_wide=True)
    session.commit()
    return user

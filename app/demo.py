"""The demo town (青山镇): sites, checkpoints, users, patrol groups and this week's roster.

`patrol demo` calls seed_demo_town(). Running it again changes nothing: when the demo admin
exists it only reports the logins. It refuses to run with PATROL_ENV=production.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.auth.models import Role, User
from app.config import DEMO_PASSWORD, get_settings
from app.db import utcnow, write_session
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    Roster,
    RosterShift,
    RosterShiftMember,
)
from app.sites import service as sites
from app.sites.models import (
    CheckpointCreate,
    GateWindowCreate,
    Site,
    SiteCreate,
    SiteKind,
    WindowKind,
)
from app.towns.models import DEFAULT_TOWN_CODE, County, Town
from app.towns.service import add_town, the_town
from app.users.service import create_user

TOWN_TZ = ZoneInfo("Asia/Shanghai")
DEMO_TOWN = "qingshan"
BASE_LAT, BASE_LON = 30.5928, 114.3055


@dataclass(frozen=True)
class _DemoSite:
    name: str
    kind: SiteKind
    address: str
    code: str
    arrival: tuple[time, time]
    dismissal: tuple[time, time]
    spots: tuple[str, ...]


SITES = [
    _DemoSite(
        "青山镇中心小学",
        SiteKind.school,
        "青山镇建设路18号",
        "QSZX",
        (time(7, 20), time(8, 10)),
        (time(16, 20), time(17, 10)),
        ("校门口", "东围墙", "教学楼后侧", "食堂", "操场西北角"),
    ),
    _DemoSite(
        "青山镇第一中学",
        SiteKind.school,
        "青山镇文化街2号",
        "QSYZ",
        (time(7, 0), time(7, 50)),
        (time(17, 30), time(18, 20)),
        ("南校门", "学生宿舍", "实验楼", "食堂", "北围墙", "小卖部"),
    ),
    _DemoSite(
        "青山镇红星小学",
        SiteKind.school,
        "青山镇红星村委会旁",
        "HXXX",
        (time(7, 30), time(8, 15)),
        (time(16, 30), time(17, 15)),
        ("校门口", "教学楼", "厕所后巷", "围墙东侧"),
    ),
    _DemoSite(
        "青山镇实验小学",
        SiteKind.school,
        "青山镇人民路66号",
        "SYXX",
        (time(7, 25), time(8, 10)),
        (time(16, 25), time(17, 10)),
        ("正门", "侧门", "配电房", "食堂", "图书馆"),
    ),
    _DemoSite(
        "青山镇中心幼儿园",
        SiteKind.kindergarten,
        "青山镇建设路20号",
        "QSYE",
        (time(7, 40), time(8, 30)),
        (time(16, 0), time(16, 50)),
        ("园门口", "午睡室", "厨房", "户外活动场"),
    ),
    _DemoSite(
        "青山镇阳光幼儿园",
        SiteKind.kindergarten,
        "青山镇桃园路9号",
        "YGYE",
        (time(7, 45), time(8, 30)),
        (time(16, 10), time(16, 50)),
        ("园门口", "围栏北侧", "厨房", "滑梯区", "监控室"),
    ),
    _DemoSite(
        "青山镇汽车站周边",
        SiteKind.key_place,
        "青山镇车站路1号",
        "QCZ",
        (time(7, 0), time(8, 30)),
        (time(16, 0), time(18, 0)),
        ("候车厅", "出站口", "网吧一条街", "夜市摊点"),
    ),
]
GROUPS = [
    ("青山片区安全巡逻领导小组", [0, 4]),
    ("文化街片区安全巡逻领导小组", [1, 6]),
    ("桃园片区安全巡逻领导小组", [2, 3, 5]),
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明"]
GATES_PER_SCHOOL = 4
SHIFT_HOURS = 8


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


def summary(n_gates: int) -> str:
    """The demo logins, for the terminal."""
    return (
        "Demo town 青山镇 is ready. Log in with password "
        f"'{DEMO_PASSWORD}' as any of:\n"
        "  admin        管理员 (sets up sites, checkpoints, users, groups)\n"
        "  supervisor   督查 (reads every group's logs and rosters)\n"
        "  leader1..leader3    组长 (plans the roster, confirms shifts)\n"
        "  member1..member15   巡逻人员 (patrol shifts, checkpoint scans, hazards)\n"
        f"  gate1..gate{n_gates}        门卫 / 校门口值班人员 (gate check-in, visitors)\n"
        "  county       县督查 (reads every town of 示范县 on the server)\n"
        "  hexi_admin   河西镇 管理员 (sees 河西镇 only, not 青山镇)\n"
    )


def week_start(today: date) -> date:
    """Monday of the week containing today."""
    return today - timedelta(days=today.weekday())


def seed_demo_town(*, now: datetime | None = None) -> str:
    """Seeds the demo town on the configured engine once; returns the demo logins."""
    if get_settings().is_production:
        raise RuntimeError("The demo town refuses to run with PATROL_ENV=production.")
    n_gates = GATES_PER_SCHOOL * sum(1 for s in SITES if s.kind != SiteKind.key_place)
    with write_session() as session:
        if session.exec(select(User.id).where(User.username == "admin")).first():
            return summary(n_gates)
        _seed(session, now or utcnow())
    return summary(n_gates)


def _user(session: Session, username: str, name: str, roles: list[Role], **kw) -> User:
    kw.setdefault("town_id", the_town(session, DEMO_TOWN).id)
    return create_user(
        session,
        username=username,
        display_name=name,
        password=DEMO_PASSWORD,
        roles=roles,
        actor_id=None,
        **kw,
    )


def _towns(session: Session) -> Town:
    """青山镇 (the migration's default town, renamed) in 示范县, and a small second town 河西镇
    with its own admin and a school, to show that a town sees only itself; the county office
    supervisor `county` (县督查) reads both. Usernames and checkpoint codes are unique per
    town (河西小学's gate point reuses the code QSZX-01); the demo's names stay distinct, so
    every demo login works without its town (`admin` or `admin@qingshan`)."""
    town = session.exec(select(Town).where(Town.code == DEFAULT_TOWN_CODE)).first()
    if town is None:
        town = add_town(session, code=DEMO_TOWN, name="青山镇")
    county = session.get(County, town.county_id)
    county.code, county.name = "demo", "示范县"
    town.code, town.name = DEMO_TOWN, "青山镇"
    session.flush()
    hexi = add_town(session, code="hexi", name="河西镇", county_code="demo")
    hexi_admin = _user(session, "hexi_admin", "河西镇 管理员", [Role.admin], town_id=hexi.id)
    school = sites.create_site(
        session,
        data=SiteCreate(name="河西镇中心小学", kind=SiteKind.school, address="河西镇中心街1号"),
        town_id=hexi.id,
        actor_id=hexi_admin.id,
    )
    sites.create_checkpoint(
        session, site=school, data=CheckpointCreate(name="校门", code="QSZX-01"), actor_id=None
    )
    _user(session, "county", "示范县 县督查 孙立", [Role.supervisor], county_wide=True)
    return town


def _seed(session: Session, now: datetime) -> None:
    town = _towns(session)
    admin = _user(session, "admin", "管理员 周洁", [Role.admin])
    _user(session, "supervisor", "镇社会事务办 督查 郑国华", [Role.supervisor])

    site_rows: list[Site] = []
    for i, spec in enumerate(SITES):
        lat, lon = BASE_LAT + 0.006 * i, BASE_LON + 0.004 * (i % 3)
        site = sites.create_site(
            session,
            data=SiteCreate(name=spec.name, kind=spec.kind, address=spec.address, lat=lat, lon=lon),
            town_id=town.id,
            actor_id=admin.id,
        )
        site_rows.append(site)
        for kind, label, (starts, ends) in (
            (WindowKind.arrival, "上学", spec.arrival),
            (WindowKind.dismissal, "放学", spec.dismissal),
        ):
            sites.create_window(
                session,
                site=site,
                data=GateWindowCreate(name=label, kind=kind, starts=starts, ends=ends),
                actor_id=admin.id,
            )
        for j, spot in enumerate(spec.spots):
            sites.create_checkpoint(
                session,
                site=site,
                data=CheckpointCreate(
                    name=f"{spot}",
                    code=f"{spec.code}-{j + 1:02d}",
                    lat=round(lat + 0.0004 * (j % 3), 6),
                    lon=round(lon + 0.0004 * (j // 3), 6),
                ),
                actor_id=admin.id,
            )

    gate_no = 0
    for site, spec in zip(site_rows, SITES, strict=True):
        if spec.kind == SiteKind.key_place:
            continue
        for _ in range(GATES_PER_SCHOOL):
            gate_no += 1
            _user(
                session,
                f"gate{gate_no}",
                f"门卫 {_name(40 + gate_no)}",
                [Role.gate],
                home_site_id=site.id,
            )

    week = week_start(now.astimezone(TOWN_TZ).date())
    for g, (group_name, site_idx) in enumerate(GROUPS):
        leader = _user(session, f"leader{g + 1}", f"组长 {_name(g)}", [Role.leader, Role.member])
        members = [leader] + [
            _user(session, f"member{n}", f"队员 {_name(n + 3)}", [Role.member])
            for n in range(g * 5 + 1, g * 5 + 6)
        ]
        group = PatrolGroup(name=group_name, leader_id=leader.id, town_id=town.id)
        session.add(group)
        session.flush()
        session.add_all(GroupMember(group_id=group.id, user_id=u.id) for u in members)
        session.add_all(GroupSite(group_id=group.id, site_id=site_rows[i].id) for i in site_idx)
        session.flush()
        _roster(session, group, members, [site_rows[i] for i in site_idx], week, g, now)


def _roster(
    session: Session,
    group: PatrolGroup,
    members: list[User],
    group_sites: list[Site],
    week: date,
    g: int,
    now: datetime,
) -> None:
    """Round-the-clock 8-hour shifts at each site; a few are planned with only 3 people."""
    roster = Roster(group_id=group.id, period_start=week, period_end=week + timedelta(days=6))
    if g == 0:  # the first group has already handed its roster in
        roster.submitted_at, roster.submitted_by = now, group.leader_id
    session.add(roster)
    session.flush()
    slot = 0
    for day in range(7):
        local_day = week + timedelta(days=day)
        for s, site in enumerate(group_sites):
            for k in range(24 // SHIFT_HOURS):
                starts = datetime.combine(local_day, time(k * SHIFT_HOURS), TOWN_TZ)
                shift = RosterShift(
                    roster_id=roster.id,
                    site_id=site.id,
                    starts_at=starts.astimezone(UTC),
                    ends_at=(starts + timedelta(hours=SHIFT_HOURS)).astimezone(UTC),
                )
                session.add(shift)
                session.flush()
                # Night shifts on Wednesday at the group's first site are short one person.
                size = 3 if (day == 2 and s == 0 and k == 0) or slot % 17 == 5 else 4
                picked = [members[(slot + i) % len(members)] for i in range(size)]
                session.add_all(
                    RosterShiftMember(roster_shift_id=shift.id, user_id=u.id) for u in picked
                )
                slot += 1
    session.flush()

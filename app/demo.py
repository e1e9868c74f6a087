"""The demo town (青山镇): sites, checkpoints, users, patrol groups, rosters and weeks of history.

`patrol demo` calls seed_demo_town(). Running it again changes nothing: when the demo admin
exists it only reports the logins. It refuses to run with PATROL_ENV=production.

The history (HISTORY_WEEKS before this week, up to "now") is pushed through the real sync
path, phone by phone, each push with its own server time, so every record has its clocks,
its rules applied, its mutation log row and its place in the pull feed. It is mostly
compliant, with the few faults listed below on purpose, so each console view shows what it
is for: GAPS (no one patrolled), ABSENT (a planned member did not come), GATE_SHORT (a gate
window with 3 of 4), the late and the missing roster, the hazards' states, and one phone whose
clock runs SKEWED_PHONE_S fast. Every time comes from the one `now`.
"""

import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.auth.models import Device, Role, User
from app.auth.security import hash_password
from app.boarding.models import BoardingPupil, Dormitory
from app.config import DEMO_PASSWORD, get_settings
from app.db import get_engine, utcnow, write_session
from app.defences.models import DefenceDevice
from app.groups.membership import scope_of
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    Roster,
    RosterShift,
    RosterShiftMember,
)
from app.notices import service as notices
from app.notices.models import NoticeCreate, SubjectKind, VetoCaseCreate
from app.reports import notices as _notice_areas  # noqa: F401  (registers the report areas)
from app.sites import service as sites
from app.sites.models import (
    CheckpointCreate,
    GateWindowCreate,
    Site,
    SiteCreate,
    SiteKind,
    WindowKind,
)
from app.towns.models import DEFAULT_TOWN_CODE, County, Department, Town, Village
from app.towns.service import add_town, the_town
from app.users.service import create_user
from app.villages import service as villages
from app.villages.models import DisputeStatus, DisputeStep, VillageCreate

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
        "  staff1       宿管 of 青山镇第一中学 (bed-time roll call, pupils' leave)\n"
        f"  cadre1..cadre{CADRE_VILLAGES}      村干部 (the village's monthly screening form)\n"
        "  office1      四位一体办 (the villages' forms, disputes to resolution)\n"
        "  safety1..safety6    安全员 of each school (lessons, drills, camera and alarm checks)\n"
        "  duty1..duty6        值班领导 of each school (leadership duty, 带班巡查)\n"
        "  police1, traffic1   派出所 / 交警中队 officers (police at the gate, 护学岗)\n"
        "  county       县督查 (reads every town of 示范县 on the server)\n"
        "  hexi_admin   河西镇 管理员 (sees 河西镇 only, not 青山镇)\n"
    )


def serving_banner(host: str, port: int) -> str:
    """What `make demo` prints once the server listens: where to open it, and who to be."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    n_gates = GATES_PER_SCHOOL * sum(1 for s in SITES if s.kind != SiteKind.key_place)
    return (
        f"\n  Open {base}/ (the app; a phone-sized window suits it)\n"
        f"       {base}/docs (the API)\n\n" + summary(n_gates) + "  Stop with Ctrl+C.\n"
    )


def week_start(today: date) -> date:
    """Monday of the week containing today."""
    return today - timedelta(days=today.weekday())


def seed_demo_town(*, now: datetime | None = None, history: bool = True) -> str:
    """Seeds the demo town on the configured engine once; returns the demo logins.
    history=False: the town and this week's roster only (for tests of the set-up)."""
    if get_settings().is_production:
        raise RuntimeError("The demo town refuses to run with PATROL_ENV=production.")
    n_gates = GATES_PER_SCHOOL * sum(1 for s in SITES if s.kind != SiteKind.key_place)
    with write_session() as session:
        if session.exec(select(User.id).where(User.username == "admin")).first():
            return summary(n_gates)
        town = _seed(session, now or utcnow(), weeks=HISTORY_WEEKS if history else 0)
    if history:
        _history(town, now or utcnow())
        _notices_history(now or utcnow())
    return summary(n_gates)


@cache
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)


def _user(session: Session, username: str, name: str, roles: list[Role], **kw) -> User:
    kw.setdefault("town_id", the_town(session, DEMO_TOWN).id)
    return create_user(
        session,
        username=username,
        display_name=name,
        password=DEMO_PASSWORD,
        password_hash=_demo_hash(),
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


def _seed(session: Session, now: datetime, *, weeks: int) -> "_Town":
    home = _towns(session)
    admin = _user(session, "admin", "管理员 周洁", [Role.admin])
    supervisor = _user(session, "supervisor", "镇社会事务办 督查 郑国华", [Role.supervisor])
    town = _Town(supervisor=supervisor)

    site_rows: list[Site] = []
    for i, spec in enumerate(SITES):
        lat, lon = BASE_LAT + 0.006 * i, BASE_LON + 0.004 * (i % 3)
        site = sites.create_site(
            session,
            data=SiteCreate(name=spec.name, kind=spec.kind, address=spec.address, lat=lat, lon=lon),
            town_id=home.id,
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
        session.flush()
        town.sites.append(site)

    gate_no = 0
    for site, spec in zip(site_rows, SITES, strict=True):
        if spec.kind == SiteKind.key_place:
            continue
        for _ in range(GATES_PER_SCHOOL):
            gate_no += 1
            gate = _user(
                session,
                f"gate{gate_no}",
                f"门卫 {_name(40 + gate_no)}",
                [Role.gate],
                home_site_id=site.id,
            )
            town.gates[site.id].append(gate)

    week = week_start(now.astimezone(TOWN_TZ).date())
    for g, (group_name, site_idx) in enumerate(GROUPS):
        leader = _user(session, f"leader{g + 1}", f"组长 {_name(g)}", [Role.leader, Role.member])
        members = [leader] + [
            _user(session, f"member{n}", f"队员 {_name(n + 3)}", [Role.member])
            for n in range(g * 5 + 1, g * 5 + 6)
        ]
        group = PatrolGroup(name=group_name, leader_id=leader.id, town_id=home.id)
        session.add(group)
        session.flush()
        session.add_all(GroupMember(group_id=group.id, user_id=u.id) for u in members)
        session.add_all(GroupSite(group_id=group.id, site_id=site_rows[i].id) for i in site_idx)
        session.flush()
        town.groups.append((group, members))
        for w in range(weeks, -1, -1):
            town.plans += _roster(
                session,
                group,
                members,
                [site_rows[i] for i in site_idx],
                week - timedelta(weeks=w),
                g,
                now,
                weeks_back=w,
            )
    town.boarding = _boarding(session, site_rows[BOARDING_SITE])
    town.villages = _villages(session, home.id, admin)
    town.safety = _safety(session, site_rows, now)  # drills and technical defences
    town.police_duty = _police_duty(session, town, week, weeks, admin)  # issue 19
    for user in session.exec(select(User)).all():
        if Role.admin not in user.roles:
            town.devices[user.id] = _device(session, user)
    town.devices[admin.id] = _device(session, admin)  # types in the paper forms (排查表)
    session.flush()
    return town


def _roster(
    session: Session,
    group: PatrolGroup,
    members: list[User],
    group_sites: list[Site],
    week: date,
    g: int,
    now: datetime,
    *,
    weeks_back: int = 0,
) -> list["_Plan"]:
    """Round-the-clock 8-hour shifts at each site; a few are planned with only 3 people. Due
    the Friday before the week (17:00); handed in on the Thursday, except LATE_ROSTER (the
    Monday after the deadline) and, this week, all but the first group's (not yet)."""
    due = datetime.combine(week - timedelta(days=3), time(17), TOWN_TZ)
    roster = Roster(
        group_id=group.id,
        period_start=week,
        period_end=week + timedelta(days=6),
        due_at=due.astimezone(UTC),
    )
    if weeks_back > 0 or g == 0:
        late = (weeks_back, g) == LATE_ROSTER
        handed = due + (timedelta(days=3) if late else -timedelta(days=1))
        roster.submitted_at = min(handed.astimezone(UTC), now)
        roster.submitted_by = group.leader_id
    plans: list[_Plan] = []
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
                plans.append(_Plan(group, site, starts, picked, members[0]))
                slot += 1
    session.flush()
    return plans


# --- the history --------------------------------------------------------------------------

HISTORY_WEEKS = 3  # full weeks before this one
# The faults on purpose, by (days before today, site index in SITES, 8-hour slot 0..2).
GAPS = {(3, 2, 0), (9, 6, 0), (16, 1, 2)}  # no shift at all: 8 h with nobody
ABSENT = {(5, 0, 1), (12, 3, 2)}  # the last planned member stayed away
GATE_SHORT = {(2, 1, "arrival"), (8, 4, "dismissal"), (15, 0, "arrival")}  # 3 of 4 came
LATE_ROSTER = (2, 0)  # (weeks back, group): handed in after its deadline
SKEWED_PHONE = "member7"  # this phone's clock runs 3 h 7 min fast
SKEWED_PHONE_S = 3 * 3600 + 7 * 60
PHONES = ["华为 Mate 40", "小米 12", "OPPO Reno8", "vivo Y76s", "荣耀 X40", "红米 Note 11"]


@dataclass
class _Plan:
    """One planned 8-hour duty of a group at a site."""

    group: PatrolGroup
    site: Site
    starts: datetime  # local
    people: list[User]
    leader: User


@dataclass
class _Town:
    supervisor: User
    sites: list[Site] = field(default_factory=list)
    gates: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))
    groups: list[tuple[PatrolGroup, list[User]]] = field(default_factory=list)
    plans: list[_Plan] = field(default_factory=list)
    devices: dict[int, str] = field(default_factory=dict)
    # The boarding school's dorm staff and its dormitories with their pupils.
    boarding: tuple[User, list[tuple[Dormitory, list[BoardingPupil]]]] | None = None
    # The 66 villages, who hands in each one's form (its cadre, else the admin types in the
    # paper form), and the four-in-one office's staff member.
    villages: list[tuple[Village, User]] = field(default_factory=list)
    office: User | None = None
    # Each school's safety officer and its cameras and alarms (drills and technical defences).
    safety: list[tuple[User, list[DefenceDevice]]] = field(default_factory=list)
    # Police at the gate and leadership duty: the officers, the posts, each school's cadre.
    police_duty: "_PoliceDuty | None" = None


def _device(session: Session, user: User) -> str:
    """The user's phone, named as its owner would: "王伟的华为 Mate 40"."""
    device = Device(
        id=f"demo-{user.username}",
        user_id=user.id,
        label=f"{user.display_name.split()[-1]}的{PHONES[(user.id or 0) % len(PHONES)]}",
    )
    session.add(device)
    return device.id


class _Pushes:
    """The phones' pushes, collected and then sent in the order the server received them."""

    def __init__(self, town: _Town):
        self.town = town
        self.by_key: dict[tuple[int, date], list[dict]] = defaultdict(list)
        self.at: dict[tuple[int, date], datetime] = {}

    def add(
        self,
        user: User,
        at: datetime,
        type_: str,
        payload: dict,
        *,
        sync_at: datetime | None = None,
    ) -> str:
        """A mutation recorded at `at` (true local time); it syncs at `sync_at` (default:
        ten minutes after the day's last record on that phone)."""
        key = (user.id or 0, at.astimezone(TOWN_TZ).date())
        skew = timedelta(seconds=SKEWED_PHONE_S if user.username == SKEWED_PHONE else 0)
        mid = str(uuid.uuid4())
        self.by_key[key].append(
            {"id": mid, "type": type_, "occurred_at": (at + skew).isoformat(), "payload": payload}
        )
        when = sync_at or at + timedelta(minutes=10)
        self.at[key] = max(self.at.get(key, when), when)
        return mid

    def send(self, now: datetime) -> None:
        import app.record_types  # noqa: F401  (the mutation types the pushes carry)
        from app.sync.push import push
        from app.sync.schemas import PushRequest

        engine = get_engine()
        skewed = {
            u.id for _, members in self.town.groups for u in members if u.username == SKEWED_PHONE
        }
        for key in sorted(self.by_key, key=lambda k: self.at[k]):
            user_id, _ = key
            received = min(self.at[key], now)
            sent = received + timedelta(seconds=SKEWED_PHONE_S if user_id in skewed else 0)
            request = PushRequest(sent_at=sent, outbox_depth=0, mutations=self.by_key[key])
            answer = push(
                engine,
                user_id=user_id,
                device_id=self.town.devices[user_id],
                request=request,
                received_at=received.astimezone(UTC),
            )
            refused = [r for r in answer.results if r.status not in ("applied", "duplicate")]
            if refused:
                raise RuntimeError(f"the demo history was refused: {refused[:3]}")


def _history(town: _Town, now: datetime) -> None:
    """Weeks of patrols, gate duty, visitors and hazards up to `now` (see the docstring)."""
    now = now.astimezone(TOWN_TZ)
    today = now.date()
    pushes = _Pushes(town)
    site_index = {site.id: i for i, site in enumerate(town.sites)}
    with write_session() as session:
        checkpoints = {site.id: sites.list_checkpoints(session, site=site) for site in town.sites}
        windows = {site.id: sites.list_windows(session, site=site) for site in town.sites}
    reviews = []
    for plan in town.plans:
        ends = plan.starts + timedelta(hours=SHIFT_HOURS)
        days_back = (today - plan.starts.date()).days
        key = (days_back, site_index[plan.site.id], plan.starts.hour // SHIFT_HOURS)
        if plan.starts > now or key in GAPS:
            continue
        people = plan.people[:-1] if key in ABSENT else plan.people
        recorder = people[0]
        start = plan.starts - timedelta(minutes=2 + (plan.site.id or 0) % 5)  # handover overlap
        shift_id = pushes.add(
            recorder,
            start,
            "shift.start",
            {
                "site_id": plan.site.id,
                "group_id": plan.group.id,
                "member_ids": [u.id for u in people],
            },
        )
        for j, cp in enumerate(checkpoints[plan.site.id]):
            at = start + timedelta(minutes=40 + j * 17)
            if at > now:
                break
            typed = (days_back + j) % 29 == 3  # now and then a code typed by hand
            pushes.add(
                recorder,
                at,
                "shift.scan",
                {
                    "shift_id": shift_id,
                    "checkpoint_code": cp.code,
                    "method": "typed" if typed else "qr",
                    "lat": cp.lat,
                    "lon": cp.lon,
                    "accuracy_m": 8.0,
                },
            )
        if ends + timedelta(minutes=4) > now:
            continue  # on patrol now
        pushes.add(recorder, ends + timedelta(minutes=4), "shift.end", {"shift_id": shift_id})
        # Reviewed the morning two days after it ended (after the phone synced it that night);
        # the latest shifts still wait for the leader.
        on_it = plan.leader.id in {u.id for u in people}
        reviewer = town.supervisor if on_it else plan.leader
        review_at = datetime.combine(ends.date() + timedelta(days=2), time(9, 30), TOWN_TZ)
        reviews.append((reviewer, review_at, shift_id))
    for reviewer, at, shift_id in reviews:
        if at <= now:
            pushes.add(reviewer, at, "shift.review", {"shift_id": shift_id, "decision": "confirm"})
    _gate_history(pushes, town, windows, today, now)
    _hazard_history(pushes, town, today, now)
    _boarding_history(pushes, town, today, now)
    forms = _village_history(pushes, town, today, now)
    _safety_history(pushes, town, today)
    _police_duty_history(pushes, town, windows, today, now)  # issue 19
    pushes.send(now)
    _dispute_steps(town, forms, now)


BOARDING_SITE = 1  # 青山镇第一中学 boards
DORMS = {
    "男生宿舍1": ["张浩", "李俊", "王磊", "刘洋", "陈晨", "杨帆"],
    "女生宿舍1": ["赵雪", "黄敏", "周婷", "吴倩", "徐静", "孙悦"],
}
BOARDING_NIGHTS = 14  # nights of roll calls up to last night
MISSED_ROLL_CALL = (3, "女生宿舍1")  # (nights back, dorm): nobody took it
OVERDUE_LEAVE = "刘洋"  # out two days ago, due back yesterday 18:00, not back


# --- notices (通报) and a veto case (一票否决) ---------------------------------------------------
# Two notices of the week 14..8 days back, drafted and issued by the supervisor the morning
# after (its lines are the reports' figures: the ABSENT duty, the GATE_SHORT window of that
# week), and a veto case against the group the first one names, the notice as its evidence.
NOTICE_DAYS = (14, 8)  # (first, last) days back of the notices' period
NOTICE_AREAS = ("presence", "gate")


def _notices_history(now: datetime) -> None:
    today = now.astimezone(TOWN_TZ).date()
    first, last = today - timedelta(days=NOTICE_DAYS[0]), today - timedelta(days=NOTICE_DAYS[1])
    drafted = datetime.combine(last + timedelta(days=1), time(9, 30), TOWN_TZ).astimezone(UTC)
    with write_session() as session:
        supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
        scope = scope_of(session, supervisor)
        issued = []
        for k, area in enumerate(NOTICE_AREAS):
            body = NoticeCreate(area=area, date_from=first, date_to=last)
            at = drafted + timedelta(minutes=20 * k)
            notice = notices.draft(session, supervisor, scope, body, at)
            shown = notices.public(session, supervisor, scope, notice)
            if not shown.lines:
                continue
            notices.update(
                session,
                supervisor,
                notice,
                {"remark": "请相关巡逻组、学校于三日内整改并书面报告。"},
            )
            issued.append(notices.issue(session, supervisor, notice, at + timedelta(hours=1)))
        if not issued:
            return
        named = notices.public(session, supervisor, scope, issued[0]).lines[0]
        notices.record_veto(
            session,
            supervisor,
            scope,
            VetoCaseCreate(
                subject_kind=SubjectKind(named.subject_kind),
                subject_id=named.subject_id,
                occurred_on=last,
                reason="值班人员未到岗，经通报后仍未整改",
                evidence_kind="notice",
                evidence_ref=str(issued[0].id),
            ),
            None,
        )


def _boarding(session: Session, site: Site) -> tuple[User, list]:
    staff = _user(session, "staff1", "宿管 何丽", [Role.school_staff], home_site_id=site.id)
    dorms = []
    for dorm_name, names in DORMS.items():
        dorm = Dormitory(site_id=site.id, name=dorm_name)
        session.add(dorm)
        session.flush()
        pupils = [
            BoardingPupil(
                site_id=site.id, dormitory_id=dorm.id, name=n, class_name=f"初二({k % 3 + 1})班"
            )
            for k, n in enumerate(names)
        ]
        session.add_all(pupils)
        session.flush()
        dorms.append((dorm, pupils))
    return staff, dorms


def _boarding_history(pushes: _Pushes, town: _Town, today: date, now: datetime) -> None:
    """A roll call in every dorm every night at 21:30 (one missed), a pupil sick now and then,
    two leaves: one back on time, one not back (overdue)."""
    assert town.boarding is not None
    staff, dorms = town.boarding
    by_name = {p.name: p for _, pupils in dorms for p in pupils}
    away: list[tuple[int, datetime, datetime | None]] = []  # (pupil, out, back)
    for name, out_days, back_on_time in ((OVERDUE_LEAVE, 2, False), ("周婷", 5, True)):
        out_at = datetime.combine(today - timedelta(days=out_days), time(16, 40), TOWN_TZ)
        due = datetime.combine(out_at.date() + timedelta(days=1), time(18, 0), TOWN_TZ)
        leave = pushes.add(
            staff,
            out_at,
            "boarding.leave_out",
            {
                "pupil_id": by_name[name].id,
                "reason": "家中有事，家长接回",
                "approved_by_name": "班主任 马老师",
                "expected_back_at": due.isoformat(),
            },
        )
        back_at = due - timedelta(hours=1) if back_on_time else None
        if back_at is not None:
            pushes.add(staff, back_at, "boarding.leave_back", {"leave_id": leave})
        away.append((by_name[name].id or 0, out_at, back_at))
    for back in range(BOARDING_NIGHTS, 0, -1):
        night = today - timedelta(days=back)
        for d, (dorm, pupils) in enumerate(dorms):
            if (back, dorm.name) == MISSED_ROLL_CALL:
                continue
            at = datetime.combine(night, time(21, 30 + 5 * d), TOWN_TZ)
            here = {p.id for p in pupils}
            out = {i for i, left, came in away if left <= at and (came is None or came > at)}
            out &= here
            absent = [{"pupil_id": i, "reason": "on_leave", "note": ""} for i in sorted(out)]
            absent += [
                {"pupil_id": p.id, "reason": "sick", "note": "校医室留观"}
                for k, p in enumerate(pupils)
                if (back + k) % 11 == 0 and p.id not in out
            ]
            pushes.add(
                staff,
                at,
                "boarding.roll_call",
                {"dormitory_id": dorm.id, "night": night.isoformat(), "absent": absent},
            )


# --- the villages' dispute screening (矛盾纠纷排查表) -------------------------------------------

# The plan's town has 66 villages (11 x 6 names), in six management districts (管区).
VILLAGE_NAMES = [
    f"{a}{b}村"
    for b in ("王庄", "李家", "柳树", "石桥", "河口", "枣园")
    for a in ("东", "西", "南", "北", "前", "后", "上", "下", "大", "小", "新")
]
DISTRICTS = ["东管区", "西管区", "南管区", "北管区", "中心管区", "河口管区"]
CADRE_VILLAGES = 6  # the first six villages' cadres hand in on their phones (cadre1..cadre6)
VILLAGE_MONTHS = 3  # full months of forms before this one
# (months back, village index): handed in after the 17th, and not handed in at all
LATE_FORMS = {(1, 2), (1, 17), (2, 40), (3, 2)}
MISSING_FORMS = {(1, 5), (1, 33), (2, 5)}
CORRECTED_FORM = (1, 0)  # its cadre handed in a correction a week later
DISPUTE_TOPICS = [
    ("land", "宅基地边界争议", False),
    ("neighbours", "排水沟堵塞引发邻里矛盾", True),
    ("family", "赡养老人问题家庭纠纷", False),
    ("labour", "工地拖欠务工人员工资", False),
    ("land", "承包地流转合同到期争议", False),
    ("other", "养殖场异味群众反映", True),
]
OPEN_DISPUTES = 3  # of last month's disputes the office has not resolved yet (one resolving)


def _villages(session: Session, town_id: int, admin: User) -> list[tuple[Village, User]]:
    out = []
    for i, name in enumerate(VILLAGE_NAMES):
        village = villages.create_village(
            session,
            data=VillageCreate(code=f"{i + 1:02d}", name=name, district=DISTRICTS[i // 11]),
            town_id=town_id,
            actor_id=admin.id,
        )
        who = admin
        if i < CADRE_VILLAGES:
            who = _user(
                session,
                f"cadre{i + 1}",
                f"{name} 村干部 {_name(60 + i)}",
                [Role.village],
                village_id=village.id,
            )
        out.append((village, who))
    _user(
        session,
        "office1",
        "四位一体办 主任 冯建国",
        [Role.department],
        department=Department.four_in_one,
    )
    return out


def _month_back(today: date, n: int) -> date:
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _village_history(
    pushes: _Pushes, town: _Town, today: date, now: datetime
) -> list[tuple[str, int, dict, date]]:
    """Each village's form of the last VILLAGE_MONTHS months and of this month so far:
    petitions and unstable factors now and then, a dispute or two in some villages; a few
    late (LATE_FORMS), a few missing (MISSING_FORMS), one corrected. Returns (form id, months
    back, dispute, hand-in day) of every dispute, for the office's steps."""
    disputes = []
    for back in range(VILLAGE_MONTHS, -1, -1):
        first = _month_back(today, back)
        month = f"{first.year:04d}-{first.month:02d}"
        for i, (village, who) in enumerate(town.villages):
            if (back, i) in MISSING_FORMS:
                continue
            day = 20 + i % 5 if (back, i) in LATE_FORMS else 3 + (i * 7) % 14
            at = datetime.combine(first.replace(day=day), time(9 + i % 8, 15), TOWN_TZ)
            if at > now:
                continue  # not handed in yet this month
            found = []
            if (i + back) % 7 == 0:
                n = 1 + (i % 2)
                for k in range(n):
                    cat, summary, settled = DISPUTE_TOPICS[(i + k + back) % len(DISPUTE_TOPICS)]
                    found.append(
                        {
                            "key": f"d{back}-{i}-{k}",
                            "summary": summary,
                            "parties": f"{_name(i + k)}、{_name(i + k + 9)}",
                            "category": cat,
                            "settled_in_village": settled,
                        }
                    )
            payload: dict[str, Any] = {
                "village_id": village.id,
                "month": month,
                "petitions": 1 if (i + back) % 9 == 0 else 0,
                "unstable_factors": 1 if (i + 2 * back) % 13 == 0 else 0,
                "disputes": found,
            }
            form = pushes.add(who, at, "village.form", payload)
            if (back, i) == CORRECTED_FORM and at + timedelta(days=7) <= now:
                fixed = {**payload, "petitions": payload["petitions"] + 1}
                pushes.add(who, at + timedelta(days=7), "village.form", fixed)
            disputes += [(form, back, d, at.date()) for d in found if not d["settled_in_village"]]
    return disputes


def _dispute_steps(town: _Town, disputes: list[tuple[str, int, dict, date]], now: datetime) -> None:
    """The four-in-one office starts on each dispute a few days after its form came and
    resolves it within two weeks, except the last OPEN_DISPUTES of last month's (and this
    month's, too new): one is being resolved, the others still open."""
    with write_session() as session:
        office = session.exec(select(User).where(User.username == "office1")).one()
        office_scope = scope_of(session, office)
        recent = [d for d in disputes if d[1] == 1][-OPEN_DISPUTES:]
        for form_id, back, dispute, handed in disputes:
            if back == 0 or (form_id, back, dispute, handed) in recent[1:]:
                continue
            start = datetime.combine(handed + timedelta(days=3), time(10), TOWN_TZ)
            steps = [(DisputeStatus.resolving, "", start)]
            if (form_id, back, dispute, handed) not in recent:
                done = start + timedelta(days=10)
                steps.append((DisputeStatus.resolved, "经村调委会和司法所调解，双方签订协议", done))
            for to, note, at in steps:
                if at > now:
                    break
                villages.step_dispute(
                    session,
                    user=office,
                    scope=office_scope,
                    body=DisputeStep(form_id=form_id, dispute_key=dispute["key"], to=to, note=note),
                    now=at.astimezone(UTC),
                )
        session.flush()


# --- drills and technical defences ---------------------------------------------------------------

SAFETY_DAYS = 180  # months of lessons, drills and checks up to yesterday
DRILL_OVERDUE = 3  # this school's last drill was DRILL_LAST_DAYS ago: overdue (every 90 days)
DRILL_LAST_DAYS = 120
LESSON_OVERDUE = 4  # this school's last lesson was LESSON_LAST_DAYS ago: overdue (every 30)
LESSON_LAST_DAYS = 45
CHECK_OVERDUE = (2, "alarm")  # (school, kind): last checked CHECK_LAST_DAYS ago (every 30)
CHECK_LAST_DAYS = 50
# Faults: (school, kind, days ago found, how far it got): open, fixed (awaiting 验收), accepted.
FAULTS = [
    (0, "camera", 20, "open", "校门口摄像头夜间画面黑屏"),
    (1, "alarm", 12, "fixed", "宿舍楼入侵报警探头误报"),
    (5, "camera", 43, "accepted", "操场摄像头镜头被树枝遮挡"),  # a regular check's day
]
DEVICES = (("camera", "校门口摄像头", "校门口"), ("alarm", "入侵报警主机", "财务室/档案室"))
DRILL_TOPICS = ("消防疏散演练", "防震避险演练", "防踩踏疏散演练", "防暴恐应急演练")
LESSON_TOPICS = ("防溺水安全教育", "交通安全教育", "法制教育讲座", "食品安全教育", "防校园欺凌教育")


def _safety(session: Session, site_rows: list[Site], now: datetime) -> list:
    """A safety officer (school_staff) and a camera and an alarm at every school."""
    out = []
    schools = [s for s in site_rows if s.kind != SiteKind.key_place]
    installed = now - timedelta(days=SAFETY_DAYS + 30)
    for n, site in enumerate(schools, start=1):
        officer = _user(
            session,
            f"safety{n}",
            f"安全员 {_name(70 + n)}",
            [Role.school_staff],
            home_site_id=site.id,
        )
        devices = [
            DefenceDevice(
                site_id=site.id, kind=kind, name=name, location=spot, created_at=installed
            )
            for kind, name, spot in DEVICES
        ]
        session.add_all(devices)
        session.flush()
        out.append((officer, devices))
    return out


def _safety_history(pushes: _Pushes, town: _Town, today: date) -> None:
    """Months of lessons (about every 4 weeks) and drills (about every 11 weeks) at every
    school, each with its photo-less record; a check of every camera and alarm about every 4
    weeks; the overdue cases and FAULTS above."""
    supervisor = town.supervisor
    for i, (officer, devices) in enumerate(town.safety):
        site = devices[0].site_id

        last_drill = DRILL_LAST_DAYS if i == DRILL_OVERDUE else 20 + 9 * i
        last_lesson = LESSON_LAST_DAYS if i == LESSON_OVERDUE else 3 + 4 * i
        _held(pushes, officer, site, i, today, "drill", 80, last_drill, DRILL_TOPICS)
        _held(pushes, officer, site, i, today, "lesson", 26, last_lesson, LESSON_TOPICS)
        for device in devices:
            found = {(k, ago): (state, text) for s, k, ago, state, text in FAULTS if s == i}
            last = CHECK_LAST_DAYS if (i, device.kind) == CHECK_OVERDUE else 2 + 3 * i
            # a device still faulty was last checked when the fault was found
            last = next(
                (ago for (k, ago), v in found.items() if k == device.kind and v[0] != "accepted"),
                last,
            )
            days = last
            while days <= SAFETY_DAYS:
                at = datetime.combine(today - timedelta(days=days), time(10, 0), TOWN_TZ)
                fault = next(
                    (v for (k, ago), v in found.items() if k == device.kind and ago == days), None
                )
                payload = {
                    "defence_device_id": device.id,
                    "result": "fault" if fault else "ok",
                    "description": fault[1] if fault else "",
                }
                check = pushes.add(officer, at, "defence.check", payload)
                if fault:
                    _fault_steps(pushes, officer, supervisor, check, fault[0], at)
                days += 26


def _held(pushes, officer, site, i, today, kind, every, last, topics) -> None:
    """One school's lessons or drills, every `every` days from `last` days ago back."""
    days = last
    while days <= SAFETY_DAYS:
        day = today - timedelta(days=days)
        payload = {
            "site_id": site,
            "kind": kind,
            "held_on": day.isoformat(),
            "topic": topics[(days // every + i) % len(topics)],
            "participants": 300 + 37 * i,
            "participants_note": "全校师生" if kind == "drill" else "全体学生",
        }
        pushes.add(officer, datetime.combine(day, time(15, 30), TOWN_TZ), "drill.record", payload)
        days += every


def _fault_steps(pushes, officer, supervisor, check: str, state: str, found_at) -> None:
    from app.defences.rules import fault_id_of

    fault = fault_id_of(check)
    if state in ("fixed", "accepted"):
        fix = {"fault_id": fault, "action": "fix", "comment": "已联系厂家维修"}
        pushes.add(officer, found_at + timedelta(days=3), "defence.fault_transition", fix)
    if state == "accepted":
        accept = {"fault_id": fault, "action": "accept", "comment": ""}
        pushes.add(supervisor, found_at + timedelta(days=5), "defence.fault_transition", accept)


def _gate_history(pushes: _Pushes, town: _Town, windows, today: date, now: datetime) -> None:
    """Four staff check in at every window of every school day; GATE_SHORT had three. Two
    visitors a week per school, signed in with approval and out again."""
    for days_back in range(HISTORY_WEEKS * 7 + today.weekday(), -1, -1):
        day = today - timedelta(days=days_back)
        if day.weekday() >= 5:
            continue
        for i, site in enumerate(town.sites):
            staff = town.gates.get(site.id, [])
            for window in windows[site.id] if staff else []:
                opens = datetime.combine(day, window.starts, TOWN_TZ)
                here = staff[:3] if (days_back, i, window.kind) in GATE_SHORT else staff
                for n, gate in enumerate(here):
                    at = opens + timedelta(minutes=3 + 2 * n)
                    if at <= now:
                        payload = {
                            "site_id": site.id,
                            "window_id": window.id,
                            "local_date": day.isoformat(),
                            "direction": "in",
                        }
                        pushes.add(gate, at, "gate.check", payload)
            if staff and day.weekday() in (1, 3):
                at = datetime.combine(day, time(10, 15), TOWN_TZ)
                if at + timedelta(hours=1) <= now:
                    visitor = pushes.add(
                        staff[0],
                        at,
                        "visitor.enter",
                        {
                            "site_id": site.id,
                            "name": ["刘建国", "陈美华", "送货员 孙强"][days_back % 3],
                            "visiting": ["校长办公室", "三年级二班 王老师", "食堂"][days_back % 3],
                            "purpose": ["检查消防器材", "家长会谈", "送食材"][days_back % 3],
                            "host_approved": True,
                            "vehicle_plate": "鄂A·3K215" if days_back % 3 == 2 else None,
                            "goods": "蔬菜、大米" if days_back % 3 == 2 else None,
                            "pass_slip_no": f"CMT-{day:%m%d}-{i + 1}"
                            if days_back % 3 == 2
                            else None,
                        },
                    )
                    pushes.add(
                        staff[0],
                        at + timedelta(minutes=50),
                        "visitor.leave",
                        {"visitor_id": visitor},
                    )


# (days before today, site index, category, place type, severity, description, what happened)
HAZARDS = [
    (20, 0, "fire", None, "medium", "教学楼二楼灭火器压力不足", "closed"),
    (18, 1, "food_hygiene", "canteen", "high", "食堂留样柜温度超标", "closed"),
    (15, 4, "collapse", "classroom", "high", "午睡室吊顶有裂缝", "rectified"),
    (13, 6, "surroundings", "internet_cafe", "medium", "车站对面网吧接纳未成年人", "overdue"),
    (11, 2, "traffic", "gate", "medium", "校门口缺少减速带", "overdue"),
    (9, 3, "security_equipment", None, "low", "侧门监控摄像头画面模糊", "assigned"),
    (6, 1, "surroundings", "illegal_stall", "low", "校门外流动摊点售卖三无食品", "assigned"),
    (4, 5, "accident", None, "low", "滑梯区地面防护垫破损", "reported"),
    (1, 0, "fire", None, "high", "配电箱周围堆放纸箱", "reported"),
]
DEPARTMENTS = {
    "fire": "education_office",
    "food_hygiene": "market_regulation",
    "collapse": "education_office",
    "surroundings": "police_station",
    "traffic": "traffic_police",
    "security_equipment": "four_in_one",
    "accident": "education_office",
}


def _fix_photo(session: Session, user: User) -> str:
    """One small JPEG of "the fix", stored like an upload (content-addressed)."""
    import hashlib

    from PIL import Image, ImageDraw

    from app.photos import service as photos

    img = Image.new("RGB", (320, 240), (200, 220, 200))
    ImageDraw.Draw(img).rectangle((40, 60, 280, 180), outline=(30, 120, 30), width=8)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    photos.store(sha256=sha, data=data, user=user)
    return sha


def _hazard_history(pushes: _Pushes, town: _Town, today: date, now: datetime) -> None:
    """HAZARDS, each found on patrol and taken along its lifecycle as far as it got."""
    leaders = {
        i: (members[0], members[1:])
        for (group, members), (_, site_idx) in zip(town.groups, GROUPS, strict=True)
        for i in site_idx
    }
    with write_session() as session:
        photo = _fix_photo(session, town.supervisor)
    for days_back, i, category, place, severity, text, fate in HAZARDS:
        leader, members = leaders[i]
        finder = members[days_back % len(members)]
        found = datetime.combine(today - timedelta(days=days_back), time(14, 20), TOWN_TZ)
        if found > now:
            continue
        site = town.sites[i]
        report = {
            "site_id": site.id,
            "category": category,
            "severity": severity,
            "description": text,
            "lat": site.lat,
            "lon": site.lon,
            "accuracy_m": 10.0,
        }
        if place:
            report["place_type"] = place
        if category == "surroundings":
            report |= {"within_300m": True, "distance_m": 150.0}
        hazard = pushes.add(finder, found, "hazard.report", report)
        if fate == "reported":
            continue
        due = (found + timedelta(days=30)).date()
        if fate == "overdue":  # due before today, not closed: overdue
            due = min((found + timedelta(days=5)).date(), today - timedelta(days=1))
        assign = {
            "hazard_id": hazard,
            "action": "assign",
            "department": DEPARTMENTS[category],
            "due_date": due.isoformat(),
            "comment": "请按期整改并上传整改照片",
        }
        at = found + timedelta(hours=20)
        pushes.add(leader, at, "hazard.transition", assign)
        if fate in ("assigned", "overdue"):
            continue
        fix = {"hazard_id": hazard, "action": "rectify", "photos": [photo], "comment": "已整改"}
        pushes.add(finder, at + timedelta(days=2), "hazard.transition", fix)
        if fate == "closed":
            close = {"hazard_id": hazard, "action": "close", "comment": "验收合格，销号"}
            pushes.add(town.supervisor, at + timedelta(days=3), "hazard.transition", close)


# --- police at the gate (护学岗) and leadership duty (领导值班和带班), issue 19 ---------------
# Gaps are named by school days back from today (1: the last school day before today), so
# each falls on a school day whatever the day the demo is seeded.
POLICE_POSTS: dict[int, tuple[str, ...]] = {
    0: ("police_station", "traffic_police"),  # 中心小学
    1: ("police_station", "traffic_police"),  # 第一中学
    4: ("police_station",),  # 中心幼儿园: the police station only
}
# (school days back, site, department, window kind): nobody came; the last one the gate
# recorded as 0 officers present, the others nobody recorded at all.
POLICE_ABSENT = [
    (2, 1, "traffic_police", "dismissal"),
    (7, 0, "police_station", "arrival"),
    (12, 4, "police_station", "dismissal"),
]
DUTY_NO_PLAN = {(3, 2), (10, 5)}  # (school days back, site): nobody planned that day
DUTY_NOT_KEPT = {(1, 3), (6, 0)}  # planned, but the cadre never recorded the day
DUTY_SUBSTITUTE = (4, 1)  # staff1 stood in for 第一中学's cadre and recorded it
OFFICERS = {
    "police_station": ("police1", "派出所 民警 刘洋", ["刘洋", "警号 031562"]),
    "traffic_police": ("traffic1", "交警中队 交警 周勇", ["周勇", "警号 052218"]),
}


@dataclass
class _PoliceDuty:
    officers: dict[str, User]
    cadres: dict[int, User]  # site id -> the school's duty cadre (副校长)
    substitute: User


def _school_days_back(today: date, n: int) -> date:
    day = today
    while n:
        day -= timedelta(days=1)
        n -= day.weekday() < 5
    return day


def _police_duty(session: Session, town: _Town, week: date, weeks: int, admin: User):
    from app.duty.models import DutyPlanDay
    from app.police.models import PolicePost
    from app.towns.models import Department

    officers = {
        dept: _user(session, login, name, [Role.department], department=Department(dept))
        for dept, (login, name, _) in OFFICERS.items()
    }
    for i, depts in POLICE_POSTS.items():
        site = town.sites[i]
        session.add_all(
            PolicePost(town_id=site.town_id, site_id=site.id, department=d) for d in depts
        )
    cadres = {}
    today = week + timedelta(days=6)  # plans run to the end of this week
    for k, site in enumerate(town.sites):
        if site.kind == SiteKind.key_place:
            continue
        cadre = _user(
            session,
            f"duty{k + 1}",
            f"副校长 {_name(70 + k)}",
            [Role.school_staff],
            home_site_id=site.id,
        )
        cadres[site.id] = cadre
    session.flush()
    start = week - timedelta(weeks=weeks)
    for site_id, cadre in cadres.items():
        day = start
        while day <= today:
            if day.weekday() < 5:
                session.add(
                    DutyPlanDay(
                        town_id=cadre.town_id,
                        site_id=site_id,
                        day=day,
                        cadre_id=cadre.id,
                        planned_by=admin.id,
                    )
                )
            day += timedelta(days=1)
    session.flush()
    assert town.boarding is not None
    return _PoliceDuty(officers=officers, cadres=cadres, substitute=town.boarding[0])


def _police_duty_history(pushes: _Pushes, town: _Town, windows, today: date, now: datetime) -> None:
    """The officers at every post for every school-day window (POLICE_ABSENT: nobody came),
    the duty cadres' check-ins every planned day (DUTY_NOT_KEPT: none; DUTY_NO_PLAN: the day
    is taken off the plan)."""
    from sqlmodel import delete

    from app.duty.models import DutyPlanDay

    pd = town.police_duty
    assert pd is not None
    absent = {(_school_days_back(today, n), i, d, k): n for n, i, d, k in POLICE_ABSENT}
    last_absent = POLICE_ABSENT[-1]
    gate_saw_nobody = (_school_days_back(today, last_absent[0]), *last_absent[1:])
    first = today - timedelta(days=HISTORY_WEEKS * 7 + today.weekday())
    no_plan = {(_school_days_back(today, n), town.sites[i].id) for n, i in DUTY_NO_PLAN}
    not_kept = {(_school_days_back(today, n), town.sites[i].id) for n, i in DUTY_NOT_KEPT}
    sub_day = (_school_days_back(today, DUTY_SUBSTITUTE[0]), town.sites[DUTY_SUBSTITUTE[1]].id)
    with write_session() as session:
        for day, site_id in no_plan:
            session.exec(
                delete(DutyPlanDay).where(DutyPlanDay.site_id == site_id, DutyPlanDay.day == day)
            )
        sub = session.exec(
            select(DutyPlanDay).where(
                DutyPlanDay.site_id == sub_day[1], DutyPlanDay.day == sub_day[0]
            )
        ).one()
        sub.substitute_id = pd.substitute.id
        session.add(sub)
    day = first
    while day <= today:
        if day.weekday() < 5:
            for i, depts in POLICE_POSTS.items():
                site = town.sites[i]
                for window in windows[site.id]:
                    for dept in depts:
                        at = datetime.combine(day, window.starts, TOWN_TZ) + timedelta(minutes=2)
                        if at > now:
                            continue
                        key = (day, i, dept, window.kind)
                        login, _, names = OFFICERS[dept]
                        payload = {
                            "site_id": site.id,
                            "department": dept,
                            "window_id": window.id,
                            "local_date": day.isoformat(),
                            "officers": 0 if key in absent else 2,
                            "officer_names": [] if key in absent else names,
                        }
                        if key == gate_saw_nobody:
                            pushes.add(town.gates[site.id][0], at, "police.presence", payload)
                        elif key not in absent:
                            pushes.add(pd.officers[dept], at, "police.presence", payload)
            for site_id, cadre in pd.cadres.items():
                at = datetime.combine(day, time(7, 45), TOWN_TZ)
                if (day, site_id) in no_plan | not_kept or at > now:
                    continue
                who = pd.substitute if (day, site_id) == sub_day else cadre
                note = ["带班巡查：校门口、食堂、教学楼正常", "带班巡查：检查宿舍楼消防通道，畅通"][
                    day.day % 2
                ]
                pushes.add(
                    who,
                    at,
                    "duty.check_in",
                    {"site_id": site_id, "day": day.isoformat(), "round_note": note},
                )
        day += timedelta(days=1)

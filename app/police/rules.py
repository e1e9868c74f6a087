"""The rules of police presence at the school gate over plain facts, callable without a push
or a session (the plan: 派出所、交警中队每天上学、放学期间在中学、中心小学、中心幼儿园校门口
安排警力)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.records.authz import Permission, Relation
from app.records.errors import Rejected, Rule

# As at the gate (app.gate.rules.GATE_GRACE): officers take position before the children come,
# so a presence check counts from this long before the window starts up to its end.
POLICE_GRACE = timedelta(minutes=15)
OUTSIDE_WINDOW = "outside_window"

# An officer of the post's own department (a 派出所 officer for the police station's posts
# only), or the school's gate staff who saw them; never a supervisor or an admin, who read.
WHO_CHECKS_POLICE = Permission(
    what=("登记护学岗警力到岗", "record police presence at this post"),
    roles=frozenset({Role.department, Role.gate}),
    allow=frozenset({Relation.post_officer, Relation.site_gate}),
    refusal=Rule.not_post_officer,
)


def post_relations(
    *,
    roles: list[str],
    department: str | None,
    town_id: int,
    post_department: str,
    post_town_id: int,
) -> set[Relation]:
    """An officer stands to a post when she is department staff of the post's department in
    the post's town."""
    if Role.department in roles and department == post_department and town_id == post_town_id:
        return {Relation.post_officer}
    return set()


def check_post(post_found: bool, site_id: int, department: str) -> None:
    """Presence is recorded only for a post that exists (and is active)."""
    if not post_found:
        raise Rejected(
            f"There is no active {department} post at site {site_id}.",
            zh=f"编号为 {site_id} 的学校没有该部门（{department}）的护学岗。",
        )


def check_window_of_site(window_id: int, window_site_id: int | None, site_id: int) -> None:
    if window_site_id != site_id:
        raise Rejected(
            f"Gate window {window_id} is not a window of this school.",
            zh=f"值班时段 {window_id} 不属于本校。",
        )


def check_officers(officers: int, names: list[str]) -> None:
    """The count is the officers present; the names or badge numbers, when given, are as many."""
    if names and len(names) != officers:
        raise Rejected(
            f"{len(names)} names or badge numbers for {officers} officers; give one for each.",
            zh=f"填写了 {len(names)} 个姓名或警号，但到岗人数为 {officers}，请逐一填写。",
        )


def window_bounds(
    local_date: date, starts: time, ends: time, timezone: str
) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return datetime.combine(local_date, starts, zone), datetime.combine(local_date, ends, zone)


def window_flag(
    event_time: datetime, local_date: date, starts: time, ends: time, timezone: str
) -> str | None:
    """outside_window when the corrected time of the check lies outside the window and its
    grace (15 minutes before the start to the end); None: it counts."""
    start, end = window_bounds(local_date, starts, ends, timezone)
    return None if start - POLICE_GRACE <= event_time <= end else OUTSIDE_WINDOW


def window_ended(now: datetime, local_date: date, ends: time, timezone: str) -> bool:
    """A window is judged (covered or not) only once it has ended."""
    return now >= datetime.combine(local_date, ends, ZoneInfo(timezone))


def school_day(day: date) -> bool:
    """Posts stand Monday to Friday (and on any day a presence was recorded: make-up days)."""
    return day.weekday() < 5


def covers(officers: int, window_flag: str | None) -> bool:
    """A check covers its window when it found at least one officer, inside the window."""
    return officers > 0 and window_flag is None

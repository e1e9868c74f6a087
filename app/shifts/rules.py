"""The rules of a patrol shift over plain facts, callable without a push or a session: who
may start, end, scan and review it and who counts on it, which group it is for, whether it
may still change, when it ends, what a review does to it."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from math import asin, cos, radians, sin, sqrt

from app.auth.models import Role
from app.records.authz import FIELD_ROLES, Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.shifts.models import ReviewDecision, ScanMethod, ShiftStatus

# A scan is near its checkpoint when the fix is within this distance of it, plus the fix's
# own stated accuracy (a phone that says "±30 m" may be 30 m further off). 100 m covers a
# checkpoint placed on the map by hand and a campus's GPS multipath.
NEAR_CHECKPOINT_M = 100.0
# The accuracy allowed for at most: a fix vaguer than this cannot prove where the phone was,
# so the allowance stops growing with it (a ±5 km fix does not excuse being 5 km away).
MAX_ACCURACY_ALLOWANCE_M = 150.0
EARTH_RADIUS_M = 6_371_000.0

# A person is present on a planned duty when their counted shifts cover at least this share
# of it: half, so a member who patrolled half an 8-hour duty counts but a 1-minute shift
# listing four people does not make them present (README, "Rules").
PRESENT_SHARE = 0.5
# A shift shorter than this is shown to its leader with a warning before review.
SHORT_SHIFT_S = 30 * 60

# The rule table's rows for shifts (docs/sync.md, "Who may push what").
WHO_STARTS = Permission(
    what=("在此开始巡逻班次", "start a patrol shift here"),
    roles=FIELD_ROLES,
    allow=frozenset({Relation.site_patrol}),
    refusal=Rule.not_this_school,
)
WHO_ENDS = Permission(  # the group's leader too: a shift its people forgot to end
    what=("结束本班次", "end this shift"),
    roles=FIELD_ROLES,
    allow=frozenset({Relation.recorder, Relation.on_shift, Relation.group_leader}),
    refusal=Rule.not_on_shift,
)
WHO_SCANS = Permission(
    what=("为本班次扫码打卡", "scan a checkpoint for this shift"),
    roles=FIELD_ROLES,
    allow=frozenset({Relation.recorder, Relation.on_shift}),
    refusal=Rule.not_on_shift,
)
WHO_REVIEWS = Permission(
    what=("复核本班次", "review this shift"),
    roles=frozenset({Role.leader, Role.supervisor}),
    allow=frozenset({Relation.group_leader, Relation.supervisor}),
    refusal=Rule.not_group_leader,
    never=frozenset({Relation.recorder, Relation.listed}),
    never_rule=Rule.own_shift_review,
    needs_active=True,
)


def relations_to_shift(
    *,
    user_id: int,
    roles: Iterable[str],
    active: bool,
    led_group_ids: Iterable[int],
    recorded_by: int,
    group_id: int | None,
    people: Mapping[int, bool],
) -> set[Relation]:
    """The author's relations to a shift: `people` are the listed people, each with whether
    they count. A disabled account leads no group (its old phone signs nothing off)."""
    roles = set(roles)
    found = {Relation(r) for r in roles & {Role.supervisor, Role.admin}}
    if recorded_by == user_id:
        found.add(Relation.recorder)
    if user_id in people:
        found.add(Relation.listed)
        if people[user_id]:
            found.add(Relation.on_shift)
    if active and group_id is not None and group_id in set(led_group_ids):
        found.add(Relation.group_leader)
    return found


def counts_on_shift(*, in_group: bool, active: bool) -> bool:
    """Who counts toward a shift's people (the "at least 4" rule, coverage, rosters): an
    active member or the leader of the shift's group. Anyone else listed is kept, visibly
    not counted, so nothing the phone recorded is lost."""
    return in_group and active


def patrol_group(named: int | None, *, mine: set[int], patrolling: set[int]) -> int:
    """The group a shift is for: the one the phone named, which must be one of the author's
    groups that patrol the site (never another group: it would count toward that group's
    duty); else the author's first such group. The author patrols the site (WHO_STARTS)."""
    candidates = sorted(mine & patrolling)
    if named is not None and named not in candidates:
        raise Rejected(
            f"Patrol group {named} is not one of your groups patrolling this site.",
            Rule.not_your_group,
            zh=f"巡逻组 {named} 不是您所在、巡逻本处的巡逻组。",
        )
    if named is not None:
        return named
    if not candidates:
        raise Rejected(
            "You are in no patrol group that patrols this site.",
            Rule.not_this_school,
            zh="您不在巡逻本处的任何巡逻组。",
        )
    return candidates[0]


def check_may_change(status: str) -> None:
    """A confirmed shift is locked: its member can no longer end it or scan for it."""
    if status == ShiftStatus.confirmed:
        raise Conflicted(
            Rule.shift_locked,
            "This shift was already confirmed by the group leader; it can no longer change.",
            zh="该班次已由组长确认，不能再修改。",
        )


def status_after_scan(status: str) -> ShiftStatus | None:
    """A scan for a returned shift amends it: it awaits review again. None: unchanged."""
    return ShiftStatus.ended if status == ShiftStatus.returned else None


def end_time(
    started_at: datetime, start_flag: str | None, ended_at: datetime, end_flags: tuple[str, ...]
) -> tuple[datetime, str | None]:
    """A shift never ends before it started: an end that would (the phone's clock changed
    between the two) is kept at the start time and the shift is flagged clock_changed. The
    times are corrected ones; gives the end time and the shift's new clock_flag, None when
    the flag stays as it is."""
    if not ended_at < started_at:
        return ended_at, None
    flags = sorted({*end_flags, *(start_flag or "").split(","), "clock_changed"} - {""})
    return started_at, ",".join(flags)


def status_after_review(status: str, decision: ReviewDecision, comment: str) -> ShiftStatus:
    """What a leader's review does to a shift. Only an ended shift is reviewed, and the first
    review wins: a confirmed or returned shift is reviewed again only after its member amends
    it (which makes it ended again). Returning a shift needs a comment saying why."""
    if status == ShiftStatus.open:
        raise Conflicted(
            Rule.shift_not_ended, "This shift has not ended yet.", zh="该班次尚未结束。"
        )
    if status in (ShiftStatus.confirmed, ShiftStatus.returned):
        raise Conflicted(
            Rule.first_review_wins,
            f"This shift was already {ShiftStatus(status)} by an earlier review; "
            "the first review stands.",
            zh=f"该班次已被先前的复核{'确认' if status == ShiftStatus.confirmed else '退回'}，"
            "以第一次复核为准。",
        )
    if decision == ReviewDecision.return_ and not comment:
        raise Rejected(
            "Say why the shift is returned: a comment is required.",
            zh="退回班次须填写原因。",
        )
    return ShiftStatus.confirmed if decision == ReviewDecision.confirm else ShiftStatus.returned


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; the PWA's util.js uses the same)."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))


def scan_proof(
    method: ScanMethod | None,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    checkpoint_lat: float | None,
    checkpoint_lon: float | None,
) -> str | None:
    """Why a scan does not prove the member stood at the checkpoint, as sorted flags; None
    when it does (read from its QR code, with a GPS fix within NEAR_CHECKPOINT_M plus the
    accuracy of the checkpoint's position). The scan is kept either way.
    - typed: the code was typed, not read from the printed QR code;
    - unknown_method: an older app that does not say how (not proof either);
    - no_gps: no fix was taken;
    - no_position: the checkpoint has no position to compare the fix with;
    - far: the fix is further from the checkpoint than allowed."""
    flags = set()
    if method is None:
        flags.add("unknown_method")
    elif method == ScanMethod.typed:
        flags.add("typed")
    if lat is None or lon is None:
        flags.add("no_gps")
    elif checkpoint_lat is None or checkpoint_lon is None:
        flags.add("no_position")
    else:
        allowance = NEAR_CHECKPOINT_M + min(accuracy_m or 0.0, MAX_ACCURACY_ALLOWANCE_M)
        if distance_m(lat, lon, checkpoint_lat, checkpoint_lon) > allowance:
            flags.add("far")
    return ",".join(sorted(flags)) or None


def covered_share(
    planned: tuple[datetime, datetime], worked: list[tuple[datetime, datetime]]
) -> float:
    """The share of a planned duty that a person's shifts cover (overlaps counted once)."""
    start, end = planned
    if end <= start:
        return 0.0
    pieces = sorted((max(s, start), min(e, end)) for s, e in worked if s < end and e > start)
    covered, reach = 0.0, start
    for s, e in pieces:
        s = max(s, reach)
        if e > s:
            covered += (e - s).total_seconds()
            reach = e
    return covered / (end - start).total_seconds()


def is_present(planned: tuple[datetime, datetime], worked: list[tuple[datetime, datetime]]) -> bool:
    """Present on a planned duty: counted shifts cover PRESENT_SHARE of it."""
    return covered_share(planned, worked) >= PRESENT_SHARE

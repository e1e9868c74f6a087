"""The rules of the boarding pupils' roll call and leave over plain facts, callable without a
push or a session (the plan: 对学生外出要建立严格的请销假制度和住宿生晚间就寝点名登记制度)."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.boarding.models import AbsenceReason
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule

# A night's roll call is due once the evening is over: it is judged from this local time of
# the next morning, so a roll call taken late (after midnight) still counts for its night.
NIGHT_JUDGED_AT = time(6, 0)

# The school's own staff (宿管, the class teachers on duty) and the town's admin record; the
# supervisors read the report.
WHO_KEEPS_BOARDING = Permission(
    what=("登记本校住宿生的点名和请销假", "record this school's boarding roll calls and leave"),
    roles=frozenset({Role.school_staff, Role.admin}),
    allow=frozenset({Relation.site_staff, Relation.admin}),
    refusal=Rule.not_school_staff,
)


def absences_of(
    dorm_pupils: Mapping[int, str], absent: Iterable[tuple[int, AbsenceReason, str]]
) -> list[dict]:
    """The absent pupils as stored: each must be one of this dorm's pupils, listed once."""
    rows, seen = [], set()
    for pupil_id, reason, note in absent:
        if pupil_id not in dorm_pupils:
            raise Rejected(
                f"Pupil {pupil_id} does not sleep in this dormitory.",
                zh=f"编号为 {pupil_id} 的学生不住在这间宿舍。",
            )
        if pupil_id in seen:
            raise Rejected(
                f"Pupil {pupil_id} is listed twice as absent.",
                zh=f"编号为 {pupil_id} 的学生被重复登记为缺勤。",
            )
        seen.add(pupil_id)
        rows.append(
            {"pupil_id": pupil_id, "name": dorm_pupils[pupil_id], "reason": reason, "note": note}
        )
    return rows


def check_first_roll_call(taken: bool, dorm_name: str, night: date) -> None:
    """One roll call per dorm and night: the first to arrive stands, a second is shown the
    first (two staff on one dorm, or a phone that re-took it offline)."""
    if taken:
        raise Conflicted(
            Rule.roll_call_taken,
            f"The roll call of {dorm_name} for the night of {night} is in already.",
            zh=f"{dorm_name} {night} 晚的就寝点名已登记。",
        )


def present_on_leave(present: Iterable[int], on_leave: Iterable[int]) -> list[int]:
    """Pupils ticked present while a leave of theirs is still open: kept as the dorm counted
    them, listed for the school to close the leave (销假) or correct the roll call."""
    return sorted(set(present) & set(on_leave))


def check_can_go_out(open_leave: bool, pupil_name: str) -> None:
    if open_leave:
        raise Conflicted(
            Rule.leave_open,
            f"{pupil_name} is out on a leave already; close it (销假) before a new one.",
            zh=f"{pupil_name} 已请假外出尚未销假，请先销假再登记新的请假。",
        )


def check_expected_back(out_at: datetime, expected_back_at: datetime) -> None:
    if expected_back_at <= out_at:
        raise Rejected(
            "The expected return must be after the pupil goes out.",
            zh="预计返校时间须晚于外出时间。",
        )
    if expected_back_at - out_at > timedelta(days=31):
        raise Rejected(
            "A leave longer than 31 days is not a boarding leave; check the return date.",
            zh="请假超过 31 天，不属于住宿生请假，请检查返校日期。",
        )


def back_at(back: datetime | None, returned_at: datetime, expected: datetime) -> bool:
    """销假 once: the first return stands. Returns whether it is late."""
    if back is not None:
        raise Conflicted(
            Rule.leave_closed,
            "This leave was closed already (the pupil is back).",
            zh="该请假已销假（学生已返校）。",
        )
    return returned_at > expected


def night_due(night: date, now: datetime, timezone: str) -> bool:
    """A night is judged once the next morning has come in the school's zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return (local.date(), local.time()) >= (night + timedelta(days=1), NIGHT_JUDGED_AT)


def overdue(expected_back_at: datetime, back: datetime | None, now: datetime) -> bool:
    """Not back (no 销假) and the expected return has passed."""
    return back is None and expected_back_at < now

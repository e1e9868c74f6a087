"""The rules of leadership duty (领导值班和带班) over plain facts, callable without a push or a
session: who may be planned, who may record the day, and when a day is judged."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule

OUTSIDE_DAY = "outside_day"

# Only the day's planned cadre, or the substitute the school's staff named, records the day;
# whatever the role (a school's own staff, usually; a town leader sometimes).
WHO_RECORDS_DUTY = Permission(
    what=("登记当天的领导值班", "record this day's leadership duty"),
    roles=frozenset(Role),
    allow=frozenset({Relation.duty_cadre}),
    refusal=Rule.not_duty_cadre,
)


def cadre_relations(user_id: int, cadre_id: int, substitute_id: int | None) -> set[Relation]:
    return {Relation.duty_cadre} if user_id in (cadre_id, substitute_id) else set()


def check_planned(planned: bool, site_name: str, day: date) -> None:
    """A duty is recorded only on a planned day: the plan says who."""
    if not planned:
        raise Rejected(
            f"{site_name} has no duty plan for {day}; the school's staff plan it first.",
            zh=f"{site_name} {day} 没有排定值班领导，请学校先排班。",
        )


def check_first_record(recorded: bool, site_name: str, day: date) -> None:
    """One duty record per school and day: the first stands (the cadre's second phone, or the
    substitute who recorded it too)."""
    if recorded:
        raise Conflicted(
            Rule.duty_recorded,
            f"The leadership duty of {site_name} on {day} is recorded already.",
            zh=f"{site_name} {day} 的领导值班已登记。",
        )


def day_flag(event_time: datetime, day: date, timezone: str) -> str | None:
    """outside_day when the corrected time of the check-in is not on the duty's local day:
    kept, not counted."""
    return None if event_time.astimezone(ZoneInfo(timezone)).date() == day else OUTSIDE_DAY


def day_ended(now: datetime, day: date, timezone: str) -> bool:
    """A day is judged (kept or not) once it is over in the school's zone."""
    return now.astimezone(ZoneInfo(timezone)).date() > day


def duty_day(day: date, planned: bool) -> bool:
    """A school day (Monday to Friday) is due; a weekend or holiday day is due when it was
    planned (the school keeps duty then)."""
    return planned or day.weekday() < 5


def cadre_problem(*, exists: bool, active: bool, same_town: bool) -> tuple[str, str] | None:
    """A duty cadre is an active user of the school's town; (en, zh) of why not, else None."""
    if not exists or not same_town:
        return "No such user in this town.", "本镇没有该用户。"
    if not active:
        return "This user's account is disabled.", "该用户账号已停用。"
    return None


def days_between(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]

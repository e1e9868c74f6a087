"""The rules of safety lessons and drills over plain facts, callable without a push: who
records them, which days they may be held on, and when a school is overdue (the plan:
开展安全、法制专题教育和应急预案演练)."""

from datetime import date, timedelta

from app.auth.models import Role
from app.records.authz import Permission, Relation
from app.records.errors import Rejected, Rule

# The school's own staff (the safety officer) and the town's admin record them.
WHO_RECORDS = Permission(
    what=("登记本校的安全教育和应急演练", "record this school's safety lessons and drills"),
    roles=frozenset({Role.school_staff, Role.admin}),
    allow=frozenset({Relation.site_staff, Relation.admin}),
    refusal=Rule.not_school_staff,
)

# A lesson or drill is recorded when it is held or soon after: never for a day to come, and
# not for one more than a year back (a typo in the year).
MAX_BACKDATE_DAYS = 366


def check_held_on(held_on: date, recorded_on: date) -> None:
    """held_on: the day it was held; recorded_on: the school's local date of the record."""
    if held_on > recorded_on:
        raise Rejected(
            f"A lesson or drill cannot be recorded for a day to come ({held_on}).",
            zh=f"不能登记尚未到来的日期（{held_on}）的教育或演练。",
        )
    if recorded_on - held_on > timedelta(days=MAX_BACKDATE_DAYS):
        raise Rejected(
            f"{held_on} is more than a year back; check the date.",
            zh=f"{held_on} 已是一年多以前，请检查日期。",
        )


def due_state(last_held: date | None, every_days: int, today: date) -> tuple[date | None, int]:
    """(next due date, days overdue today): due every_days after the last one held. A school
    that never held one is overdue from the start (the plan asks every school for them):
    (None, -1) marks it; else days overdue is 0 when it is not overdue."""
    if last_held is None:
        return None, -1
    due = last_held + timedelta(days=every_days)
    return due, max(0, (today - due).days)


def periods(
    date_from: date, date_to: date, every_days: int, today: date
) -> list[tuple[date, date]]:
    """The whole periods of every_days from date_from that ended by today and by date_to
    (for the assessment: each is due once, kept when one was held in it)."""
    out: list[tuple[date, date]] = []
    start = date_from
    while True:
        end = start + timedelta(days=every_days - 1)
        if end > date_to or end >= today:
            return out
        out.append((start, end))
        start = end + timedelta(days=1)

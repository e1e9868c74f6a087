"""The rules of a patrol shift over plain facts, callable without a push or a session: which
group it is for, whether it may still change, when it ends, what a review does to it."""

from datetime import datetime

from app.records.errors import Conflicted, Rejected, Rule
from app.shifts.models import ReviewDecision, ShiftStatus


def patrol_group(
    named: int | None, *, mine: set[int], patrolling: set[int], oversees: bool
) -> int | None:
    """The group a shift is for: the one the phone named, which must patrol the site and be
    the author's (a supervisor or admin may name any); else the author's first group that
    patrols the site, or None when none does."""
    if named is not None:
        if named not in mine and not oversees:
            raise Rejected(f"You are not in patrol group {named}.")
        if named not in patrolling:
            raise Rejected(f"Patrol group {named} does not patrol this site.")
        return named
    candidates = sorted(mine & patrolling)
    return candidates[0] if candidates else None


def check_may_change(status: str) -> None:
    """A confirmed shift is locked: its member can no longer end it or scan for it."""
    if status == ShiftStatus.confirmed:
        raise Conflicted(
            Rule.shift_locked,
            "This shift was already confirmed by the group leader; it can no longer change.",
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
        raise Conflicted(Rule.shift_not_ended, "This shift has not ended yet.")
    if status in (ShiftStatus.confirmed, ShiftStatus.returned):
        raise Conflicted(
            Rule.first_review_wins,
            f"This shift was already {ShiftStatus(status)} by an earlier review; "
            "the first review stands.",
        )
    if decision == ReviewDecision.return_ and not comment:
        raise Rejected("Say why the shift is returned: a comment is required.")
    return ShiftStatus.confirmed if decision == ReviewDecision.confirm else ShiftStatus.returned

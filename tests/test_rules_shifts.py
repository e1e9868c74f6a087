"""The shift rules on plain facts, worked by hand: no push, no session, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from app.records.errors import Conflicted, Rejected, Rule
from app.shifts import rules
from app.shifts.models import ReviewDecision, ShiftStatus

STARTED = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a fixed day: these rules never read a clock


def test_a_named_group_must_be_the_authors_and_patrol_the_site():
    assert rules.patrol_group(5, mine={3, 5}, patrolling={5, 9}, oversees=False) == 5
    with pytest.raises(Rejected, match="You are not in patrol group 9"):
        rules.patrol_group(9, mine={3, 5}, patrolling={5, 9}, oversees=False)
    with pytest.raises(Rejected, match="Patrol group 3 does not patrol this site"):
        rules.patrol_group(3, mine={3, 5}, patrolling={5, 9}, oversees=False)


def test_a_supervisor_may_name_any_group_that_patrols_the_site():
    assert rules.patrol_group(9, mine=set(), patrolling={5, 9}, oversees=True) == 9
    with pytest.raises(Rejected, match="does not patrol"):
        rules.patrol_group(4, mine=set(), patrolling={5, 9}, oversees=True)


def test_without_a_named_group_the_authors_first_patrolling_group_or_none():
    assert rules.patrol_group(None, mine={8, 3, 5}, patrolling={9, 5, 8}, oversees=False) == 5
    assert rules.patrol_group(None, mine={3}, patrolling={5}, oversees=False) is None
    assert rules.patrol_group(None, mine=set(), patrolling={5}, oversees=True) is None


@pytest.mark.parametrize("status", [ShiftStatus.open, ShiftStatus.ended, ShiftStatus.returned])
def test_a_shift_not_yet_confirmed_may_change(status):
    rules.check_may_change(status)  # no conflict raised


def test_a_confirmed_shift_is_locked():
    with pytest.raises(Conflicted) as raised:
        rules.check_may_change("confirmed")
    assert raised.value.rule == Rule.shift_locked == "shift_locked"
    assert "already confirmed" in raised.value.message
    assert raised.value.current is None  # the handler adds the server's state


def test_a_scan_amends_a_returned_shift_and_leaves_others_as_they_are():
    assert rules.status_after_scan("returned") == ShiftStatus.ended
    assert rules.status_after_scan("open") is None
    assert rules.status_after_scan("ended") is None


def test_an_end_after_the_start_is_kept_as_it_is():
    end = STARTED + timedelta(hours=8)
    assert rules.end_time(STARTED, None, end, ("skew",)) == (end, None)
    assert rules.end_time(STARTED, "skew", STARTED, ()) == (STARTED, None)  # same instant


def test_an_end_before_the_start_is_held_at_the_start_and_flagged():
    """The phone's clock went back 30 minutes between start and end."""
    end = STARTED - timedelta(minutes=30)
    assert rules.end_time(STARTED, None, end, ()) == (STARTED, "clock_changed")
    assert rules.end_time(STARTED, "future", end, ("skew",)) == (
        STARTED,
        "clock_changed,future,skew",
    )
    assert rules.end_time(STARTED, "clock_changed,skew", end, ("skew",)) == (
        STARTED,
        "clock_changed,skew",
    )


def test_a_review_of_an_ended_shift_confirms_or_returns_it():
    confirm, give_back = ReviewDecision.confirm, ReviewDecision.return_
    assert rules.status_after_review("ended", confirm, "") == ShiftStatus.confirmed
    assert rules.status_after_review("ended", give_back, "漏扫东门") == ShiftStatus.returned


def test_returning_a_shift_needs_a_comment():
    with pytest.raises(Rejected, match="comment is required"):
        rules.status_after_review("ended", ReviewDecision.return_, "")


def test_an_open_shift_is_not_reviewed_yet():
    with pytest.raises(Conflicted) as raised:
        rules.status_after_review("open", ReviewDecision.return_, "")  # the conflict comes first
    assert raised.value.rule == Rule.shift_not_ended


@pytest.mark.parametrize("status", ["confirmed", "returned"])
def test_the_first_review_wins(status):
    with pytest.raises(Conflicted) as raised:
        rules.status_after_review(status, ReviewDecision.confirm, "")
    assert raised.value.rule == Rule.first_review_wins
    assert raised.value.message == (
        f"This shift was already {status} by an earlier review; the first review stands."
    )

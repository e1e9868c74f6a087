"""The gate and visitor-register rules on plain facts, worked by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from app.gate import rules
from app.records.errors import Conflicted, Rejected, Rule

ENTERED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a fixed day: these rules never read a clock


def test_a_check_names_a_window_of_its_own_school():
    rules.check_window_of_site(5, 1, 1)  # window 5 belongs to school 1: no refusal
    with pytest.raises(Rejected, match="Gate window 5 is not a window of this school"):
        rules.check_window_of_site(5, 2, 1)
    with pytest.raises(Rejected, match="Gate window 7 is not a window"):
        rules.check_window_of_site(7, None, 1)  # no such window


def test_a_visitor_leaves_at_the_corrected_exit_time():
    left = ENTERED + timedelta(minutes=45)
    assert rules.time_out(ENTERED, left, None) == left


def test_an_exit_is_never_before_the_entry():
    assert rules.time_out(ENTERED, ENTERED - timedelta(minutes=3), None) == ENTERED


def test_the_first_exit_stands():
    first_exit = ENTERED + timedelta(minutes=45)
    with pytest.raises(Conflicted) as raised:
        rules.time_out(ENTERED, ENTERED + timedelta(hours=2), first_exit)
    assert raised.value.rule == Rule.visitor_already_left
    assert raised.value.current is None  # the handler adds the server's state

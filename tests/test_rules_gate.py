"""The gate and visitor-register rules on plain facts, worked by hand."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.gate import rules
from app.gate.models import GateDirection, SlipCheck, VisitorApproval
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


# --- gate windows (hand-worked: 上学 07:20-08:10 in Shanghai, UTC+8, on 2 March 2026) -------

DAY = date(2026, 3, 2)
STARTS, ENDS = time(7, 20), time(8, 10)
IN, OUT = GateDirection.check_in, GateDirection.check_out


def _utc(hour, minute):
    """A Shanghai wall-clock time on DAY as UTC (Shanghai is UTC+8, no summer time)."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("hour", "minute", "direction", "flag"),
    [
        (4, 27, IN, "outside_window"),  # the 04:27 签到 for 07:20-08:10
        (7, 4, IN, "outside_window"),  # 16 min before the start: beyond the 15 min grace
        (7, 5, IN, None),  # exactly 15 min before: within the grace
        (8, 10, IN, None),  # at the end
        (8, 11, IN, "outside_window"),  # a check-in after the window is not duty
        (7, 19, OUT, "outside_window"),  # a check-out before the window started
        (8, 25, OUT, None),  # 15 min after the end: the check-out grace
        (8, 26, OUT, "outside_window"),
    ],
)
def test_a_check_counts_only_within_its_window_and_grace(hour, minute, direction, flag):
    at = _utc(hour, minute)
    assert rules.window_flag(at, direction, DAY, STARTS, ENDS, "Asia/Shanghai") == flag


def test_a_check_for_another_local_date_is_outside_the_window():
    at = _utc(7, 30) + timedelta(days=1)  # the next morning, naming DAY
    assert rules.window_flag(at, IN, DAY, STARTS, ENDS, "Asia/Shanghai") == "outside_window"


def test_the_window_is_the_schools_local_time():
    # 07:30 in Urumqi (UTC+6 by the IANA zone) is 01:30 UTC, not 23:30 UTC of the day before.
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert rules.window_flag(at, IN, DAY, STARTS, ENDS, "Asia/Urumqi") is None
    assert rules.window_flag(at, IN, DAY, STARTS, ENDS, "Asia/Shanghai") == "outside_window"


@pytest.mark.parametrize(
    ("hour", "minute", "state"),
    [(4, 29, "not_started"), (7, 20, "in_progress"), (8, 9, "in_progress"), (8, 10, "ended")],
)
def test_a_window_is_judged_only_once_it_has_ended(hour, minute, state):
    now = _utc(hour, minute)
    assert rules.window_state(now, DAY, STARTS, ENDS, "Asia/Shanghai") == state


def test_a_key_place_has_no_gate_duty():
    assert rules.expects_gate_duty("school") and rules.expects_gate_duty("kindergarten")
    assert not rules.expects_gate_duty("key_place")


# --- the visitor register: approval as a step, the exit against the pass slip ----------

APPROVED, ASKED, REFUSED = (
    VisitorApproval.approved,
    VisitorApproval.asked,
    VisitorApproval.refused,
)


@pytest.mark.parametrize(
    ("approval", "box", "named", "expected"),
    [
        # the new app says the step: only an answer names who answered (the host by default)
        (ASKED, False, None, (ASKED, None, False)),
        (ASKED, True, "王老师", (ASKED, None, False)),
        (APPROVED, False, None, (APPROVED, "食堂 李师傅", False)),
        (APPROVED, False, " 总务处 王老师 ", (APPROVED, "总务处 王老师", False)),
        (REFUSED, False, "", (REFUSED, "食堂 李师傅", False)),
        # an older app sends only the box: unticked was shown inside, so it is flagged
        (None, True, None, (APPROVED, None, False)),
        (None, False, None, (ASKED, None, True)),
    ],
)
def test_the_hosts_answer_at_entry(approval, box, named, expected):
    assert rules.approval_at_entry(approval, box, named, "食堂 李师傅") == expected


def test_the_hosts_first_answer_stands():
    assert rules.decide("asked", APPROVED) == APPROVED
    assert rules.decide("asked", REFUSED) == REFUSED
    for current in ("approved", "refused"):
        with pytest.raises(Conflicted) as raised:
            rules.decide(current, APPROVED)
        assert raised.value.rule == Rule.visitor_already_decided
    with pytest.raises(Rejected):
        rules.decide("asked", ASKED)


@pytest.mark.parametrize(
    ("plate", "goods", "check", "flag"),
    [
        (None, None, None, None),  # on foot, nothing carried: nothing to check
        (None, None, SlipCheck.mismatch, None),  # no vehicle or goods: no slip to match
        ("鄂A12345", None, None, "slip_not_checked"),
        (None, "两箱蔬菜", None, "slip_not_checked"),
        ("鄂A12345", "两箱蔬菜", SlipCheck.matched, None),
        ("鄂A12345", None, SlipCheck.mismatch, "slip_mismatch"),
    ],
)
def test_vehicles_and_goods_leave_against_the_pass_slip(plate, goods, check, flag):
    assert rules.exit_flag(plate, goods, check) == flag


def test_only_an_approved_visitor_is_inside():
    assert rules.visitor_state("asked", None) == "waiting"
    assert rules.visitor_state("approved", None) == "inside"
    assert rules.visitor_state("refused", None) == "refused"
    for approval in ("asked", "approved", "refused"):  # signed out: gone, whatever the answer
        assert rules.visitor_state(approval, ENTERED) == "left"

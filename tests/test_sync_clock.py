"""Clocks: event times corrected by the push offset, large or changed skew flagged."""

from datetime import datetime, timedelta

import pytest

from app.hazards.models import Hazard
from tests.sync_helpers import SHANGHAI, mut, push

TOLERANCE = timedelta(seconds=5)  # one push's network latency on a working network


def _hazard(town, at):
    return mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "traffic", "description": "接送车辆占道"},
        at=at,
    )


@pytest.mark.parametrize("skew", [timedelta(hours=3), timedelta(days=-2), timedelta(days=2)])
def test_a_phone_hours_or_days_off_gets_its_times_corrected_and_flagged(
    client, town, login, session, skew
):
    true_event = datetime.now(SHANGHAI) - timedelta(hours=1)
    m = _hazard(town, true_event + skew)  # the phone's wrong clock when it recorded
    push(client, login("member_a1"), [m], sent_at=datetime.now(SHANGHAI) + skew)
    session.rollback()
    hazard = session.get(Hazard, m["id"])
    assert abs(hazard.event_time - true_event) < TOLERANCE
    assert abs(hazard.device_time - (true_event + skew)) < timedelta(seconds=1)
    assert abs(hazard.clock_offset_s + skew.total_seconds()) < TOLERANCE.total_seconds()
    assert "skew" in hazard.clock_flag


def test_a_correct_clock_is_not_flagged(client, town, login, session):
    m = _hazard(town, datetime.now(SHANGHAI) - timedelta(minutes=30))
    push(client, login("member_a1"), [m])
    session.rollback()
    assert session.get(Hazard, m["id"]).clock_flag is None


def test_a_clock_changed_between_syncs_is_flagged(client, town, login, session):
    headers = login("member_a1")
    push(client, headers, [_hazard(town, datetime.now(SHANGHAI))])  # offset ~0 remembered
    jump = timedelta(hours=1)  # then someone sets the phone an hour ahead while offline
    m = _hazard(town, datetime.now(SHANGHAI) + jump - timedelta(minutes=10))
    push(client, headers, [m], sent_at=datetime.now(SHANGHAI) + jump)
    session.rollback()
    assert "clock_changed" in session.get(Hazard, m["id"]).clock_flag


def test_a_record_dated_after_it_was_sent_is_clamped_and_flagged_future(
    client, town, login, session
):
    m = _hazard(town, datetime.now(SHANGHAI) + timedelta(hours=5))
    push(client, login("member_a1"), [m])
    session.rollback()
    hazard = session.get(Hazard, m["id"])
    assert "future" in hazard.clock_flag
    assert hazard.event_time <= hazard.received_at


def test_sent_at_is_taken_per_attempt_so_a_queued_batch_is_not_skewed(client, town, login, session):
    """Recorded 2 days ago offline and sent now with a correct clock: no correction."""
    recorded = datetime.now(SHANGHAI) - timedelta(days=2)
    m = _hazard(town, recorded)
    push(client, login("member_a1"), [m])
    session.rollback()
    hazard = session.get(Hazard, m["id"])
    assert abs(hazard.event_time - recorded) < TOLERANCE
    assert hazard.clock_flag is None


def test_the_zone_offset_of_the_phone_is_kept_and_times_stored_as_utc(client, town, login, session):
    """23:30 local on 30 Nov in Shanghai is 15:30 UTC the same day."""
    local = datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)
    m = _hazard(town, local)
    push(client, login("member_a1"), [m], sent_at=datetime.now(SHANGHAI))
    session.rollback()
    hazard = session.get(Hazard, m["id"])
    assert hazard.device_tz_offset_min == 480
    assert hazard.device_time.hour == 15
    assert hazard.device_time.utcoffset() == timedelta(0)


def test_a_shift_ended_under_a_changed_clock_is_kept_and_flagged_not_rejected(
    client, town, login, session
):
    headers = login("member_a1")
    from app.shifts.models import PatrolShift

    start = mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": []})
    push(client, headers, [start])
    end = mut("shift.end", {"shift_id": start["id"]}, at=datetime.now(SHANGHAI))
    # the clock is set two days ahead before the end is sent: the correction overshoots
    [r] = push(client, headers, [end], sent_at=datetime.now(SHANGHAI) + timedelta(days=2))
    assert r["status"] == "applied"
    session.rollback()
    shift = session.get(PatrolShift, start["id"])
    assert shift.ended_at >= shift.event_time
    assert "clock_changed" in shift.clock_flag

"""The shift rules on plain facts, worked by hand: no push, no session, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from app.records.authz import Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.shifts import rules
from app.shifts.models import ReviewDecision, ScanMethod, ShiftStatus

STARTED = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a fixed day: these rules never read a clock


def test_a_named_group_must_be_one_of_the_authors_groups_patrolling_the_site():
    assert rules.patrol_group(5, mine={3, 5}, patrolling={5, 9}) == 5
    for other in (9, 3, 4):  # another group here, her group elsewhere, no such group
        with pytest.raises(Rejected) as raised:
            rules.patrol_group(other, mine={3, 5}, patrolling={5, 9})
        assert raised.value.rule == Rule.not_your_group
        assert (
            "巡逻组" in raised.value.message_zh and "patrolling this site" in raised.value.message
        )


def test_without_a_named_group_the_authors_first_patrolling_group():
    assert rules.patrol_group(None, mine={8, 3, 5}, patrolling={9, 5, 8}) == 5
    with pytest.raises(Rejected) as raised:
        rules.patrol_group(None, mine={3}, patrolling={5})
    assert raised.value.rule == Rule.not_this_school


def _shift_relations(user_id, roles=("member",), *, active=True, led=(), people=None):
    return rules.relations_to_shift(
        user_id=user_id,
        roles=roles,
        active=active,
        led_group_ids=led,
        recorded_by=1,
        group_id=7,
        people={1: True, 2: True, 3: False} if people is None else people,
    )


def test_relations_to_a_shift_from_plain_facts():
    assert _shift_relations(1) == {Relation.recorder, Relation.listed, Relation.on_shift}
    assert _shift_relations(2) == {Relation.listed, Relation.on_shift}
    assert _shift_relations(3) == {Relation.listed}  # listed, not counted
    assert _shift_relations(4, ("leader",), led={7}) == {Relation.group_leader}
    assert _shift_relations(4, ("leader",), led={8}) == set()  # another group's leader
    assert _shift_relations(4, ("leader",), active=False, led={7}) == set()
    assert _shift_relations(5, ("supervisor",)) == {Relation.supervisor}


@pytest.mark.parametrize(
    ("user_id", "roles", "led", "rule"),
    [
        (4, ("leader",), {7}, None),  # the group's leader
        (5, ("supervisor",), (), None),
        (1, ("leader", "member"), {7}, Rule.own_shift_review),  # she recorded it
        (3, ("supervisor",), (), Rule.own_shift_review),  # listed, even not counted
        (4, ("leader",), {8}, Rule.not_group_leader),  # her group also patrols the site
        (2, ("member",), (), Rule.role_may_not),
        (6, ("admin",), (), Rule.role_may_not),  # sets the town up, signs nothing off
    ],
)
def test_who_reviews_a_shift(user_id, roles, led, rule):
    relations = _shift_relations(user_id, roles, led=led)
    assert rules.WHO_REVIEWS.decide(roles=roles, active=True, relations=relations) == rule


def test_a_disabled_leaders_old_phone_reviews_nothing():
    relations = _shift_relations(4, ("leader",), led={7})
    decided = rules.WHO_REVIEWS.decide(roles=("leader",), active=False, relations=relations)
    assert decided == Rule.account_disabled


def test_only_group_members_and_its_leader_count_on_a_shift():
    assert rules.counts_on_shift(in_group=True, active=True)
    assert not rules.counts_on_shift(in_group=False, active=True)
    assert not rules.counts_on_shift(in_group=True, active=False)


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


# --- checkpoint proof, worked by hand ----------------------------------------------------------

CP = (30.0, 114.0)  # a checkpoint; 0.001° of latitude is 111.19 m (R = 6371 km)
QR, TYPED = ScanMethod.qr, ScanMethod.typed


def test_distance_is_the_great_circle_in_metres():
    assert rules.distance_m(30.0, 114.0, 30.001, 114.0) == pytest.approx(111.19, abs=0.01)
    # 6.3° of latitude north: the scan 700 km from its checkpoint.
    assert rules.distance_m(30.0, 114.0, 36.3, 114.0) == pytest.approx(700_532, rel=1e-4)


@pytest.mark.parametrize(
    ("method", "fix", "accuracy", "proof"),
    [
        (QR, (30.0005, 114.0), 10, None),  # 55.6 m away, allowed 100 + 10: proven
        (QR, (30.001, 114.0), 5, "far"),  # 111.2 m, allowed 105
        (QR, (30.001, 114.0), 20, None),  # 111.2 m, allowed 120
        (QR, (30.003, 114.0), 5000, "far"),  # 333.6 m: a vague fix allows at most 100 + 150
        (QR, (36.3, 114.0), 10, "far"),  # the 700 km
        (QR, None, None, "no_gps"),
        (TYPED, (30.0, 114.0), 5, "typed"),  # on the spot but typed: not proof
        (TYPED, (36.3, 114.0), 5, "far,typed"),
        (None, (30.0, 114.0), 5, "unknown_method"),  # an older app that does not say how
        (None, None, None, "no_gps,unknown_method"),
    ],
)
def test_a_scan_is_proven_by_its_qr_and_a_fix_near_the_checkpoint(method, fix, accuracy, proof):
    lat, lon = fix or (None, None)
    assert rules.scan_proof(method, lat, lon, accuracy, *CP) == proof


def test_a_checkpoint_without_a_position_cannot_prove_a_scan():
    assert rules.scan_proof(QR, 30.0, 114.0, 5, None, None) == "no_position"


# --- presence by share of the planned duty ------------------------------------------------------

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # an 8-hour planned duty from T0


def _at(minutes):
    return T0 + timedelta(minutes=minutes)


DUTY = (_at(0), _at(480))


def test_a_one_minute_shift_does_not_make_a_person_present_for_an_8_hour_duty():
    assert rules.covered_share(DUTY, [(_at(60), _at(61))]) == pytest.approx(1 / 480)
    assert not rules.is_present(DUTY, [(_at(60), _at(61))])


def test_half_of_the_duty_makes_a_person_present():
    assert rules.is_present(DUTY, [(_at(0), _at(240))])  # 4 h of 8 = 0.5
    assert not rules.is_present(DUTY, [(_at(0), _at(239))])


def test_overlapping_shifts_count_once_and_time_outside_the_duty_not_at_all():
    worked = [(_at(-120), _at(120)), (_at(60), _at(180)), (_at(470), _at(600))]
    # covered: 0-180 (180 min) + 470-480 (10 min) = 190 of 480
    assert rules.covered_share(DUTY, worked) == pytest.approx(190 / 480)

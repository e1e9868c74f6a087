"""The hazard lifecycle and who may move a hazard, on plain facts, worked by hand."""

from datetime import date

import pytest

from app.hazards import rules
from app.hazards.models import HazardAction, HazardStatus
from app.records.authz import Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.towns.models import Department

ASSIGN, RECTIFY, CLOSE, REOPEN = (
    HazardAction.assign,
    HazardAction.rectify,
    HazardAction.close,
    HazardAction.reopen,
)

# Every status × every action, written out from docs/sync.md: reported → assigned →
# rectified → closed, reopen from rectified or closed, assign again from assigned or
# reopened. None: the action does not fit (a hazard_lifecycle conflict).
EXPECTED = {
    ("reported", ASSIGN): "assigned",
    ("reported", RECTIFY): None,
    ("reported", CLOSE): None,
    ("reported", REOPEN): None,
    ("assigned", ASSIGN): "assigned",
    ("assigned", RECTIFY): "rectified",
    ("assigned", CLOSE): None,
    ("assigned", REOPEN): None,
    ("rectified", ASSIGN): None,
    ("rectified", RECTIFY): None,
    ("rectified", CLOSE): "closed",
    ("rectified", REOPEN): "reopened",
    ("closed", ASSIGN): None,
    ("closed", RECTIFY): None,
    ("closed", CLOSE): None,
    ("closed", REOPEN): "reopened",
    ("reopened", ASSIGN): "assigned",
    ("reopened", RECTIFY): None,
    ("reopened", CLOSE): None,
    ("reopened", REOPEN): None,
}


def test_the_table_covers_every_status_and_action():
    assert set(EXPECTED) == {(s.value, a) for s in HazardStatus for a in HazardAction}


@pytest.mark.parametrize(("status", "action"), list(EXPECTED))
def test_the_next_status_for_an_action(status, action):
    expected = EXPECTED[(status, action)]
    if expected is None:
        with pytest.raises(Conflicted) as raised:
            rules.next_status(action, status)
        assert raised.value.rule == Rule.hazard_lifecycle
        assert raised.value.message.startswith(f"A hazard that is {status} cannot be")
    else:
        assert rules.next_status(action, status) == expected


def test_the_conflict_says_which_statuses_the_action_needs():
    with pytest.raises(Conflicted) as raised:
        rules.next_status(HazardAction.assign, "closed")
    assert raised.value.message == (
        "A hazard that is closed cannot be assigned; "
        "that needs it to be assigned or reopened or reported."
    )


SUPERVISOR = ({"supervisor"}, {Relation.supervisor})
ADMIN = ({"admin"}, {Relation.admin})
SITE_LEADER = ({"leader", "member"}, {Relation.site_leader, Relation.site_patrol})
MEMBER = ({"member"}, {Relation.site_patrol})
GATE = ({"gate"}, {Relation.site_gate})
FIXER = ({"supervisor"}, {Relation.supervisor, Relation.rectifier})


@pytest.mark.parametrize(
    ("action", "who", "rule"),
    [
        (ASSIGN, SUPERVISOR, None),  # the town office assigns, closes and reopens
        (CLOSE, SUPERVISOR, None),
        (REOPEN, ADMIN, None),
        (ASSIGN, SITE_LEADER, None),  # the leader of a group patrolling the site
        (RECTIFY, SITE_LEADER, None),
        (CLOSE, SITE_LEADER, Rule.role_may_not),  # closing (验收销号) is the supervisor's
        (REOPEN, SITE_LEADER, None),
        (ASSIGN, MEMBER, Rule.role_may_not),
        (RECTIFY, MEMBER, None),  # anyone on duty there may report it fixed
        (RECTIFY, GATE, None),
        (REOPEN, GATE, Rule.role_may_not),
        (CLOSE, FIXER, Rule.own_rectify_close),  # never the one who reported the fix
    ],
)
def test_who_may_do_which_action(action, who, rule):
    roles, relations = who
    assert rules.WHO_MOVES[action].decide(roles=roles, active=True, relations=relations) == rule


def test_a_disabled_account_signs_nothing_off_but_may_report_a_fix():
    close, rectify = rules.WHO_MOVES[CLOSE], rules.WHO_MOVES[RECTIFY]
    roles, relations = SUPERVISOR
    assert close.decide(roles=roles, active=False, relations=relations) == Rule.account_disabled
    assert rectify.decide(roles=["member"], active=False, relations=MEMBER[1]) is None


def test_an_assignment_names_a_department_and_a_due_date():
    due = date(2026, 3, 16)
    office = Department.market_regulation
    with pytest.raises(Rejected, match="department and a due date"):
        rules.check_details(ASSIGN, department=None, due_date=due, photos=[])
    with pytest.raises(Rejected, match="department and a due date"):
        rules.check_details(ASSIGN, department=office, due_date=None, photos=[])
    rules.check_details(ASSIGN, department=office, due_date=due, photos=[])  # no refusal


def test_a_fix_is_shown_by_a_photo():
    with pytest.raises(Rejected, match="needs a photo"):
        rules.check_details(RECTIFY, department=None, due_date=None, photos=[])
    rules.check_details(RECTIFY, department=None, due_date=None, photos=["ab" * 32])
    rules.check_details(CLOSE, department=None, due_date=None, photos=[])  # closing needs none


# --- the 300 m rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "distance", "marked", "within"),
    [
        ("internet_cafe", 120.0, False, True),  # a 网吧 120 m away, whatever the checkbox says
        ("restaurant", 300.0, False, True),  # exactly 300 m counts
        ("hotel", 301.0, True, False),  # measured beyond 300 m: the mark does not override
        ("illegal_stall", None, True, True),  # no distance measured: the phone's mark
        ("illegal_publication", None, False, False),
        ("canteen", 15.0, True, False),  # the case: on campus, 15 m from the school
        ("gate", 0.0, True, False),
        (None, 50.0, True, False),
        ("other", 50.0, True, False),
    ],
)
def test_a_finding_is_within_300m_by_its_place_type_and_distance(place, distance, marked, within):
    assert rules.within_300m(place, distance, marked) is within


def test_verification_waits_for_every_photo_of_the_fix():
    rules.check_fix_photos_arrived(CLOSE, [])  # all on the server: no refusal
    rules.check_fix_photos_arrived(REOPEN, ["ab" * 32])  # only 验收 judges by the photos
    with pytest.raises(Rejected) as raised:
        rules.check_fix_photos_arrived(CLOSE, ["ab" * 32, "cd" * 32])
    assert raised.value.rule == Rule.fix_photos_missing
    assert raised.value.message_zh.startswith("整改照片尚有 2 张未上传")

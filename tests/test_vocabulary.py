"""The vocabulary phones get with the bootstrap: every code a person sees, with both labels,
and the hazard lifecycle exactly as the push handler enforces it."""

import pytest

from app.hazards.models import HazardAction, HazardStatus
from app.hazards.rules import LIFECYCLE
from app.vocabulary import VOCABULARIES, _terms, vocabulary


@pytest.mark.parametrize("key", sorted(VOCABULARIES))
def test_every_enum_member_has_a_chinese_and_an_english_label(key):
    enum, _ = VOCABULARIES[key]
    terms = vocabulary()[key]
    assert [t["code"] for t in terms] == [m.value for m in enum]
    for term in terms:
        assert term["zh"].strip() and term["en"].strip(), term
        assert term["zh"] != term["code"] and term["en"] != term["code"], term


def test_a_code_without_its_labels_is_refused_at_start_up():
    enum, labels = VOCABULARIES["hazard_status"]
    fewer = {k: v for k, v in labels.items() if k != HazardStatus.closed}
    with pytest.raises(RuntimeError, match="missing \\['closed'\\]"):
        _terms(enum, fewer)


def test_the_lifecycle_offers_each_action_from_the_statuses_the_push_accepts():
    lifecycle = vocabulary()["hazard_lifecycle"]
    assert set(lifecycle) == {s.value for s in HazardStatus}
    for action in HazardAction:
        starts, _ = LIFECYCLE[action]
        offered_from = {status for status, actions in lifecycle.items() if action in actions}
        assert offered_from == {s.value for s in starts}, action
    assert lifecycle["closed"] == ["reopen"]


def test_the_bootstrap_carries_the_vocabulary(client, town, login):
    body = client.get("/api/sync/bootstrap", headers=login("member_a1")).json()
    assert body["vocabulary"] == vocabulary()
    fire = body["vocabulary"]["hazard_category"][0]
    assert fire == {"code": "fire", "zh": "消防", "en": "Fire"}

"""What a client sends is decided element by element: a bad string, a non-object, an odd id
spelling or an implausible date refuses that one mutation, never the batch (issue 15)."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from app.gate.models import GateCheck
from app.hazards.models import Hazard
from app.shifts.models import CheckpointScan, PatrolShift
from app.sync.models import Mutation
from tests.sync_helpers import SHANGHAI, in_days, mut, new_id


def _push_text(client, headers, mutations) -> list[dict]:
    """The body as JSON text with \\uXXXX escapes, so lone surrogates travel as valid JSON."""
    body = {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": mutations}
    res = client.post(
        "/api/sync/push",
        content=json.dumps(body, ensure_ascii=True),
        headers={**headers, "content-type": "application/json"},
    )
    assert res.status_code == 200, res.text[:500]
    results = res.json()["results"]
    assert len(results) == len(mutations)
    return results


def _hazard(town, **payload) -> dict:
    base = {"site_id": town.sites["a"].id, "category": "fire", "description": "灭火器过期"}
    return mut("hazard.report", {**base, **payload})


def _stored_hazards(session) -> set[str]:
    session.rollback()
    return set(session.exec(select(Hazard.id)).all())


SURROGATE = "x\ud800y"


def test_a_lone_surrogate_or_nul_in_any_text_refuses_that_mutation_only(
    client, town, login, session
):
    headers = login("member_a1")
    good = [_hazard(town), _hazard(town, description="第二条")]
    shift = new_id()
    bad = [
        _hazard(town, description=SURROGATE),
        _hazard(town, description="\udfff"),
        {**_hazard(town), "type": "hazard.report" + SURROGATE},
        {**_hazard(town), "id": new_id()[:-1] + "\ud800"},
        {**_hazard(town), "occurred_at": SURROGATE},
        _hazard(town, **{"unknown_" + SURROGATE: 1}),  # an ignored key, still hashed
        _hazard(town, newer_field=["a", {"b": SURROGATE}]),
        _hazard(town, category=SURROGATE),
        _hazard(town, photos=[SURROGATE]),
        mut("shift.scan", {"shift_id": shift, "checkpoint_code": "A" + SURROGATE}),
        mut("shift.scan", {"shift_id": SURROGATE, "checkpoint_code": "A-CP1"}),
        _hazard(town, description="电线\x00老化"),
        _hazard(town, newer_field="a\x00b"),
    ]
    results = _push_text(client, headers, [*bad, *good])
    statuses = [r["status"] for r in results]
    assert statuses == ["rejected"] * len(bad) + ["applied"] * 2, statuses
    for result in results[: len(bad)]:
        assert result["message"] and result["message_zh"], result
    text_refusals = [results[i]["message"] for i in (0, 1, 5, 6, 9, 11, 12)]
    assert all("text" in m.lower() for m in text_refusals), text_refusals
    assert _stored_hazards(session) == {m["id"] for m in good}
    # a retry of the whole batch: the refusals stay refusals, the good ones are duplicates
    again = _push_text(client, headers, [*bad, *good])
    assert [r["status"] for r in again[-2:]] == ["duplicate"] * 2
    assert _stored_hazards(session) == {m["id"] for m in good}


@pytest.mark.parametrize("element", ["not an object", None, 7, [], [_ for _ in "ab"], True, 1.5])
def test_an_element_that_is_not_an_object_is_rejected_by_its_index(
    client, town, login, session, element
):
    headers = login("member_a1")
    good = [_hazard(town), _hazard(town)]
    results = _push_text(client, headers, [good[0], element, good[1]])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["id"] == "#1"
    assert "object" in results[1]["message"]
    assert _stored_hazards(session) == {m["id"] for m in good}


# --- ids ------------------------------------------------------------------------------------


def test_one_uuid_in_any_spelling_is_one_record(client, town, login, session):
    headers = login("member_a1")
    canonical = str(uuid.uuid4())
    spellings = [canonical.upper(), canonical.replace("-", ""), canonical.replace("-", "").upper()]
    first = _hazard(town)
    first["id"] = canonical
    results = _push_text(client, headers, [first])
    assert results[0] == {**results[0], "status": "applied", "record_id": canonical}
    # a retry in another spelling is the same mutation: a duplicate, not id_reused
    for spelling in spellings:
        result = _push_text(client, headers, [{**first, "id": spelling}])[0]
        assert (result["status"], result["id"]) == ("duplicate", canonical), result
    assert _stored_hazards(session) == {canonical}
    session.rollback()
    assert session.exec(select(Mutation.id)).all() == [canonical]


def test_record_ids_in_payloads_are_canonical_and_a_retry_in_another_spelling_is_a_duplicate(
    client, town, login, session
):
    headers = login("member_a1")
    a = town.sites["a"]
    start = mut("shift.start", {"site_id": a.id, "group_id": town.groups["a"].id})
    started = _push_text(client, headers, [start])[0]
    assert started["status"] == "applied", started
    scan = mut("shift.scan", {"shift_id": start["id"].upper(), "checkpoint_code": "A-CP1"})
    scanned = _push_text(client, headers, [scan])[0]
    assert scanned["status"] == "applied", scanned
    session.rollback()
    assert session.get(CheckpointScan, scan["id"]).shift_id == start["id"]
    # the same scan again, shift id spelled as first seen by the server: duplicate
    retry = {**scan, "payload": {**scan["payload"], "shift_id": start["id"]}}
    assert _push_text(client, headers, [retry])[0]["status"] == "duplicate"
    end = mut("shift.end", {"shift_id": start["id"].replace("-", "")})
    assert _push_text(client, headers, [end])[0]["status"] == "applied"
    session.rollback()
    assert session.get(PatrolShift, start["id"]).ended_at is not None


@pytest.mark.parametrize(
    "bad_id",
    [
        "-" * 36,
        "0" * 31,
        "g" * 32,
        f"{{{uuid.uuid4()}}}",
        f"urn:uuid:{uuid.uuid4()}",
        str(uuid.uuid4())[:-1] + "-",
        "１２３４５６７８-1234-1234-1234-123456789012",  # full-width digits
        "",
    ],
)
def test_ids_that_are_not_uuids_are_refused_with_a_clear_message(
    client, town, login, session, bad_id
):
    headers = login("member_a1")
    good = _hazard(town)
    results = _push_text(client, headers, [{**_hazard(town), "id": bad_id}, good])
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["id"] == "#0"
    assert "UUID" in results[0]["message"]
    scan = mut("shift.scan", {"shift_id": bad_id, "checkpoint_code": "A-CP1"})
    result = _push_text(client, headers, [scan])[0]
    assert result["status"] == "rejected" and "shift_id" in result["message"]
    assert "UUID" in result["message"]
    assert _stored_hazards(session) == {good["id"]}


# --- dates ----------------------------------------------------------------------------------


def _gate(town, local_date: str) -> dict:
    window = town.windows["a"][0]
    payload = {
        "site_id": town.sites["a"].id,
        "window_id": window.id,
        "local_date": local_date,
        "direction": "in",
    }
    return mut("gate.check", payload)


@pytest.mark.parametrize("local_date", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_an_implausible_local_date_is_refused_with_the_range(
    client, town, login, session, local_date
):
    headers = login("gate_a")
    good = _gate(town, in_days(0))
    results = _push_text(client, headers, [_gate(town, local_date), good])
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert "2000-01-01" in results[0]["message"] and "2100-12-31" in results[0]["message"]
    assert "local_date" in results[0]["message"]
    session.rollback()
    assert session.exec(select(GateCheck.id)).all() == [good["id"]]


def test_an_implausible_due_date_is_refused(client, town, login, session):
    headers = login("member_a1")
    hazard = _hazard(town)
    assert _push_text(client, headers, [hazard])[0]["status"] == "applied"
    leader = login("leader_a")
    assign = {"hazard_id": hazard["id"], "action": "assign", "department": "police_station"}
    far = mut("hazard.transition", {**assign, "due_date": "0001-01-01"})
    near = mut("hazard.transition", {**assign, "due_date": in_days(7)})
    results = _push_text(client, leader, [far, near])
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert "due_date" in results[0]["message"]


def test_roster_periods_outside_the_plausible_range_are_422(client, town, login):
    admin = login("admin")
    group = town.groups["a"].id
    for start, end in (("0001-01-01", "0001-01-31"), ("2200-01-01", "2200-01-31")):
        body = {"group_id": group, "period_start": start, "period_end": end}
        res = client.post("/api/rosters", json=body, headers=admin)
        assert res.status_code == 422, res.text
        error = res.json()["error"]
        assert "2000-01-01" in error["message"] and error["message_zh"]
    start = datetime.now(SHANGHAI).date()
    body = {
        "group_id": group,
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=6)).isoformat(),
    }
    assert client.post("/api/rosters", json=body, headers=admin).status_code == 201

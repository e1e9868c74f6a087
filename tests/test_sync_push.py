"""Push: each mutation takes effect exactly once; bad ones never sink the batch."""

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from app.gate.models import GateCheck
from app.hazards.models import Hazard
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember
from app.sync.models import Mutation
from tests.sync_helpers import SHANGHAI, mut, new_id, push


def _start(town, site="a", members=("member_a1", "member_a2", "member_a3", "member_a4")):
    return mut(
        "shift.start",
        {"site_id": town.sites[site].id, "member_ids": [town.users[u].id for u in members]},
    )


def test_a_shift_with_scans_is_applied_and_stored_once(client, town, login, session):
    headers = login("member_a1")
    start = _start(town)
    scans = [
        mut(
            "shift.scan",
            {
                "shift_id": start["id"],
                "checkpoint_code": cp.code,
                "lat": 30.5,
                "lon": 114.3,
                "accuracy_m": 8,
            },
        )
        for cp in town.checkpoints["a"]
    ]
    results = push(client, headers, [start, *scans])
    assert [r["status"] for r in results] == ["applied"] * 5
    session.rollback()
    shift = session.get(PatrolShift, start["id"])
    assert shift.status == "open"
    members = session.exec(select(ShiftMember.user_id).where(ShiftMember.shift_id == shift.id))
    assert len(members.all()) == 4
    assert session.exec(select(func.count()).select_from(CheckpointScan)).one() == 4


def test_a_retried_batch_is_reported_as_duplicates_and_stores_nothing_twice(
    client, town, login, session
):
    headers = login("member_a1")
    batch = [_start(town)]
    batch.append(
        mut(
            "shift.scan",
            {"shift_id": batch[0]["id"], "checkpoint_code": town.checkpoints["a"][0].code},
        )
    )
    first = push(client, headers, batch)
    again = push(client, headers, batch)  # the answer was lost; the phone sends it all again
    assert [r["status"] for r in first] == ["applied", "applied"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [r["original_status"] for r in again] == ["applied", "applied"]
    session.rollback()
    assert session.exec(select(func.count()).select_from(PatrolShift)).one() == 1
    assert session.exec(select(func.count()).select_from(CheckpointScan)).one() == 1


def test_a_reused_id_with_different_content_is_rejected_not_overwritten(
    client, town, login, session
):
    headers = login("member_a1")
    start = _start(town)
    push(client, headers, [start])
    forged = {**start, "payload": {**start["payload"], "note": "changed"}}
    [result] = push(client, headers, [forged])
    assert result["status"] == "rejected"
    assert result["rule"] == "id_reused"
    session.rollback()
    assert session.get(PatrolShift, start["id"]).note == ""


def test_one_bad_mutation_never_sinks_the_rest_of_the_batch(client, town, login, session):
    headers = login("member_a1")
    start = _start(town)
    bad_code = mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": "NO-SUCH-CODE"})
    malformed = {"id": new_id(), "type": "shift.scan", "payload": {}}  # no occurred_at
    unknown_type = mut("shift.teleport", {})
    good = mut(
        "shift.scan", {"shift_id": start["id"], "checkpoint_code": town.checkpoints["a"][1].code}
    )
    results = push(client, headers, [start, bad_code, malformed, unknown_type, good])
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "applied",
    ]
    assert "does not belong to this site" in results[1]["message"]
    assert "occurred_at" in results[2]["message"]
    assert "Unknown mutation type" in results[3]["message"]
    session.rollback()
    assert session.exec(select(func.count()).select_from(CheckpointScan)).one() == 1


def test_a_rejected_mutation_is_remembered_so_a_retry_does_not_block(client, town, login, session):
    headers = login("member_a1")
    bad = mut(
        "hazard.report",
        {"site_id": town.sites["b"].id, "category": "fire", "description": "电线老化"},
    )
    [first] = push(client, headers, [bad])
    [second] = push(client, headers, [bad])
    assert first["status"] == "rejected"
    assert second == {**second, "status": "duplicate", "original_status": "rejected"}
    session.rollback()
    assert session.get(Mutation, bad["id"]).status == "rejected"


def test_member_cannot_push_records_into_another_groups_site(client, town, login, session):
    headers = login("member_a1")
    results = push(
        client,
        headers,
        [
            _start(town, site="b"),
            mut(
                "hazard.report",
                {"site_id": town.sites["b"].id, "category": "fire", "description": "x"},
            ),
            mut(
                "gate.check",
                {
                    "site_id": town.sites["b"].id,
                    "window_id": town.windows["b"][0].id,
                    "local_date": "2026-11-30",
                    "direction": "in",
                },
            ),
        ],
    )
    assert {r["status"] for r in results} == {"rejected"}
    session.rollback()
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 0


def test_gate_staff_check_in_at_their_own_school(client, town, login, session):
    headers = login("gate_a")
    window = town.windows["a"][0]
    results = push(
        client,
        headers,
        [
            mut(
                "gate.check",
                {
                    "site_id": town.sites["a"].id,
                    "window_id": window.id,
                    "local_date": "2026-11-30",
                    "direction": "in",
                },
            ),
            mut(
                "gate.check",
                {
                    "site_id": town.sites["a"].id,
                    "window_id": town.windows["b"][0].id,
                    "local_date": "2026-11-30",
                    "direction": "in",
                },
            ),
        ],
    )
    assert [r["status"] for r in results] == ["applied", "rejected"]
    session.rollback()
    check = session.exec(select(GateCheck)).one()
    assert check.direction == "in"
    assert str(check.local_date) == "2026-11-30"


def test_visitor_is_logged_in_and_out_once(client, town, login):
    headers = login("gate_a")
    enter = mut(
        "visitor.enter",
        {
            "site_id": town.sites["a"].id,
            "name": "送货员 刘师傅",
            "visiting": "食堂 王主任",
            "host_approved": True,
            "vehicle_plate": "鄂A·12345",
            "goods": "蔬菜",
            "pass_slip_no": "CM-0012",
        },
    )
    leave = mut("visitor.leave", {"visitor_id": enter["id"]})
    leave_again = mut("visitor.leave", {"visitor_id": enter["id"]})
    results = push(client, headers, [enter, leave, leave_again])
    assert [r["status"] for r in results] == ["applied", "applied", "conflict"]
    assert results[2]["rule"] == "visitor_already_left"
    assert results[2]["current"]["data"]["time_out"] is not None


def test_text_with_nul_bytes_is_rejected_with_a_reason(client, town, login):
    headers = login("member_a1")
    [r] = push(
        client,
        headers,
        [
            mut(
                "hazard.report",
                {"site_id": town.sites["a"].id, "category": "fire", "description": "bad\x00text"},
            )
        ],
    )
    assert r["status"] == "rejected"
    assert "NUL" in r["message"]


def test_a_batch_over_the_limit_gets_413_naming_the_limit(client, town, login):
    headers = login("member_a1")
    body = {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": [{"id": new_id()}] * 1001}
    res = client.post("/api/sync/push", json=body, headers=headers)
    assert res.status_code == 413
    assert "1000" in res.json()["error"]["message"]


def test_a_body_over_the_size_limit_gets_413(client, town, login):
    headers = {**login("member_a1"), "content-type": "application/json"}
    res = client.post("/api/sync/push", content=b"x" * (9 * 1024 * 1024), headers=headers)
    assert res.status_code == 413
    assert res.json()["error"]["details"]["limit_bytes"] == 8 * 1024 * 1024


def test_malformed_json_gets_a_clear_422(client, town, login):
    headers = {**login("member_a1"), "content-type": "application/json"}
    res = client.post("/api/sync/push", content=b"{not json", headers=headers)
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "invalid"


def test_records_of_a_user_disabled_while_offline_are_accepted_and_marked(
    client, town, login, session
):
    tokens = client.post(
        "/api/auth/login",
        json={
            "username": "member_a2",
            "password": "patrol-test-pw",
            "device_id": "phone-offline-1",
        },
    ).json()
    admin = login("admin")
    uid = town.users["member_a2"].id
    assert client.patch(f"/api/users/{uid}", json={"active": False}, headers=admin).is_success
    # back online days later: refresh gives a push-only token
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["scope"] == "push"
    headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    report = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "traffic", "description": "校门口车辆乱停"},
        at=datetime.now(SHANGHAI) - timedelta(days=2),
    )
    [r] = push(client, headers, [report])
    assert r["status"] == "applied"
    session.rollback()
    assert session.get(Hazard, report["id"]).author_disabled is True
    # but the push-only token reads nothing
    assert client.get("/api/sync/pull", headers=headers).status_code == 403


def test_a_retry_of_a_mutation_stored_under_the_older_hash_form_is_still_a_duplicate(
    client, town, login, session, monkeypatch
):
    """Mutations stored before the hash moved to orjson carry the json-module form; a phone
    retrying one after the upgrade must get duplicate, not id_reused. A float written in
    exponent form is where the two forms differ."""
    from app.sync import push as sync_push

    legacy = sync_push.legacy_payload_hash

    headers = login("member_a1")
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "fire",
            "description": "电线老化",
            "lat": 1e-05,
            "lon": 114.3,
        },
    )
    at = datetime.fromisoformat(report["occurred_at"])
    forms = {f(report["type"], at, report["payload"]) for f in (sync_push.payload_hash, legacy)}
    assert len(forms) == 2  # the two forms really differ for this record
    monkeypatch.setattr(sync_push, "payload_hash", legacy)
    [first] = push(client, headers, [report])
    monkeypatch.undo()
    [again] = push(client, headers, [report])
    changed = {**report, "payload": {**report["payload"], "description": "另一条"}}
    [reused] = push(client, headers, [changed])
    assert first["status"] == "applied"
    assert (again["status"], again["original_status"]) == ("duplicate", "applied")
    assert (reused["status"], reused["rule"]) == ("rejected", "id_reused")

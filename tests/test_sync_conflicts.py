"""Conflict rules from docs/sync.md, one test each; device clocks never decide."""

import hashlib
import io
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from app.audit.models import AuditEvent
from app.gate.models import GateCheck
from app.hazards.models import Hazard
from app.shifts.models import CheckpointScan, PatrolShift
from tests.sync_helpers import SHANGHAI, in_days, mut, push


def _photo(client, headers, color=(200, 30, 30)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    assert client.put(f"/api/photos/{sha}", content=data, headers=headers).status_code in (200, 201)
    return sha


def _ended_shift(client, town, login):
    member = login("member_a1")
    start = mut(
        "shift.start",
        {
            "site_id": town.sites["a"].id,
            "member_ids": [town.users[f"member_a{i}"].id for i in (2, 3, 4)],
        },
    )
    push(client, member, [start, mut("shift.end", {"shift_id": start["id"]})])
    return member, start["id"]


def test_events_merge_by_union_across_phones(client, town, login, session):
    window = town.windows["a"][0]
    check = {
        "site_id": town.sites["a"].id,
        "window_id": window.id,
        "local_date": "2026-11-30",
        "direction": "in",
    }
    push(client, login("gate_a", device_id="gate-phone-1"), [mut("gate.check", check)])
    push(client, login("member_a1", device_id="member-phone-1"), [mut("gate.check", check)])
    session.rollback()
    assert session.exec(select(func.count()).select_from(GateCheck)).one() == 2


def test_a_confirmed_shift_is_locked_and_later_member_edits_come_back_as_conflicts(
    client, town, login, session
):
    member, shift_id = _ended_shift(client, town, login)
    [review] = push(
        client,
        login("leader_a"),
        [mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})],
    )
    assert review["status"] == "applied"
    late = push(
        client,
        member,
        [
            mut(
                "shift.scan",
                {"shift_id": shift_id, "checkpoint_code": town.checkpoints["a"][0].code},
            ),
            mut("shift.end", {"shift_id": shift_id, "note": "补记"}),
        ],
    )
    assert [r["status"] for r in late] == ["conflict", "conflict"]
    assert {r["rule"] for r in late} == {"shift_locked"}
    assert late[0]["current"]["data"]["status"] == "confirmed"
    session.rollback()
    assert session.exec(select(func.count()).select_from(CheckpointScan)).one() == 0
    assert session.get(PatrolShift, shift_id).note == ""


def test_the_first_confirmation_wins_even_against_a_phone_with_a_fast_clock(
    client, town, login, session
):
    _, shift_id = _ended_shift(client, town, login)
    # A second leader device two days fast returns the shift "later" by its own clock...
    fast = datetime.now(SHANGHAI) + timedelta(days=2)
    first = push(
        client,
        login("leader_a", device_id="leader-phone-1"),
        [mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})],
    )
    second = push(
        client,
        login("leader_a", device_id="leader-tablet-2"),
        [
            mut(
                "shift.review",
                {"shift_id": shift_id, "decision": "return", "comment": "缺少巡逻点"},
                at=fast,
            )
        ],
        sent_at=fast,
    )
    assert first[0]["status"] == "applied"
    assert second[0]["status"] == "conflict"
    assert second[0]["rule"] == "first_review_wins"
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "confirmed"


def test_a_review_of_a_shift_still_open_is_a_conflict(client, town, login):
    start = mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": []})
    push(client, login("member_a1"), [start])
    [r] = push(
        client,
        login("leader_a"),
        [mut("shift.review", {"shift_id": start["id"], "decision": "confirm"})],
    )
    assert (r["status"], r["rule"]) == ("conflict", "shift_not_ended")


def test_a_returned_shift_is_amended_by_its_member_and_then_confirmed(client, town, login, session):
    member, shift_id = _ended_shift(client, town, login)
    leader = login("leader_a")
    [ret] = push(
        client,
        leader,
        [
            mut(
                "shift.review",
                {"shift_id": shift_id, "decision": "return", "comment": "请补扫3号巡逻点"},
            )
        ],
    )
    assert ret["status"] == "applied"
    [amend] = push(
        client,
        member,
        [
            mut(
                "shift.scan",
                {"shift_id": shift_id, "checkpoint_code": town.checkpoints["a"][2].code},
            )
        ],
    )
    assert amend["status"] == "applied"
    [confirm] = push(
        client, leader, [mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})]
    )
    assert confirm["status"] == "applied"
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "confirmed"
    audits = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "shift")).all()
    assert audits == ["shift.return", "shift.confirm"]


def test_only_the_leader_of_the_sites_group_reviews_its_shifts(client, town, login):
    _, shift_id = _ended_shift(client, town, login)
    for who in ("leader_b", "member_a2"):
        [r] = push(
            client, login(who), [mut("shift.review", {"shift_id": shift_id, "decision": "confirm"})]
        )
        assert r["status"] == "rejected", who


def test_a_hazard_moves_only_along_its_lifecycle(client, town, login, session):
    member = login("member_a1")
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "surroundings",
            "place_type": "internet_cafe",
            "severity": "high",
            "description": "校门对面网吧接纳未成年人",
            "within_300m": True,
            "distance_m": 120,
        },
    )
    push(client, member, [report])
    sup = login("supervisor")
    hid = report["id"]
    early_close = push(
        client, sup, [mut("hazard.transition", {"hazard_id": hid, "action": "close"})]
    )
    assert (early_close[0]["status"], early_close[0]["rule"]) == ("conflict", "hazard_lifecycle")
    assert early_close[0]["current"]["data"]["status"] == "reported"
    photo = _photo(client, member)
    steps = push(
        client,
        sup,
        [
            mut(
                "hazard.transition",
                {
                    "hazard_id": hid,
                    "action": "assign",
                    "department": "market_regulation",
                    "due_date": in_days(14),
                },
            ),
        ],
    )
    steps += push(
        client,
        member,
        [
            mut(
                "hazard.transition",
                {"hazard_id": hid, "action": "rectify", "photos": [photo], "comment": "已停业整顿"},
            )
        ],
    )
    steps += push(
        client,
        sup,
        [
            mut("hazard.transition", {"hazard_id": hid, "action": "close"}),
            mut("hazard.transition", {"hazard_id": hid, "action": "rectify", "photos": [photo]}),
            mut(
                "hazard.transition", {"hazard_id": hid, "action": "reopen", "comment": "复查仍营业"}
            ),
        ],
    )
    assert [s["status"] for s in steps] == ["applied", "applied", "applied", "conflict", "applied"]
    session.rollback()
    hazard = session.get(Hazard, hid)
    assert (hazard.status, hazard.department) == ("reopened", "market_regulation")


def test_a_member_cannot_close_a_hazard_and_rectify_needs_a_photo(client, town, login):
    member = login("member_a1")
    report = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "fire", "description": "灭火器过期"},
    )
    push(client, member, [report])
    push(
        client,
        login("leader_a"),
        [
            mut(
                "hazard.transition",
                {
                    "hazard_id": report["id"],
                    "action": "assign",
                    "department": "education_office",
                    "due_date": in_days(9),
                },
            )
        ],
    )
    results = push(
        client,
        member,
        [
            mut("hazard.transition", {"hazard_id": report["id"], "action": "rectify"}),
            mut("hazard.transition", {"hazard_id": report["id"], "action": "close"}),
        ],
    )
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert "photo" in results[0]["message"]

"""Reading one record by id: a shift with its missed checkpoints, a hazard with its lifecycle."""

import hashlib
import io
from datetime import datetime, time, timedelta

from PIL import Image

from tests.sync_helpers import SHANGHAI, in_days, mut, push


def _shift_with_two_scans(client, town, login):
    start = mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": []})
    scans = [
        mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": cp.code})
        for cp in town.checkpoints["a"][:2]
    ]
    push(client, login("member_a1"), [start, *scans, mut("shift.end", {"shift_id": start["id"]})])
    return start["id"]


def test_a_shift_shows_the_checkpoints_its_round_missed(client, town, login):
    shift_id = _shift_with_two_scans(client, town, login)
    body = client.get(f"/api/shifts/{shift_id}", headers=login("leader_a")).json()
    assert body["shift"]["status"] == "ended"
    assert len(body["scans"]) == 2
    assert [c["code"] for c in body["missed_checkpoints"]] == [
        cp.code for cp in town.checkpoints["a"][2:]
    ]


def test_another_groups_shift_reads_as_not_found(client, town, login):
    shift_id = _shift_with_two_scans(client, town, login)
    for who in ("member_b1", "leader_b", "gate_b"):
        res = client.get(f"/api/shifts/{shift_id}", headers=login(who))
        assert res.status_code == 404, who
    assert client.get(f"/api/shifts/{shift_id}", headers=login("supervisor")).status_code == 200


def test_a_hazard_shows_its_lifecycle_and_the_photos_still_missing(client, town, login):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buf, "JPEG")
    fix_photo = hashlib.sha256(buf.getvalue()).hexdigest()
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "food_hygiene",
            "place_type": "tuck_shop",
            "description": "小卖部售卖过期食品",
        },
    )
    push(client, login("member_a1"), [report])
    push(
        client,
        login("supervisor"),
        [
            mut(
                "hazard.transition",
                {
                    "hazard_id": report["id"],
                    "action": "assign",
                    "department": "market_regulation",
                    "due_date": in_days(19),
                },
            )
        ],
    )
    push(
        client,
        login("member_a1"),
        [
            mut(
                "hazard.transition",
                {"hazard_id": report["id"], "action": "rectify", "photos": [fix_photo]},
            )
        ],
    )
    detail = client.get(f"/api/hazards/{report['id']}", headers=login("supervisor")).json()
    assert [e["action"] for e in detail["events"]] == ["assign", "rectify"]
    assert detail["hazard"]["status"] == "rectified"
    assert detail["missing_photos"] == [fix_photo]
    client.put(f"/api/photos/{fix_photo}", content=buf.getvalue(), headers=login("member_a1"))
    detail = client.get(f"/api/hazards/{report['id']}", headers=login("supervisor")).json()
    assert detail["missing_photos"] == []
    assert client.get(f"/api/hazards/{report['id']}", headers=login("member_b1")).status_code == 404


def test_the_visitor_register_lists_a_schools_day_with_who_is_still_inside(client, town, login):
    """The gate phone recorded yesterday morning and hands it in now, with a right clock: the
    register of yesterday lists both visitors, today's is empty."""
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    at = datetime.combine(yesterday, time(10, 0), tzinfo=SHANGHAI)
    first = mut(
        "visitor.enter",
        {
            "site_id": town.sites["a"].id,
            "name": "家长 周女士",
            "visiting": "三年级班主任",
            "host_approved": True,
        },
        at=at,
    )
    second = mut(
        "visitor.enter",
        {
            "site_id": town.sites["a"].id,
            "name": "维修工 吴师傅",
            "visiting": "总务处",
            "host_approved": True,
            "goods": "工具箱",
            "pass_slip_no": "CM-2031",
        },
        at=at,
    )
    gate = login("gate_a")
    push(client, gate, [first, second, mut("visitor.leave", {"visitor_id": first["id"]}, at=at)])
    register = f"/api/sites/{town.sites['a'].id}/visitors"
    body = client.get(register, params={"day": yesterday.isoformat()}, headers=gate).json()
    assert [v["name"] for v in body["visitors"]] == ["家长 周女士", "维修工 吴师傅"]
    assert body["still_inside"] == 1
    today = (yesterday + timedelta(days=1)).isoformat()
    assert client.get(register, params={"day": today}, headers=gate).json()["visitors"] == []
    res = client.get(register, params={"day": yesterday.isoformat()}, headers=login("gate_b"))
    assert res.status_code == 404

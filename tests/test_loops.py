"""The three loops, pushed for real on SQLite and Postgres: a returned shift reaches its member
on any phone and she amends it; a fix is verified only once its photos are on the server; a
visitor is inside only once the host agreed, and a vehicle leaves checked against the slip.

Times are built from one "now" per test; the visitor register is asked for the local date of
that instant, so the push and the question agree on the day (listed in tests/clock_run.py)."""

from datetime import datetime, timedelta

from tests.hardening_world import png_bytes, sha
from tests.sync_helpers import SHANGHAI, in_days, mut, pull_all, push, state_of


def _ok(results) -> None:
    assert [r["status"] for r in results] == ["applied"] * len(results), results


# --- a returned shift reaches its member -------------------------------------------------


def test_a_returned_shift_reaches_its_member_on_a_new_phone_and_she_amends_it(client, town, login):
    now = datetime.now(SHANGHAI)
    old_phone = login("member_a1", "phone-old")
    site = town.sites["a"]
    start = mut(
        "shift.start",
        {"site_id": site.id, "member_ids": [town.users["member_a2"].id]},
        at=now - timedelta(hours=3),
    )
    first_cp, east_wall = town.checkpoints["a"][0], town.checkpoints["a"][1]
    scan = mut(
        "shift.scan",
        {"shift_id": start["id"], "checkpoint_code": first_cp.code, "method": "qr"},
        at=now - timedelta(hours=2, minutes=50),
    )
    end = mut("shift.end", {"shift_id": start["id"]}, at=now - timedelta(hours=1))
    _ok(push(client, old_phone, [start, scan, end]))
    returned = mut(
        "shift.review",
        {"shift_id": start["id"], "decision": "return", "comment": "请补打卡东围墙"},
    )
    _ok(push(client, login("leader_a"), [returned]))

    # a new phone: nothing in its outbox, everything from the pull
    new_phone = login("member_a1", "phone-new")
    state = state_of(pull_all(client, new_phone)[0])
    shift = state[("shift", start["id"])]
    assert (shift["status"], shift["review_comment"]) == ("returned", "请补打卡东围墙")
    assert shift["recorded_by"] == town.users["member_a1"].id
    assert state[("review", returned["id"])]["decision"] == "return"

    # she adds the missing scan and ends it again from the new phone: awaiting review again
    amend = [
        mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": east_wall.code}),
        mut("shift.end", {"shift_id": start["id"], "note": "已补打卡东围墙"}),
    ]
    _ok(push(client, new_phone, amend))
    state = state_of(pull_all(client, new_phone)[0])
    assert state[("shift", start["id"])]["status"] == "ended"
    assert state[("shift", start["id"])]["note"] == "已补打卡东围墙"
    confirm = mut("shift.review", {"shift_id": start["id"], "decision": "confirm"})
    _ok(push(client, login("leader_a"), [confirm]))
    assert state_of(pull_all(client, old_phone)[0])[("shift", start["id"])]["status"] == (
        "confirmed"
    )


def test_a_member_of_the_group_pulls_the_return_of_a_shift_she_was_listed_on(client, town, login):
    start = mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": []})
    _ok(push(client, login("member_a1"), [start, mut("shift.end", {"shift_id": start["id"]})]))
    back = {"shift_id": start["id"], "decision": "return", "comment": "人数不足"}
    _ok(push(client, login("leader_a"), [mut("shift.review", back)]))
    other_school = state_of(pull_all(client, login("member_b1"))[0])
    assert ("shift", start["id"]) not in other_school


# --- 整改 and 验收 -------------------------------------------------------------------------


def _assigned_hazard(client, town, login) -> str:
    report = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "fire", "description": "灭火器过期"},
    )
    assign = {
        "hazard_id": report["id"],
        "action": "assign",
        "department": "education_office",
        "due_date": in_days(7),
    }
    _ok(push(client, login("member_a1"), [report]))
    _ok(push(client, login("supervisor"), [mut("hazard.transition", assign)]))
    return report["id"]


def test_verification_is_refused_until_the_fix_photos_reach_the_server(client, town, login):
    hazard_id = _assigned_hazard(client, town, login)
    photo = png_bytes(colour=11)
    fixer = login("member_a2")
    fix = {
        "hazard_id": hazard_id,
        "action": "rectify",
        "comment": "已更换灭火器",
        "photos": [sha(photo)],
    }
    _ok(push(client, fixer, [mut("hazard.transition", fix)]))  # the photo is still on the phone
    supervisor = login("supervisor")
    board = client.get("/api/reports/hazards", headers=supervisor).json()
    [row] = [h for h in board["hazards"] if h["id"] == hazard_id]
    assert row["status"] == "rectified"
    assert row["fix_photos"] == row["fix_photos_missing"] == [sha(photo)]
    assert (row["fix_note"], row["fixed_by"]) == ("已更换灭火器", town.users["member_a2"].id)

    close = {"hazard_id": hazard_id, "action": "close", "comment": "验收合格"}
    [refused] = push(client, supervisor, [mut("hazard.transition", close)])
    assert (refused["status"], refused["rule"]) == ("rejected", "fix_photos_missing")
    assert "整改照片尚有 1 张未上传" in refused["message_zh"]
    assert "have not reached the server" in refused["message"]

    res = client.put(f"/api/photos/{sha(photo)}", content=photo, headers=fixer)
    assert res.status_code in (200, 201), res.text
    board = client.get("/api/reports/hazards", headers=supervisor).json()
    [row] = [h for h in board["hazards"] if h["id"] == hazard_id]
    assert row["fix_photos_missing"] == []
    _ok(push(client, supervisor, [mut("hazard.transition", close)]))
    board = client.get("/api/reports/hazards", headers=supervisor).json()
    assert [h["status"] for h in board["hazards"] if h["id"] == hazard_id] == ["closed"]


def test_a_finding_photo_not_uploaded_is_listed_as_missing_not_linked(client, town, login):
    photo = png_bytes(colour=12)
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "collapse",
            "description": "围墙裂缝",
            "photos": [sha(photo)],
        },
    )
    _ok(push(client, login("member_a1"), [report]))
    board = client.get("/api/reports/hazards", headers=login("supervisor")).json()
    [row] = [h for h in board["hazards"] if h["id"] == report["id"]]
    assert row["photos_missing"] == [sha(photo)]


# --- 准入登记: approval as a step ---------------------------------------------------------


def _register(client, headers, now: datetime) -> dict:
    day = now.date().isoformat()
    res = client.get("/api/reports/visitors", params={"from": day, "to": day}, headers=headers)
    assert res.status_code == 200, res.text
    return res.json()


def _visitor(town, **extra) -> dict:
    entry = {"site_id": town.sites["a"].id, "name": "送货员 刘师傅", "visiting": "食堂 李师傅"}
    return entry | extra


def test_a_visitor_waits_at_the_gate_until_the_host_agrees_by_phone(client, town, login):
    now = datetime.now(SHANGHAI)
    gate = login("gate_a")
    enter = mut("visitor.enter", _visitor(town, approval="asked"), at=now - timedelta(minutes=5))
    _ok(push(client, gate, [enter]))
    supervisor = login("supervisor")
    register = _register(client, supervisor, now)
    assert [r["id"] for r in register["waiting"]] == [enter["id"]]
    assert register["inside"] == []

    agree = mut(
        "visitor.decide",
        {
            "visitor_id": enter["id"],
            "decision": "approved",
            "approved_by_name": "总务处 王老师",
            "approval_via": "phone",
        },
        at=now - timedelta(minutes=2),
    )
    _ok(push(client, gate, [agree]))
    register = _register(client, supervisor, now)
    [row] = register["inside"]
    assert (row["approved_by_name"], row["approval_via"]) == ("总务处 王老师", "phone")
    assert row["approval_recorded_by_name"] == "门卫 张伟"
    assert row["state"] == "inside" and register["waiting"] == []
    approval_at = datetime.fromisoformat(row["approval_at"])
    assert abs((approval_at - (now - timedelta(minutes=2))).total_seconds()) < 5

    # the first answer stands
    [again] = push(
        client, gate, [mut("visitor.decide", {"visitor_id": enter["id"], "decision": "refused"})]
    )
    assert (again["status"], again["rule"]) == ("conflict", "visitor_already_decided")


def test_a_refused_visitor_is_never_inside(client, town, login):
    now = datetime.now(SHANGHAI)
    gate = login("gate_a")
    enter = mut("visitor.enter", _visitor(town, approval="asked"))
    refuse = mut("visitor.decide", {"visitor_id": enter["id"], "decision": "refused"})
    _ok(push(client, gate, [enter, refuse]))
    register = _register(client, login("supervisor"), now)
    [row] = register["rows"]
    # nobody named: the person visited answered
    assert (row["state"], row["approved_by_name"]) == ("refused", "食堂 李师傅")
    assert register["inside"] == [] and register["counts"]["refused"] == 1


def test_an_older_apps_unticked_box_is_kept_as_waiting_and_listed_unapproved(client, town, login):
    now = datetime.now(SHANGHAI)
    enter = mut("visitor.enter", _visitor(town, host_approved=False))
    ticked = mut("visitor.enter", _visitor(town, name="王女士", host_approved=True))
    _ok(push(client, login("gate_a"), [enter, ticked]))
    register = _register(client, login("supervisor"), now)
    assert [r["id"] for r in register["unapproved"]] == [enter["id"]]
    assert [r["id"] for r in register["inside"]] == [ticked["id"]]
    assert [r["id"] for r in register["waiting"]] == [enter["id"]]


def test_a_vehicle_leaves_checked_against_its_pass_slip(client, town, login):
    now = datetime.now(SHANGHAI)
    gate = login("gate_a")
    with_van = _visitor(
        town, approval="approved", vehicle_plate="鄂A12345", goods="食堂蔬菜", pass_slip_no="0421"
    )
    matched, unchecked, mismatch, on_foot = (
        mut("visitor.enter", with_van),
        mut("visitor.enter", with_van),
        mut("visitor.enter", with_van),
        mut("visitor.enter", _visitor(town, approval="approved")),
    )
    _ok(push(client, gate, [matched, unchecked, mismatch, on_foot]))
    leave = [
        mut("visitor.leave", {"visitor_id": matched["id"], "slip_check": "matched"}),
        mut("visitor.leave", {"visitor_id": unchecked["id"]}),
        mut(
            "visitor.leave",
            {"visitor_id": mismatch["id"], "slip_check": "mismatch", "note": "多出两箱"},
        ),
        mut("visitor.leave", {"visitor_id": on_foot["id"]}),
    ]
    _ok(push(client, gate, leave))
    rows = {r["id"]: r for r in _register(client, login("supervisor"), now)["rows"]}
    assert rows[matched["id"]]["exit_flag"] is None
    assert rows[unchecked["id"]]["exit_flag"] == "slip_not_checked"
    assert rows[mismatch["id"]]["exit_flag"] == "slip_mismatch"
    assert rows[on_foot["id"]]["exit_flag"] is None
    assert {r["state"] for r in rows.values()} == {"left"}


def test_the_register_shows_a_leader_only_her_groups_schools(client, town, login):
    now = datetime.now(SHANGHAI)
    _ok(push(client, login("gate_a"), [mut("visitor.enter", _visitor(town, approval="asked"))]))
    b = {"site_id": town.sites["b"].id, "name": "家长 周先生", "visiting": "初二班主任"}
    _ok(push(client, login("gate_b"), [mut("visitor.enter", b | {"approval": "asked"})]))
    mine = _register(client, login("leader_b"), now)
    assert [r["name"] for r in mine["rows"]] == ["家长 周先生"]
    res = client.get("/api/reports/visitors", headers=login("member_a1"))
    assert res.status_code == 403


def test_the_register_exports_as_csv_with_chinese_headers(client, town, login):
    now = datetime.now(SHANGHAI)
    _ok(push(client, login("gate_a"), [mut("visitor.enter", _visitor(town, approval="approved"))]))
    day = now.date().isoformat()
    res = client.get(
        "/api/reports/visitors",
        params={"from": day, "to": day, "format": "csv"},
        headers=login("supervisor"),
    )
    assert res.status_code == 200
    text = res.content.decode("utf-8")
    assert text.startswith("\ufeff学校,来访人,被访人")
    assert "送货员 刘师傅,食堂 李师傅" in text

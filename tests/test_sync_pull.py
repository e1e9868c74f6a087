"""Pull: commit order, paging, scope per caller, safe re-pull, reset on a foreign cursor."""

from sqlalchemy import text

from tests.sync_helpers import mut, pull_all, push, state_of


def _hazard(town, site, text_="消防通道堵塞"):
    return mut(
        "hazard.report", {"site_id": town.sites[site].id, "category": "fire", "description": text_}
    )


def test_pull_pages_through_every_change_in_commit_order(client, town, login):
    member = login("member_a1")
    pushed = [_hazard(town, "a", f"隐患{i}") for i in range(7)]
    for i in range(0, 7, 2):
        push(client, member, pushed[i : i + 2])
    changes, cursor = pull_all(client, login("supervisor"), limit=3)
    assert [c["id"] for c in changes] == [m["id"] for m in pushed]
    versions = [c["version"] for c in changes]
    assert versions == sorted(versions)
    assert cursor


def test_re_pulling_the_same_cursor_returns_the_same_changes(client, town, login):
    member = login("member_a1")
    push(client, member, [_hazard(town, "a") for _ in range(3)])
    sup = login("supervisor")
    first = client.get("/api/sync/pull", params={"limit": 2}, headers=sup).json()
    cursor = first["cursor"]
    a = client.get("/api/sync/pull", params={"cursor": cursor}, headers=sup).json()
    b = client.get("/api/sync/pull", params={"cursor": cursor}, headers=sup).json()
    assert a["changes"] == b["changes"]
    assert len(a["changes"]) == 1


def test_member_pulls_only_their_groups_sites(client, town, login):
    push(client, login("member_a1"), [_hazard(town, "a", "A组隐患")])
    push(client, login("member_b1"), [_hazard(town, "b", "B组隐患")])
    a_view, _ = pull_all(client, login("member_a2"))
    b_view, _ = pull_all(client, login("member_b2"))
    sup_view, _ = pull_all(client, login("supervisor"))
    assert {c["data"]["description"] for c in a_view} == {"A组隐患"}
    assert {c["data"]["description"] for c in b_view} == {"B组隐患"}
    assert len(sup_view) == 2


def test_gate_staff_pull_only_their_school(client, town, login):
    push(client, login("member_a1"), [_hazard(town, "a2", "幼儿园隐患")])
    push(client, login("member_a1"), [_hazard(town, "a", "小学隐患")])
    view, _ = pull_all(client, login("gate_a"))
    assert {c["data"]["description"] for c in view} == {"小学隐患"}


def test_an_update_arrives_as_the_records_whole_new_state(client, town, login):
    member = login("member_a1")
    start = mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": []})
    push(client, member, [start])
    sup = login("supervisor")
    changes, cursor = pull_all(client, sup)
    push(client, member, [mut("shift.end", {"shift_id": start["id"]})])
    later, _ = pull_all(client, sup, cursor)
    assert [c["entity"] for c in later] == ["shift"]
    assert later[0]["data"]["status"] == "ended"
    state = state_of(changes + later)
    assert state[("shift", start["id"])]["status"] == "ended"


def test_a_malformed_cursor_gets_a_reset_answer(client, town, login):
    res = client.get("/api/sync/pull", params={"cursor": "garbage"}, headers=login("member_a1"))
    assert res.status_code == 410
    assert res.json()["error"]["code"] == "cursor_reset"


def test_a_cursor_from_before_a_reset_gets_a_reset_answer(client, town, login, engine):
    member = login("member_a1")
    push(client, member, [_hazard(town, "a")])
    _, cursor = pull_all(client, member)
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_state SET epoch = 'restored-from-backup' WHERE id = 1"))
    res = client.get("/api/sync/pull", params={"cursor": cursor}, headers=member)
    assert res.status_code == 410
    again, _ = pull_all(client, member)  # the full resend after the reset
    assert len(again) == 1


def test_pull_limit_out_of_range_is_a_clear_422(client, town, login):
    res = client.get("/api/sync/pull", params={"limit": 0}, headers=login("member_a1"))
    assert res.status_code == 422
    assert "limit" in res.json()["error"]["message"]


def test_bootstrap_gives_a_member_their_sites_checkpoints_and_windows(client, town, login):
    body = client.get("/api/sync/bootstrap", headers=login("member_a1")).json()
    assert {s["name"] for s in body["sites"]} == {"东风小学", "阳光幼儿园"}
    school = next(s for s in body["sites"] if s["name"] == "东风小学")
    assert len(school["checkpoints"]) == 4
    assert {w["kind"] for w in school["gate_windows"]} == {"arrival", "dismissal"}
    [group] = body["groups"]
    assert len(group["members"]) == 5

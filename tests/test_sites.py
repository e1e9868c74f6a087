"""Sites, gate windows and checkpoints: admin writes, scoped reads, validation, audit."""

from sqlmodel import select

from app.audit.models import AuditEvent
from app.sites.models import Checkpoint, Site

NEW_SITE = {
    "name": "青山镇第二小学",
    "kind": "school",
    "address": "青山镇新华路3号",
    "lat": 30.6,
    "lon": 114.3,
}


def test_admin_creates_a_site_with_default_timezone_and_staff_minimums(client, town, login):
    res = client.post("/api/sites", json=NEW_SITE, headers=login("admin"))
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["name"] == "青山镇第二小学"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["required_patrol_staff"] == 4
    assert body["active"] is True


def test_site_creation_is_audited_with_the_after_snapshot(client, town, login, session):
    res = client.post("/api/sites", json=NEW_SITE, headers=login("admin"))
    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "site.create")).one()
    assert event.entity_id == str(res.json()["id"])
    assert event.actor_id == town.users["admin"].id
    assert event.after["name"] == "青山镇第二小学"


def test_site_update_audit_keeps_before_and_after(client, town, login, session):
    site = town.sites["a"]
    res = client.patch(
        f"/api/sites/{site.id}", json={"address": "东风路99号"}, headers=login("admin")
    )
    assert res.status_code == 200
    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "site.update")).one()
    assert event.before["address"] == "东风小学路1号"
    assert event.after["address"] == "东风路99号"


def test_non_admin_cannot_create_or_change_a_site(client, town, login):
    for user in ("supervisor", "leader_a", "member_a1", "gate_a"):
        headers = login(user)
        assert client.post("/api/sites", json=NEW_SITE, headers=headers).status_code == 403
        res = client.patch(f"/api/sites/{town.sites['a'].id}", json={"name": "x"}, headers=headers)
        assert res.status_code == 403


def test_site_list_needs_a_login(client, town):
    assert client.get("/api/sites").status_code == 401


def test_member_lists_only_her_groups_sites(client, town, login):
    res = client.get("/api/sites", headers=login("member_a1"))
    names = {s["name"] for s in res.json()}
    assert names == {"东风小学", "阳光幼儿园"}


def test_gate_keeper_sees_only_her_home_school(client, town, login):
    res = client.get("/api/sites", headers=login("gate_b"))
    assert [s["name"] for s in res.json()] == ["红旗中学"]


def test_supervisor_lists_every_site(client, town, login):
    res = client.get("/api/sites", headers=login("supervisor"))
    assert len(res.json()) == 3


def test_member_gets_404_for_another_groups_site(client, town, login):
    res = client.get(f"/api/sites/{town.sites['b'].id}", headers=login("member_a1"))
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"


def test_site_with_unknown_timezone_is_rejected_with_the_field_named(client, town, login):
    res = client.post(
        "/api/sites", json={**NEW_SITE, "timezone": "Mars/Olympus"}, headers=login("admin")
    )
    assert res.status_code == 422
    fields = {d["field"] for d in res.json()["error"]["details"]}
    assert "timezone" in fields


def test_site_latitude_out_of_range_is_422(client, town, login):
    res = client.post("/api/sites", json={**NEW_SITE, "lat": 123}, headers=login("admin"))
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "lat"


def test_deactivated_site_leaves_the_default_list_but_stays_readable(client, town, login):
    site = town.sites["b"]
    headers = login("admin")
    res = client.post(f"/api/sites/{site.id}/deactivate", headers=headers)
    assert res.status_code == 200 and res.json()["active"] is False
    listed = {s["id"] for s in client.get("/api/sites", headers=headers).json()}
    assert site.id not in listed
    everything = client.get("/api/sites?include_inactive=true", headers=headers).json()
    assert site.id in {s["id"] for s in everything}
    assert client.get(f"/api/sites/{site.id}", headers=headers).status_code == 200


def test_setting_a_required_field_to_null_is_422(client, town, login):
    res = client.patch(
        f"/api/sites/{town.sites['a'].id}", json={"name": None}, headers=login("admin")
    )
    assert res.status_code == 422


def test_unknown_site_is_404_for_admin(client, town, login):
    res = client.patch("/api/sites/99999", json={"name": "x"}, headers=login("admin"))
    assert res.status_code == 404


# ---- gate windows ------------------------------------------------------------------------


def test_admin_adds_and_member_lists_gate_windows_in_start_order(client, town, login):
    site = town.sites["a"]
    res = client.post(
        f"/api/sites/{site.id}/gate-windows",
        json={"name": "午间放学", "kind": "dismissal", "starts": "11:30", "ends": "12:10"},
        headers=login("admin"),
    )
    assert res.status_code == 201, res.text
    listed = client.get(f"/api/sites/{site.id}/gate-windows", headers=login("member_a1")).json()
    assert [w["name"] for w in listed] == ["上学", "午间放学", "放学"]


def test_gate_window_that_ends_before_it_starts_is_422(client, town, login):
    site = town.sites["a"]
    res = client.post(
        f"/api/sites/{site.id}/gate-windows",
        json={"name": "上学", "kind": "arrival", "starts": "08:30", "ends": "07:30"},
        headers=login("admin"),
    )
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "ends"


def test_gate_window_update_keeps_end_after_start(client, town, login):
    window = town.windows["a"][0]  # 07:30-08:30
    url = f"/api/sites/{town.sites['a'].id}/gate-windows/{window.id}"
    assert client.patch(url, json={"starts": "09:00"}, headers=login("admin")).status_code == 422
    ok = client.patch(url, json={"ends": "08:45"}, headers=login("admin"))
    assert ok.status_code == 200 and ok.json()["ends"] == "08:45:00"


def test_deactivated_gate_window_is_hidden_from_the_list(client, town, login):
    window = town.windows["a"][1]
    site_id = town.sites["a"].id
    res = client.post(
        f"/api/sites/{site_id}/gate-windows/{window.id}/deactivate", headers=login("admin")
    )
    assert res.status_code == 200
    names = [
        w["name"]
        for w in client.get(f"/api/sites/{site_id}/gate-windows", headers=login("admin")).json()
    ]
    assert names == ["上学"]


def test_gate_window_of_another_site_is_404(client, town, login):
    window = town.windows["b"][0]
    url = f"/api/sites/{town.sites['a'].id}/gate-windows/{window.id}"
    assert client.patch(url, json={"name": "x"}, headers=login("admin")).status_code == 404


# ---- checkpoints -------------------------------------------------------------------------


def test_admin_adds_a_checkpoint_and_the_member_sees_it(client, town, login):
    site = town.sites["a"]
    res = client.post(
        f"/api/sites/{site.id}/checkpoints",
        json={"name": "食堂后门", "code": "DF-KITCHEN", "lat": 30.5, "lon": 114.3},
        headers=login("admin"),
    )
    assert res.status_code == 201, res.text
    listed = client.get(f"/api/sites/{site.id}/checkpoints", headers=login("member_a1")).json()
    assert "DF-KITCHEN" in {c["code"] for c in listed}


def test_duplicate_checkpoint_code_is_409_naming_the_code(client, town, login):
    taken = town.checkpoints["b"][0].code
    res = client.post(
        f"/api/sites/{town.sites['a'].id}/checkpoints",
        json={"name": "重复", "code": taken},
        headers=login("admin"),
    )
    assert res.status_code == 409
    assert taken in res.json()["error"]["message"]


def test_code_of_a_deactivated_checkpoint_cannot_be_reused(client, town, login):
    cp = town.checkpoints["a"][0]
    site_id = town.sites["a"].id
    headers = login("admin")
    client.post(f"/api/sites/{site_id}/checkpoints/{cp.id}/deactivate", headers=headers)
    res = client.post(
        f"/api/sites/{site_id}/checkpoints", json={"name": "新", "code": cp.code}, headers=headers
    )
    assert res.status_code == 409


def test_checkpoint_code_with_spaces_or_chinese_is_422(client, town, login):
    res = client.post(
        f"/api/sites/{town.sites['a'].id}/checkpoints",
        json={"name": "校门", "code": "校门 1"},
        headers=login("admin"),
    )
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "code"


def test_member_cannot_add_a_checkpoint(client, town, login):
    res = client.post(
        f"/api/sites/{town.sites['a'].id}/checkpoints",
        json={"name": "校门", "code": "DF-NEW-1"},
        headers=login("leader_a"),
    )
    assert res.status_code == 403


def test_checkpoint_rename_is_audited_and_deactivation_hides_it(client, town, login, session):
    cp = town.checkpoints["a"][1]
    site_id = town.sites["a"].id
    headers = login("admin")
    res = client.patch(
        f"/api/sites/{site_id}/checkpoints/{cp.id}", json={"name": "操场东侧"}, headers=headers
    )
    assert res.status_code == 200 and res.json()["name"] == "操场东侧"
    client.post(f"/api/sites/{site_id}/checkpoints/{cp.id}/deactivate", headers=headers)
    listed = client.get(f"/api/sites/{site_id}/checkpoints", headers=headers).json()
    assert cp.id not in {c["id"] for c in listed}
    session.rollback()
    actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.entity == "checkpoint", AuditEvent.entity_id == str(cp.id)
        )
    ).all()
    assert sorted(actions) == ["checkpoint.update", "checkpoint.update"]
    assert session.exec(select(Checkpoint.active).where(Checkpoint.id == cp.id)).one() is False


def test_checkpoint_of_another_site_is_404(client, town, login):
    cp = town.checkpoints["b"][0]
    url = f"/api/sites/{town.sites['a'].id}/checkpoints/{cp.id}"
    assert client.patch(url, json={"name": "x"}, headers=login("admin")).status_code == 404


def test_member_cannot_list_checkpoints_of_another_groups_site(client, town, login):
    res = client.get(f"/api/sites/{town.sites['b'].id}/checkpoints", headers=login("member_a1"))
    assert res.status_code == 404


def test_failed_site_write_leaves_no_row(client, town, login, session):
    client.post("/api/sites", json={**NEW_SITE, "kind": "castle"}, headers=login("admin"))
    session.rollback()
    assert session.exec(select(Site).where(Site.name == NEW_SITE["name"])).first() is None

"""Patrol groups: admins manage them; leaders and members read only their own; audited."""

from sqlmodel import select

from app.audit.models import AuditEvent


def _ids(town, *names):
    return [town.users[n].id for n in names]


def test_admin_creates_a_group_and_the_leader_becomes_a_member(client, town, login):
    body = {
        "name": "新城片区巡逻组",
        "leader_id": town.users["leader_b"].id,
        "member_ids": _ids(town, "member_b2", "member_b3"),
        "site_ids": [town.sites["b"].id],
    }
    res = client.post("/api/groups", json=body, headers=login("admin"))
    assert res.status_code == 201, res.text
    group = res.json()
    assert town.users["leader_b"].id in group["member_ids"]
    assert group["site_ids"] == [town.sites["b"].id]


def test_group_leader_must_hold_the_leader_role(client, town, login):
    body = {"name": "无组长组", "leader_id": town.users["member_a1"].id}
    res = client.post("/api/groups", json=body, headers=login("admin"))
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "leader_id"


def test_group_with_unknown_site_is_422_naming_site_ids(client, town, login):
    res = client.post(
        "/api/groups", json={"name": "x组", "site_ids": [9999]}, headers=login("admin")
    )
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "site_ids"


def test_leader_cannot_create_or_change_groups(client, town, login):
    headers = login("leader_a")
    assert client.post("/api/groups", json={"name": "x"}, headers=headers).status_code == 403
    group = town.groups["a"]
    res = client.patch(f"/api/groups/{group.id}", json={"name": "改名"}, headers=headers)
    assert res.status_code == 403
    res = client.post(
        f"/api/groups/{group.id}/members",
        json={"user_id": town.users["member_b1"].id},
        headers=headers,
    )
    assert res.status_code == 403


def test_leader_reads_her_own_group_but_not_another(client, town, login):
    headers = login("leader_a")
    assert client.get(f"/api/groups/{town.groups['a'].id}", headers=headers).status_code == 200
    assert client.get(f"/api/groups/{town.groups['b'].id}", headers=headers).status_code == 403


def test_member_lists_only_the_groups_she_belongs_to(client, town, login):
    res = client.get("/api/groups", headers=login("member_b1"))
    assert [g["name"] for g in res.json()] == ["红旗片区巡逻组"]


def test_gate_keeper_in_no_group_lists_no_groups(client, town, login):
    assert client.get("/api/groups", headers=login("gate_a")).json() == []


def test_supervisor_lists_every_group(client, town, login):
    res = client.get("/api/groups", headers=login("supervisor"))
    assert len(res.json()) == 2


def test_admin_adds_and_removes_a_member_and_both_are_audited(client, town, login, session):
    group = town.groups["a"]
    user_id = town.users["member_b1"].id
    headers = login("admin")
    res = client.post(f"/api/groups/{group.id}/members", json={"user_id": user_id}, headers=headers)
    assert res.status_code == 201 and user_id in res.json()["member_ids"]
    res = client.delete(f"/api/groups/{group.id}/members/{user_id}", headers=headers)
    assert res.status_code == 200 and user_id not in res.json()["member_ids"]
    session.rollback()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "patrol_group").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["group.add_member", "group.remove_member"]
    assert user_id not in events[0].before["member_ids"]
    assert user_id in events[0].after["member_ids"]


def test_adding_an_existing_member_is_409(client, town, login):
    group = town.groups["a"]
    res = client.post(
        f"/api/groups/{group.id}/members",
        json={"user_id": town.users["member_a1"].id},
        headers=login("admin"),
    )
    assert res.status_code == 409


def test_removing_the_leader_from_her_group_is_409(client, town, login):
    group = town.groups["a"]
    res = client.delete(
        f"/api/groups/{group.id}/members/{town.users['leader_a'].id}", headers=login("admin")
    )
    assert res.status_code == 409
    assert "leader" in res.json()["error"]["message"]


def test_removing_a_non_member_is_404(client, town, login):
    group = town.groups["a"]
    res = client.delete(
        f"/api/groups/{group.id}/members/{town.users['member_b1'].id}", headers=login("admin")
    )
    assert res.status_code == 404


def test_adding_a_site_extends_what_members_can_see(client, town, login):
    group = town.groups["a"]
    school_b = town.sites["b"].id
    member = login("member_a1")
    assert client.get(f"/api/sites/{school_b}", headers=member).status_code == 404
    res = client.post(
        f"/api/groups/{group.id}/sites", json={"site_id": school_b}, headers=login("admin")
    )
    assert res.status_code == 201
    assert client.get(f"/api/sites/{school_b}", headers=member).status_code == 200
    client.delete(f"/api/groups/{group.id}/sites/{school_b}", headers=login("admin"))
    assert client.get(f"/api/sites/{school_b}", headers=member).status_code == 404


def test_adding_a_site_twice_is_409(client, town, login):
    group = town.groups["a"]
    res = client.post(
        f"/api/groups/{group.id}/sites",
        json={"site_id": town.sites["a"].id},
        headers=login("admin"),
    )
    assert res.status_code == 409


def test_set_leader_makes_the_new_leader_a_member(client, town, login):
    group = town.groups["a"]
    new_leader = town.users["leader_b"].id
    res = client.put(
        f"/api/groups/{group.id}/leader", json={"user_id": new_leader}, headers=login("admin")
    )
    assert res.status_code == 200
    assert res.json()["leader_id"] == new_leader
    assert new_leader in res.json()["member_ids"]


def test_deactivated_group_is_hidden_by_default_and_its_leader_loses_her_sites(client, town, login):
    group = town.groups["b"]
    headers = login("admin")
    res = client.post(f"/api/groups/{group.id}/deactivate", headers=headers)
    assert res.status_code == 200 and res.json()["active"] is False
    assert group.id not in {g["id"] for g in client.get("/api/groups", headers=headers).json()}
    listed = client.get("/api/groups?include_inactive=true", headers=headers).json()
    assert group.id in {g["id"] for g in listed}


def test_unknown_group_is_404(client, town, login):
    assert client.get("/api/groups/9999", headers=login("admin")).status_code == 404
    res = client.patch("/api/groups/9999", json={"name": "x"}, headers=login("admin"))
    assert res.status_code == 404

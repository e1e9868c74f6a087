"""The audit trail: supervisors read it, paged and filtered; nobody can change it."""


def _make_changes(client, town, login):
    admin = login("admin")
    site_id = town.sites["a"].id
    for i in range(3):
        client.patch(f"/api/sites/{site_id}", json={"address": f"东风路{i}号"}, headers=admin)
    client.post(f"/api/sites/{site_id}/deactivate", headers=admin)


def test_supervisor_reads_audit_events_newest_first(client, town, login):
    _make_changes(client, town, login)
    res = client.get("/api/audit?entity=site", headers=login("supervisor"))
    assert res.status_code == 200
    events = res.json()
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True)
    assert events[0]["after"]["active"] is False
    assert events[-1]["after"]["address"] == "东风路0号"


def test_audit_pages_with_limit_and_before_id(client, town, login):
    _make_changes(client, town, login)
    headers = login("supervisor")
    first = client.get("/api/audit?entity=site&limit=2", headers=headers).json()
    assert len(first) == 2
    rest = client.get(
        f"/api/audit?entity=site&limit=10&before_id={first[-1]['id']}", headers=headers
    ).json()
    assert len(rest) == 2
    assert not {e["id"] for e in first} & {e["id"] for e in rest}


def test_audit_filters_by_actor(client, town, login):
    _make_changes(client, town, login)
    headers = login("supervisor")
    admin_id = town.users["admin"].id
    mine = client.get(f"/api/audit?actor_id={admin_id}", headers=headers).json()
    assert mine and all(e["actor_id"] == admin_id for e in mine)
    other = town.users["supervisor"].id
    assert client.get(f"/api/audit?actor_id={other}", headers=headers).json() == []


def test_leaders_members_and_gate_staff_cannot_read_the_audit_trail(client, town, login):
    for user in ("leader_a", "member_a1", "gate_a"):
        assert client.get("/api/audit", headers=login(user)).status_code == 403


def test_audit_events_cannot_be_edited_or_deleted(client, town, login):
    _make_changes(client, town, login)
    headers = login("admin")
    event_id = client.get("/api/audit?limit=1", headers=headers).json()[0]["id"]
    for method in ("put", "patch", "delete"):
        res = client.request(method, f"/api/audit/{event_id}", headers=headers, json={})
        assert res.status_code in (404, 405)
        res = client.request(method, "/api/audit", headers=headers, json={})
        assert res.status_code == 405
    assert client.post("/api/audit", headers=headers, json={}).status_code == 405


def test_no_route_in_the_app_writes_to_the_audit_path():
    from app.main import create_app

    paths = create_app().openapi()["paths"]
    audit = {p: set(ops) for p, ops in paths.items() if p.startswith("/api/audit")}
    assert audit == {"/api/audit": {"get"}}


def test_audit_since_without_offset_is_422(client, town, login):
    res = client.get("/api/audit?since=2026-12-01T08:00:00", headers=login("supervisor"))
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "since"


def test_audit_limit_over_500_is_422(client, town, login):
    res = client.get("/api/audit?limit=501", headers=login("supervisor"))
    assert res.status_code == 422

"""What null means in every admin body: it clears a field that may be empty, and is refused
with a 422 naming the field (in English and Chinese) everywhere else; never a 500 or a 409
from the database (issue 15)."""

import pytest

from app.auth.models import User


def _refused(res, field: str) -> None:
    assert res.status_code == 422, (res.status_code, res.text[:300])
    error = res.json()["error"]
    assert field in error["message"] and "null" in error["message"], error
    assert error["message_zh"] and field in error["message_zh"], error
    assert error["details"][0]["field"] == field


@pytest.mark.parametrize("field", ["display_name", "password", "roles", "active"])
def test_null_for_a_required_user_field_is_refused_and_nothing_changes(
    client, town, login, session, field
):
    user = town.users["member_a1"]
    res = client.patch(f"/api/users/{user.id}", json={field: None}, headers=login("admin"))
    _refused(res, field)
    session.expire_all()
    stored = session.get(User, user.id)
    assert (stored.display_name, stored.roles, stored.active) == (
        user.display_name,
        user.roles,
        user.active,
    )


def test_null_clears_a_users_phone_and_home_school(client, town, login, session):
    user = town.users["gate_a"]
    admin = login("admin")
    res = client.patch(f"/api/users/{user.id}", json={"phone": "13800000000"}, headers=admin)
    assert res.status_code == 200 and res.json()["phone"] == "13800000000"
    res = client.patch(
        f"/api/users/{user.id}", json={"phone": None, "home_site_id": None}, headers=admin
    )
    assert res.status_code == 200, res.text
    assert (res.json()["phone"], res.json()["home_site_id"]) == (None, None)


@pytest.mark.parametrize("field", ["display_name", "password", "roles", "username"])
def test_null_in_a_new_user_is_refused(client, town, login, field):
    body = {"username": "new-user", "display_name": "新用户", "password": "long-enough-pw"}
    res = client.post("/api/users", json={**body, field: None}, headers=login("admin"))
    assert res.status_code == 422, res.text
    assert res.json()["error"]["details"][0]["field"] == field
    # null for an optional field is the same as leaving it out
    res = client.post("/api/users", json={**body, "phone": None}, headers=login("admin"))
    assert res.status_code == 201 and res.json()["phone"] is None


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "kind",
        "address",
        "timezone",
        "required_patrol_staff",
        "required_gate_staff",
        "active",
    ],
)
def test_null_for_a_required_site_field_is_refused(client, town, login, field):
    res = client.patch(
        f"/api/sites/{town.sites['a'].id}", json={field: None}, headers=login("admin")
    )
    _refused(res, field)


def test_null_clears_a_sites_and_a_checkpoints_position(client, town, login):
    admin = login("admin")
    site = town.sites["a"]
    res = client.patch(f"/api/sites/{site.id}", json={"lat": 30.5, "lon": 114.3}, headers=admin)
    assert res.status_code == 200
    res = client.patch(f"/api/sites/{site.id}", json={"lat": None, "lon": None}, headers=admin)
    assert res.status_code == 200 and (res.json()["lat"], res.json()["lon"]) == (None, None)
    url = f"/api/sites/{site.id}/checkpoints"
    cp_id = client.get(url, headers=admin).json()[0]["id"]
    res = client.patch(f"{url}/{cp_id}", json={"lat": None}, headers=admin)
    assert res.status_code == 200 and res.json()["lat"] is None
    for field in ("name", "active"):
        _refused(client.patch(f"{url}/{cp_id}", json={field: None}, headers=admin), field)


@pytest.mark.parametrize("field", ["name", "starts", "ends", "active"])
def test_null_for_a_gate_window_field_is_refused(client, town, login, field):
    site = town.sites["a"]
    window = town.windows["a"][0]
    url = f"/api/sites/{site.id}/gate-windows/{window.id}"
    _refused(client.patch(url, json={field: None}, headers=login("admin")), field)


@pytest.mark.parametrize("field", ["name", "active"])
def test_null_for_a_groups_name_or_state_is_refused(client, town, login, field):
    url = f"/api/groups/{town.groups['a'].id}"
    _refused(client.patch(url, json={field: None}, headers=login("admin")), field)


def test_null_clears_a_groups_leader(client, town, login):
    url = f"/api/groups/{town.groups['a'].id}"
    res = client.patch(url, json={"leader_id": None}, headers=login("admin"))
    assert res.status_code == 200 and res.json()["leader_id"] is None

"""Towns (镇) of a county (县) on one server: logins name their town when they must, names and
checkpoint codes are unique per town, admins change only their own town, and the migration
puts every row made before towns into one default town."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.auth.models import User
from app.cli import alembic_config
from app.errors import Conflict
from app.sites.models import Checkpoint, CheckpointCreate
from app.sites.service import create_checkpoint
from app.towns.models import County, Town
from app.users.service import create_user
from tests.factories import PASSWORD, build_second_town


def _login(client, name: str):
    return client.post("/api/auth/login", json={"username": name, "password": PASSWORD})


def _me(client, res) -> dict:
    assert res.status_code == 200, res.text
    headers = {"Authorization": f"Bearer {res.json()['access_token']}"}
    return client.get("/api/auth/me", headers=headers).json()


def test_a_bare_username_logs_in_while_one_town_has_it(client, town):
    assert _me(client, _login(client, "leader_b"))["id"] == town.users["leader_b"].id


def test_a_shared_username_needs_its_town_code_and_each_reaches_its_own_town(client, session, town):
    second = build_second_town(session)
    assert _login(client, "admin").status_code == 401  # ambiguous: nobody, as a wrong password
    first = _me(client, _login(client, f"admin@{town.row.code}"))
    other = _me(client, _login(client, "admin@xishan"))
    assert (first["id"], first["town_id"]) == (town.users["admin"].id, town.row.id)
    assert (other["id"], other["town_id"]) == (second.users["admin"].id, second.row.id)
    assert _login(client, "admin@nowhere").status_code == 401
    assert _me(client, _login(client, "leader_b"))["id"] == town.users["leader_b"].id


def test_a_username_is_unique_within_its_town_only(session, town):
    second = build_second_town(session)
    assert second.users["member_a1"].username == town.users["member_a1"].username
    with pytest.raises(Conflict):
        create_user(
            session,
            username="member_a1",
            display_name="重名",
            password=PASSWORD,
            roles=["member"],
            town_id=second.row.id,
            actor_id=None,
        )


def test_a_checkpoint_code_is_unique_within_its_town_only(session, town):
    second = build_second_town(session)
    code = town.checkpoints["a"][0].code
    assert code in {cp.code for cp in second.checkpoints["a"]}
    with pytest.raises(Conflict):
        create_checkpoint(
            session,
            site=second.sites["a"],
            data=CheckpointCreate(name="重复", code=code),
            actor_id=None,
        )
    session.rollback()
    cp = Checkpoint(site_id=second.sites["a"].id, town_id=second.row.id, name="x", code=code)
    session.add(cp)
    with pytest.raises(IntegrityError):  # the database holds the rule too
        session.flush()
    session.rollback()


def test_a_town_admin_cannot_put_another_towns_people_or_sites_in_a_group(
    client, session, town, login
):
    second = build_second_town(session)
    admin = login(f"admin@{town.row.code}")
    body = {"name": "混编组", "member_ids": [second.users["member_a1"].id]}
    res = client.post("/api/groups", json=body, headers=admin)
    assert res.status_code == 422, res.text
    res = client.post(
        "/api/groups", json={"name": "混编组", "site_ids": [second.sites["a"].id]}, headers=admin
    )
    assert res.status_code == 422, res.text
    res = client.post(
        "/api/sites", json={"name": "越界学校", "town_id": second.row.id}, headers=admin
    )
    assert res.status_code == 404, res.text
    res = client.post(
        "/api/users",
        json={
            "username": "county2",
            "display_name": "自封县督查",
            "password": "long-enough-pw",
            "roles": ["supervisor"],
            "county_wide": True,
        },
        headers=admin,
    )
    assert res.status_code == 403, res.text


def test_a_town_admin_cannot_take_over_a_county_account_in_her_town(client, session, town, login):
    from tests.factories import add_county_supervisor

    county = add_county_supervisor(session, town)
    res = client.patch(
        f"/api/users/{county.id}", json={"password": "taken-over-pw"}, headers=login("admin")
    )
    assert res.status_code == 403, res.text


def test_a_county_admin_adds_a_site_to_any_town_of_her_county(client, session, town, login):
    second = build_second_town(session)
    create_user(
        session,
        username="county_admin",
        display_name="县管理员",
        password=PASSWORD,
        roles=["admin"],
        town_id=town.row.id,
        county_wide=True,
        actor_id=None,
    )
    session.commit()
    res = client.post(
        "/api/sites",
        json={"name": "西山幼儿园", "kind": "kindergarten", "town_id": second.row.id},
        headers=login("county_admin"),
    )
    assert res.status_code == 201, res.text
    assert res.json()["town_id"] == second.row.id
    names = {s["name"] for s in client.get("/api/sites", headers=login("admin@xishan")).json()}
    assert "西山幼儿园" in names


def test_the_migration_puts_existing_rows_in_a_default_town_of_a_default_county(engine):
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    before = ScriptDirectory.from_config(cfg).get_revision("0004_towns").down_revision
    command.downgrade(cfg, before)  # the schema just before towns (0003_rules or its heir)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO site (id, name, kind, address, timezone, required_patrol_staff,"
                    " required_gate_staff, active, created_at) VALUES (7, '东风小学', 'school', '',"
                    " 'Asia/Shanghai', 4, 4, true, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO checkpoint (id, site_id, name, code, active)"
                    " VALUES (3, 7, '校门', 'DF-01', true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO app_user (id, username, display_name, password_hash, roles,"
                    " active, created_at) VALUES (5, 'wangmin', '王敏', 'x', 'supervisor', true,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO patrol_group (id, name, leader_id, active, created_at)"
                    " VALUES (2, '东风组', 5, true, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, at, actor_id, action, entity, entity_id)"
                    " VALUES (9, CURRENT_TIMESTAMP, 5, 'site.create', 'site', '7')"
                )
            )
    finally:
        command.upgrade(cfg, "head")
    with Session(engine) as s:
        [town] = s.exec(select(Town)).all()
        [county] = s.exec(select(County)).all()
        assert (town.code, town.county_id) == ("town", county.id)
        for table in ("site", "checkpoint", "app_user", "patrol_group", "audit_event"):
            towns = s.execute(text(f"SELECT DISTINCT town_id FROM {table}")).scalars().all()
            assert towns == [town.id], table
        assert s.get(User, 5).county_wide is False
        # the next town gets a fresh id, and may reuse the username
        second = Town(county_id=county.id, code="xishan", name="西山镇")
        s.add(second)
        s.flush()
        assert second.id != town.id
        s.add(User(username="wangmin", display_name="王敏", password_hash="x", town_id=second.id))
        s.flush()
        s.add(User(username="wangmin", display_name="又一个", password_hash="x", town_id=town.id))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()

"""Towns in the app (issue 17): GET /api/towns lists the towns within the caller's reach (a
town's supervisor or admin: her own; a county account: the county's; anyone else 403), the
reports take ?town_id to cover one of them, and a county admin adds a town (audited)."""

from sqlmodel import select

from app.audit.models import AuditEvent
from app.towns.models import Town
from tests.factories import add_county_supervisor, add_user, build_second_town
from tests.sync_helpers import mut, push


def _codes(res) -> list[str]:
    assert res.status_code == 200, res.text
    return [t["code"] for t in res.json()]


def test_a_towns_supervisor_and_admin_see_their_own_town_and_a_county_account_the_countys(
    client, session, town, login
):
    second = build_second_town(session)
    add_county_supervisor(session, second)
    assert _codes(client.get("/api/towns", headers=login("supervisor@town"))) == ["town"]
    assert _codes(client.get("/api/towns", headers=login("admin@town"))) == ["town"]
    assert _codes(client.get("/api/towns", headers=login("admin@xishan"))) == ["xishan"]
    county = client.get("/api/towns", headers=login("county_supervisor"))
    assert _codes(county) == ["town", "xishan"]
    rows = {t["code"]: t for t in county.json()}
    assert rows["xishan"]["own"] and not rows["town"]["own"]
    assert rows["town"]["sites"] == len([s for s in town.sites.values() if s.active])
    for who in ("member_a1@town", "leader_a@town", "gate_a"):
        res = client.get("/api/towns", headers=login(who))
        assert res.status_code == 403, who
        assert res.json()["error"]["message_zh"]


def test_a_report_with_town_id_covers_that_town_only_and_another_towns_id_is_404(
    client, session, town, login
):
    second = build_second_town(session)
    add_county_supervisor(session, second)
    push(
        client,
        login("member_a1@town"),
        [
            mut(
                "hazard.report",
                {"site_id": town.sites["a"].id, "category": "fire", "description": "青山的隐患"},
            )
        ],
    )
    push(
        client,
        login("member_a1@xishan"),
        [
            mut(
                "hazard.report",
                {"site_id": second.sites["a"].id, "category": "fire", "description": "西山的隐患"},
            )
        ],
    )
    county = login("county_supervisor")

    def open_hazards(params=None):
        res = client.get("/api/reports/hazards", params=params or {}, headers=county)
        assert res.status_code == 200, res.text
        return {h["description"] for h in res.json()["hazards"]}

    assert open_hazards() == {"青山的隐患", "西山的隐患"}
    assert open_hazards({"town_id": town.row.id}) == {"青山的隐患"}
    assert open_hazards({"town_id": second.row.id}) == {"西山的隐患"}
    coverage = client.get(
        "/api/reports/coverage", params={"town_id": second.row.id}, headers=county
    )
    assert {s["site_id"] for s in coverage.json()["sites"]} == {second.sites["a"].id}
    # a town's own supervisor cannot reach the other town by naming it
    res = client.get(
        "/api/reports/hazards", params={"town_id": second.row.id}, headers=login("supervisor@town")
    )
    assert res.status_code == 404 and res.json()["error"]["message_zh"]


def test_only_a_county_admin_adds_a_town_into_her_county_and_it_is_audited(
    client, session, town, login
):
    add_user(session, town, "county_admin", "县管理员", ["admin"], county_wide=True)
    session.commit()
    body = {"code": "dongshan", "name": "东山镇"}
    for who in ("admin", "supervisor"):  # one town: a bare name
        assert client.post("/api/towns", json=body, headers=login(who)).status_code == 403
    headers = login("county_admin")
    res = client.post("/api/towns", json=body, headers=headers)
    assert res.status_code == 201, res.text
    assert res.json()["code"] == "dongshan" and res.json()["county_id"] == town.row.county_id
    assert "dongshan" in _codes(client.get("/api/towns", headers=headers))
    again = client.post("/api/towns", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["message_zh"]
    bad = client.post("/api/towns", json={"code": "东山", "name": ""}, headers=headers)
    assert bad.status_code == 422
    session.rollback()
    made = session.exec(select(Town).where(Town.code == "dongshan")).one()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "town.create")).one()
    assert event.entity_id == str(made.id) and event.after["name"] == "东山镇"
    assert event.actor_id == town.users["county_admin"].id

"""What a caller may see: the Scope that groups.membership.scope_of computes, and ScopeDep,
computed once per request however many dependencies ask for it."""

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from app.access import Scope, ScopeDep
from app.auth.models import User
from app.errors import install_error_handlers
from app.groups.membership import scope_of
from app.groups.models import GroupMember, PatrolGroup
from tests.factories import add_county_supervisor, build_second_town


def test_a_member_sees_her_groups_sites_and_leads_nothing(session, town):
    scope = scope_of(session, town.users["member_a"])
    a, a2, b = (town.sites[k].id for k in ("a", "a2", "b"))
    assert scope.site_filter() == {a, a2}
    assert scope.sees_site(a) and not scope.sees_site(b)
    assert scope.group_ids == {town.groups["a"].id}
    assert scope.sees_group(town.groups["a"].id) and not scope.sees_group(town.groups["b"].id)
    assert scope.led_group_ids == frozenset() and not scope.leads_site(a)


def test_a_leader_leads_the_sites_of_her_active_groups_only(session, town):
    leader = town.users["leader_a"]
    scope = scope_of(session, leader)
    a, a2, b = (town.sites[k].id for k in ("a", "a2", "b"))
    assert scope.leads_group(town.groups["a"].id) and scope.leads_site(a) and scope.leads_site(a2)
    assert not scope.leads_site(b)

    group = session.get(PatrolGroup, town.groups["a"].id)
    group.active = False
    session.add(group)
    session.flush()
    deactivated = scope_of(session, leader)
    assert not deactivated.leads_site(a)  # a deactivated group is led by nobody
    assert deactivated.sees_site(a)  # but she is still one of its members
    session.rollback()


def test_gate_staff_see_their_home_school_only(session, town):
    scope = scope_of(session, town.users["gate_a"])
    assert scope.site_filter() == {town.sites["a"].id}
    assert scope.group_ids == frozenset()


def test_supervisors_and_admins_see_every_site_of_their_town_and_none_of_another(session, town):
    other = build_second_town(session)
    for name in ("supervisor", "admin"):
        scope = scope_of(session, town.users[name])
        assert scope.sees_everything and scope.town_ids == {town.row.id}
        assert scope.site_filter() == {s.id for s in town.sites.values()}
        assert scope.group_filter() == {g.id for g in town.groups.values()}
        assert scope.sees_site(town.sites["b"].id) and scope.sees_group(town.groups["b"].id)
        assert not scope.leads_site(town.sites["b"].id)
        assert not scope.sees_site(other.sites["a"].id)
        assert not scope.sees_group(other.groups["a"].id)
        assert not scope.sees_town(other.row.id)


def test_a_county_supervisor_sees_every_town_but_her_phone_pulls_none_of_them(session, town):
    other = build_second_town(session)
    county = add_county_supervisor(session, other)  # her account lives in the second town
    scope = scope_of(session, county)
    assert scope.county_wide and scope.town_ids == {town.row.id, other.row.id}
    every_site = {s.id for s in [*town.sites.values(), *other.sites.values()]}
    assert scope.site_filter() == every_site
    assert scope.sees_group(town.groups["a"].id) and scope.sees_group(other.groups["a"].id)
    assert scope.feed_site_filter() == frozenset()
    assert scope.feed_group_filter() == frozenset()


def test_a_town_supervisors_phone_pulls_her_own_town(session, town):
    scope = scope_of(session, town.users["supervisor"])
    assert scope.feed_site_filter() == scope.site_filter()


def test_a_membership_in_another_towns_group_opens_nothing(session, town):
    other = build_second_town(session)
    member = town.users["member_b1"]
    session.add(GroupMember(group_id=other.groups["a"].id, user_id=member.id))
    session.commit()
    scope = scope_of(session, member)
    assert not scope.sees_site(other.sites["a"].id)
    assert other.groups["a"].id not in scope.group_ids


def test_the_scope_is_computed_once_per_request(client, town, login):
    calls: list[int] = []

    def counting(session, user: User) -> Scope:
        calls.append(user.id)
        return scope_of(session, user)

    def sites_of(scope: ScopeDep) -> frozenset[int] | None:
        return scope.site_filter()

    app = FastAPI()
    install_error_handlers(app)
    app.state.resolve_scope = counting

    @app.get("/twice")
    def twice(scope: ScopeDep, sites: Annotated[frozenset | None, Depends(sites_of)]) -> dict:
        return {"user": scope.user_id, "sites": sorted(sites)}

    headers = login("member_a1")
    with TestClient(app) as c:
        res = c.get("/twice", headers=headers)
    assert res.status_code == 200, res.text
    assert res.json() == {
        "user": town.users["member_a"].id,
        "sites": sorted([town.sites["a"].id, town.sites["a2"].id]),
    }
    assert calls == [town.users["member_a"].id]

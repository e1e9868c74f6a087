"""The demo town: realistic, idempotent, never in production."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.auth.models import User
from app.config import DEMO_PASSWORD, get_settings
from app.demo import seed_demo_town, week_start
from app.groups.models import GroupMember, PatrolGroup, Roster, RosterShift, RosterShiftMember
from app.sites.models import Checkpoint, GateWindow, Site, SiteKind
from app.towns.models import Town


def _qingshan(session) -> int:
    return session.exec(select(Town.id).where(Town.code == "qingshan")).one()


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_demo_town_has_the_sites_groups_and_logins_the_readme_promises(engine, session):
    out = seed_demo_town(history=False)
    for login in (
        "admin",
        "supervisor",
        "leader1",
        "member1",
        "member15",
        "gate1",
        "staff1",
        "safety1",
    ):
        assert login in out
    assert DEMO_PASSWORD in out
    session.rollback()
    sites = session.exec(select(Site).where(Site.town_id == _qingshan(session))).all()
    kinds = [s.kind for s in sites]
    assert sum(k in (SiteKind.school, SiteKind.kindergarten) for k in kinds) == 6
    assert kinds.count(SiteKind.key_place) == 1
    assert any("幼儿园" in s.name for s in sites)
    for site in sites:
        cps = session.exec(select(Checkpoint).where(Checkpoint.site_id == site.id)).all()
        assert 4 <= len(cps) <= 6
        lats = [c.lat for c in cps]
        assert max(lats) - min(lats) < 0.01  # checkpoints are near each other
        windows = {
            w.kind for w in session.exec(select(GateWindow).where(GateWindow.site_id == site.id))
        }
        assert windows == {"arrival", "dismissal"}
    usernames = set(session.exec(select(User.username)).all())
    expected = {"admin", "supervisor"} | {f"leader{i}" for i in range(1, 4)}
    expected |= {f"member{i}" for i in range(1, 16)}
    assert expected <= usernames
    gates = session.exec(select(User).where(User.username.startswith("gate"))).all()
    assert gates and all(g.home_site_id is not None for g in gates)


def test_each_demo_group_has_a_leader_and_five_members(engine, session):
    seed_demo_town(history=False)
    session.rollback()
    groups = session.exec(select(PatrolGroup)).all()
    assert len(groups) == 3
    for group in groups:
        leader = session.get(User, group.leader_id)
        assert leader.username.startswith("leader")
        members = session.exec(
            select(GroupMember.user_id).where(GroupMember.group_id == group.id)
        ).all()
        assert len(set(members) - {leader.id}) == 5


def test_demo_roster_covers_the_current_week_around_the_clock_with_some_understaffed_shifts(
    engine, session
):
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday in Shanghai
    seed_demo_town(now=now, history=False)
    session.rollback()
    rosters = session.exec(select(Roster)).all()
    monday = week_start(now.astimezone(ZoneInfo("Asia/Shanghai")).date())
    assert {
        (r.period_start, r.period_end.toordinal() - r.period_start.toordinal()) for r in rosters
    } == {(monday, 6)}
    shifts = session.exec(select(RosterShift)).all()
    site_ids = set(session.exec(select(Site.id).where(Site.town_id == _qingshan(session))).all())
    for site_id in site_ids:
        hours = sum(
            (s.ends_at - s.starts_at).total_seconds() / 3600 for s in shifts if s.site_id == site_id
        )
        assert hours == 7 * 24
    sizes = [
        session.exec(select(func.count()).where(RosterShiftMember.roster_shift_id == s.id)).one()
        for s in shifts
    ]
    assert 3 in sizes and 4 in sizes


def test_running_the_demo_twice_does_not_duplicate_anything(engine, session):
    seed_demo_town(history=False)
    session.rollback()
    before = (_count(session, User), _count(session, Site), _count(session, RosterShift))
    out = seed_demo_town(history=False)
    assert "admin" in out
    session.rollback()
    assert (_count(session, User), _count(session, Site), _count(session, RosterShift)) == before


def test_demo_admin_can_log_in_with_the_demo_password(engine, client):
    seed_demo_town(history=False)
    res = client.post("/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert res.status_code == 200


def test_demo_second_town_is_apart_and_the_county_supervisor_reads_both(engine, client):
    seed_demo_town()

    def sites_seen(username: str) -> set[str]:
        body = {"username": username, "password": DEMO_PASSWORD}
        token = client.post("/api/auth/login", json=body).json()["access_token"]
        res = client.get("/api/sites", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 200, res.text
        return {s["name"] for s in res.json()}

    hexi, qingshan, county = sites_seen("hexi_admin"), sites_seen("admin"), sites_seen("county")
    assert hexi == {"河西镇中心小学"}
    assert "河西镇中心小学" not in qingshan and len(qingshan) == 7
    assert county == hexi | qingshan


def test_demo_refuses_to_run_in_production(engine, session, monkeypatch):
    monkeypatch.setenv("PATROL_ENV", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="production"):
            seed_demo_town(history=False)
    finally:
        monkeypatch.setenv("PATROL_ENV", "test")
        get_settings.cache_clear()
    session.rollback()
    assert _count(session, User) == 0

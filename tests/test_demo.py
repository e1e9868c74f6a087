"""The demo town: realistic, idempotent, never in production."""

import os
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import select

from app import demo
from app.auth.models import Device, User
from app.config import DEMO_PASSWORD, get_settings
from app.demo import seed_demo_town, week_start
from app.groups.models import GroupMember, PatrolGroup, Roster, RosterShift, RosterShiftMember
from app.reports.coverage import coverage_summary
from app.reports.gate import gate as gate_report
from app.reports.hazards import hazard_board
from app.reports.rosters import rosters as roster_report
from app.shifts.models import PatrolShift
from app.sites.models import Checkpoint, GateWindow, Site, SiteKind


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_demo_town_has_the_sites_groups_and_logins_the_readme_promises(engine, session):
    out = seed_demo_town(history=False)
    for login in ("admin", "supervisor", "leader1", "member1", "member15", "gate1"):
        assert login in out
    assert DEMO_PASSWORD in out
    session.rollback()
    sites = session.exec(select(Site)).all()
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
    site_ids = set(session.exec(select(Site.id)).all())
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


# --- the history ------------------------------------------------------------------------------

PINNED_NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
HISTORY_FROM, HISTORY_TO = date(2026, 11, 9), date(2026, 12, 1)  # three weeks and two days


def test_the_demo_history_shows_the_intended_gaps_absences_late_rosters_hazards_and_clock(
    engine, session
):
    seed_demo_town(now=PINNED_NOW)
    session.rollback()
    sites = session.exec(select(Site).order_by(Site.id)).all()
    summary = coverage_summary(
        session, sites=sites, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    )
    gap_sites = {s.site_name for s in summary.sites if s.gap_h > 0}
    assert gap_sites == {demo.SITES[i].name for _, i, _ in demo.GAPS}
    for s in summary.sites:
        assert s.days_with_gap == sum(
            1 for _, i, _ in demo.GAPS if demo.SITES[i].name == s.site_name
        )
        assert 0 <= s.gap_h <= 8 * s.days_with_gap  # each gap is one missed 8-hour duty
        assert s.covered_h >= s.days * 24 - 8 * s.days_with_gap  # the rest is patrolled
    # gate: exactly the windows where three of four came
    gate = gate_report(
        session, sites=sites, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    )
    assert len(gate.shortfalls) == len(demo.GATE_SHORT)
    assert {(w.checked_in, w.required) for w in gate.shortfalls} == {(3, 4)}
    assert all(w.checked_in >= 4 for w in gate.windows if w.state == "ended" and not w.shortfall)
    # rosters: the late one, this week's two not handed in by their deadline, the absentees
    groups = session.exec(select(PatrolGroup.id)).all()
    notice = roster_report(
        session, group_ids=groups, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    ).notice
    issues = Counter(n.issue for n in notice)
    assert issues["roster_late"] == 1
    assert issues["roster_not_submitted"] == 2
    assert issues["absent"] >= len(demo.ABSENT)  # one stayed away, the gaps: all of them
    # hazards: two overdue; every state of the lifecycle is there
    board = hazard_board(session, sites=sites, all_sites=True, now=PINNED_NOW, limit=100)
    assert board.overdue == 2
    assert board.by_status == {"reported": 2, "assigned": 4, "rectified": 1, "closed": 2}
    # one phone with its clock 3 h 7 min fast, flagged on its records
    device = session.get(Device, f"demo-{demo.SKEWED_PHONE}")
    assert device.last_clock_offset_s == -demo.SKEWED_PHONE_S
    flagged = session.exec(select(PatrolShift).where(PatrolShift.clock_flag == "skew")).all()
    assert flagged and {s.device_id for s in flagged} == {device.id}
    # the latest shifts wait for the leader; the rest are confirmed; seven are on patrol now
    statuses = Counter(session.exec(select(PatrolShift.status)).all())
    assert statuses["open"] == len(sites)
    assert statuses["ended"] > 0 and statuses["confirmed"] > 10 * statuses["ended"]


def test_make_demo_prints_the_address_and_the_logins_once_the_server_listens(tmp_path):
    env = {
        **os.environ,
        "PATROL_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PATROL_ENV": "development",
        "PATROL_SECRET_KEY": "x" * 40,
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"], env=env, check=True, cwd=root
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--announce-demo"],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Ctrl+C" in line:
                break
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in out and f"http://127.0.0.1:{port}/docs" in out
        assert DEMO_PASSWORD in out and "supervisor" in out and "gate1" in out
        # it says so once the server answers
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as res:
            assert res.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)

"""The demo town's history (seeded for a pinned now: not date-sensitive) and what `make demo`
prints once it serves."""

import os
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime

from sqlmodel import select

from app import demo
from app.auth.models import Device
from app.config import DEMO_PASSWORD
from app.demo import seed_demo_town
from app.groups.models import PatrolGroup
from app.reports.boarding import boarding as boarding_report
from app.reports.coverage import coverage_summary
from app.reports.duty import duty as duty_report
from app.reports.gate import gate as gate_report
from app.reports.hazards import hazard_board
from app.reports.police import police as police_report
from app.reports.rosters import rosters as roster_report
from app.shifts.models import PatrolShift
from app.sites.models import Site
from app.towns.service import the_town

PINNED_NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
HISTORY_FROM, HISTORY_TO = date(2026, 11, 9), date(2026, 12, 1)  # three weeks and two days


def test_the_demo_history_shows_the_intended_gaps_absences_late_rosters_hazards_and_clock(
    engine, session
):
    seed_demo_town(now=PINNED_NOW)
    session.rollback()
    home = the_town(session, demo.DEMO_TOWN)  # 河西镇, the second town, only shows isolation
    sites = session.exec(select(Site).where(Site.town_id == home.id).order_by(Site.id)).all()
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
    # boarding: one dorm-night without its roll call, one pupil not back from leave
    nights_to = HISTORY_TO
    nights_from = date.fromordinal(nights_to.toordinal() - demo.BOARDING_NIGHTS + 1)
    beds = boarding_report(
        session, sites=sites, date_from=nights_from, date_to=nights_to, now=PINNED_NOW
    )
    [school] = beds.schools
    assert school.site_name == demo.SITES[demo.BOARDING_SITE].name
    assert (school.nights_due, school.nights_missed) == (2 * demo.BOARDING_NIGHTS, 1)
    assert [row.pupil_name for row in beds.overdue_leaves] == [demo.OVERDUE_LEAVE]
    assert beds.present_on_leave == []  # the dorm marked the pupils out on leave as such
    # police at the gate: exactly the windows nobody came to, one of them seen by the gate
    posts = police_report(
        session, sites=sites, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    )
    absent = [w for w in posts.windows if w.state == "absent"]
    assert sorted(
        (
            demo.SITES.index(next(x for x in demo.SITES if x.name == w.site_name)),
            w.department,
            w.window_kind,
        )
        for w in absent
    ) == sorted((i, d, k) for _, i, d, k in demo.POLICE_ABSENT)
    assert {d.department for d in posts.departments} == {"police_station", "traffic_police"}
    # leadership duty: the days nobody was planned for, the planned days not recorded
    duty = duty_report(
        session, sites=sites, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    )
    assert {(d.site_name) for d in duty.no_plan} == {
        demo.SITES[i].name for _, i in demo.DUTY_NO_PLAN
    }
    assert len(duty.no_plan) == len(demo.DUTY_NO_PLAN)
    assert {d.site_name for d in duty.not_kept} == {
        demo.SITES[i].name for _, i in demo.DUTY_NOT_KEPT
    }
    assert len(duty.not_kept) == len(demo.DUTY_NOT_KEPT)
    kept = [d for d in duty.days if d.state == "kept"]
    assert sum(d.as_substitute for d in kept) == 1


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

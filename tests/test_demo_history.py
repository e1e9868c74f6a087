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
from app.auth.models import Device, User
from app.config import DEMO_PASSWORD
from app.demo import seed_demo_town
from app.groups.membership import scope_of
from app.groups.models import PatrolGroup
from app.notices.models import Notice, NoticeLine, VetoCase
from app.reports.assessment import assessment
from app.reports.boarding import boarding as boarding_report
from app.reports.coverage import coverage_summary
from app.reports.defences import defences as defence_report
from app.reports.drills import drills as drill_report
from app.reports.duty import duty as duty_report
from app.reports.gate import gate as gate_report
from app.reports.hazards import hazard_board
from app.reports.police import police as police_report
from app.reports.rosters import rosters as roster_report
from app.reports.villages import village_report
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
    # notices: two issued of the week 14..8 days back, numbered 1 and 2; the gate one lists
    # that week's short window, the presence one the absent duty; one veto case stands
    # against the group the first names, with that notice as its evidence
    issued = session.exec(select(Notice).order_by(Notice.id)).all()
    assert [(n.area, n.status, n.number) for n in issued] == [
        ("presence", "issued", "青山镇〔2026〕1号"),
        ("gate", "issued", "青山镇〔2026〕2号"),
    ]
    week = [date(2026, 11, 18), date(2026, 11, 24)]
    refs = set(session.exec(select(NoticeLine.ref).where(NoticeLine.notice_id == issued[1].id)))
    short = gate_report(session, sites=sites, date_from=week[0], date_to=week[1], now=PINNED_NOW)
    assert refs == {f"gate:{w.window_id}:{w.date}" for w in short.shortfalls} and len(refs) == 1
    absent = session.exec(select(NoticeLine).where(NoticeLine.notice_id == issued[0].id)).all()
    assert absent and all(line.issue == "absent" for line in absent)
    [case] = session.exec(select(VetoCase)).all()
    assert (case.evidence_kind, case.evidence_ref) == ("notice", str(issued[0].id))
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    year = assessment(
        session,
        scope=scope_of(session, supervisor),
        date_from=date(2026, 1, 1),
        date_to=date(2026, 12, 31),
        now=PINNED_NOW,
    )
    vetoed = [(s.subject_kind, s.subject_id) for s in year.subjects if s.veto]
    assert (case.subject_kind, case.subject_id) in vetoed
    # villages: last month's notice (月底通报) names the late and the missing forms; one
    # corrected form counts once; the office resolved most disputes, one is being resolved
    notice = village_report(
        session,
        town_ids=frozenset({home.id}),
        month="2026-11",
        now=PINNED_NOW,
        timezone="Asia/Shanghai",
    )
    late = {demo.VILLAGE_NAMES[i] for back, i in demo.LATE_FORMS if back == 1}
    missing = {demo.VILLAGE_NAMES[i] for back, i in demo.MISSING_FORMS if back == 1}
    states = {v.village_name: v.state for v in notice.villages}
    assert len(states) == 66
    assert {n for n, s in states.items() if s == "late"} == late
    assert {n for n, s in states.items() if s == "missing"} == missing
    assert notice.totals.on_time == 66 - len(late) - len(missing)
    corrected = notice.villages[[v.village_name for v in notice.villages].index("东王庄村")]
    assert corrected.revisions == 2
    disputes = Counter(d.status for d in notice.disputes)
    assert disputes["resolving"] == 1 and disputes["open"] == demo.OPEN_DISPUTES - 1
    assert disputes["resolved"] > 0
    this_month = village_report(
        session,
        town_ids=frozenset({home.id}),
        month="2026-12",
        now=PINNED_NOW,
        timezone="Asia/Shanghai",
    )
    assert this_month.totals.pending == 66  # the 2nd: nothing due yet
    # drills and lessons: months of them, one school overdue for a drill, one for a lesson
    drills = drill_report(
        session, sites=sites, date_from=HISTORY_FROM, date_to=HISTORY_TO, now=PINNED_NOW
    )
    schools = [s for s in demo.SITES if s.kind != "key_place"]
    assert {(r.site_name, r.kind) for r in drills.overdue} == {
        (schools[demo.DRILL_OVERDUE].name, "drill"),
        (schools[demo.LESSON_OVERDUE].name, "lesson"),
    }
    days = {r.kind: r.days_overdue for r in drills.overdue}
    assert days == {"drill": demo.DRILL_LAST_DAYS - 90, "lesson": demo.LESSON_LAST_DAYS - 30}
    # technical defences: one alarm overdue for its check, one fault open, one fixed awaiting
    # 验收 (oldest first), one accepted
    defences = defence_report(session, sites=sites, now=PINNED_NOW)
    site_name, kind = schools[demo.CHECK_OVERDUE[0]].name, demo.CHECK_OVERDUE[1]
    assert [(d.site_name, d.kind) for d in defences.overdue] == [(site_name, kind)]
    assert defences.overdue[0].days_overdue == demo.CHECK_LAST_DAYS - 30
    assert [(f.description, f.status) for f in defences.faults] == [
        (text, state) for _, _, _, state, text in demo.FAULTS if state != "accepted"
    ]
    assert [f.status for f in defences.accepted] == ["accepted"]
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

"""Safety lessons (安全、法制专题教育) and emergency drills (应急预案演练): recorded by the school's
own staff on a phone, synced; the town's interval; the supervisor's overdue list; the
assessment's periods held of those due."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.drills import rules
from app.drills.models import SafetyActivity
from app.records.errors import Rejected
from app.reports.drills import assessment_lines, drills
from app.sites.models import Site
from tests.factories import add_user
from tests.hardening_world import png_bytes, sha
from tests.sync_helpers import SHANGHAI, mut, pull_all, push

DAY = date(2025, 3, 10)  # a fixed day for the pure rules

# --- the rules, over plain facts ------------------------------------------------------------


def test_a_lesson_or_drill_is_never_recorded_for_a_day_to_come_nor_over_a_year_back():
    rules.check_held_on(DAY, DAY)
    rules.check_held_on(DAY - timedelta(days=366), DAY)
    with pytest.raises(Rejected) as raised:
        rules.check_held_on(DAY + timedelta(days=1), DAY)
    assert "尚未到来" in raised.value.message_zh
    with pytest.raises(Rejected):
        rules.check_held_on(DAY - timedelta(days=367), DAY)


def test_a_school_is_overdue_the_day_after_its_interval_and_at_once_if_never_held():
    assert rules.due_state(DAY, 90, DAY + timedelta(days=90)) == (DAY + timedelta(days=90), 0)
    assert rules.due_state(DAY, 90, DAY + timedelta(days=95)) == (DAY + timedelta(days=90), 5)
    assert rules.due_state(None, 90, DAY) == (None, -1)


def test_the_assessment_periods_are_whole_intervals_ended_before_today():
    start = date(2025, 1, 1)
    got = rules.periods(start, date(2025, 12, 31), 30, today=date(2025, 3, 5))
    assert got == [(date(2025, 1, 1), date(2025, 1, 30)), (date(2025, 1, 31), date(2025, 3, 1))]
    assert rules.periods(start, date(2025, 1, 20), 30, today=date(2026, 1, 1)) == []


# --- pushed, pulled and reported -------------------------------------------------------------


@pytest.fixture
def school(client, session, town, login):
    """School a, its safety officer staff_a (school_staff), and one `now` for the test."""
    site = town.sites["a"]
    add_user(session, town, "staff_a", "安全员 周老师", ["school_staff"], home_site_id=site.id)
    session.commit()
    now = datetime.now(UTC)
    return site, login("staff_a"), now


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _activity(site_id: int, kind: str, held_on: date, photos=(), **extra) -> dict:
    payload = {
        "site_id": site_id,
        "kind": kind,
        "held_on": held_on.isoformat(),
        "topic": "消防疏散演练" if kind == "drill" else "防溺水安全教育",
        "participants": 420,
        "participants_note": "全校师生",
        "photos": list(photos),
        **extra,
    }
    return mut("drill.record", payload)


def test_a_drill_is_stored_with_its_photo_and_reaches_the_schools_phones(
    client, session, school, login
):
    site, staff, now = school
    photo = png_bytes()
    drill = _activity(site.id, "drill", _today(now) - timedelta(days=2), [sha(photo)])
    [r] = push(client, staff, [drill])
    assert r["status"] == "applied", r
    session.rollback()
    stored = session.get(SafetyActivity, drill["id"])
    assert (stored.kind, stored.participants, stored.photos) == ("drill", 420, [sha(photo)])
    changes, _ = pull_all(client, staff)
    assert any(c["entity"] == "safety_activity" and c["id"] == drill["id"] for c in changes)
    # the photo is listed as missing until it is uploaded, then served to the supervisor
    res = client.get("/api/photos/missing", headers=login("supervisor"))
    assert res.status_code == 200, res.text
    assert {"record_type": "safety_activity", "record_id": drill["id"]}.items() <= next(
        m for m in res.json() if m["sha256"] == sha(photo)
    ).items()
    res = client.put(f"/api/photos/{sha(photo)}", content=photo, headers=staff)
    assert res.status_code in (200, 201), res.text
    res = client.get("/api/photos/missing", headers=login("supervisor"))
    assert sha(photo) not in res.text


def test_a_drill_for_a_day_to_come_is_refused_alone_and_the_good_ones_stand(client, school):
    site, staff, now = school
    good = _activity(site.id, "lesson", _today(now))
    future = _activity(site.id, "drill", _today(now) + timedelta(days=3))
    empty_topic = _activity(site.id, "drill", _today(now), topic="")
    results = push(client, staff, [good, future, empty_topic])
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"], results
    assert "尚未到来" in results[1]["message_zh"]
    assert results[2]["message_zh"]


def test_only_the_schools_own_staff_and_the_admin_record_its_drills(
    client, session, town, school, login
):
    site, staff, now = school
    add_user(
        session, town, "staff_b", "安全员 吴老师", ["school_staff"], home_site_id=town.sites["b"].id
    )
    session.commit()
    held = _today(now)
    [other] = push(client, login("staff_b"), [_activity(site.id, "drill", held)])
    assert (other["status"], other["rule"]) == ("rejected", "not_school_staff")
    assert "不是本校的工作人员" in other["message_zh"]
    [member] = push(client, login("member_a1"), [_activity(site.id, "drill", held)])
    assert (member["status"], member["rule"]) == ("rejected", "role_may_not")
    [admin] = push(client, login("admin"), [_activity(site.id, "drill", held)])
    assert admin["status"] == "applied", admin


def test_the_report_lists_overdue_schools_and_a_new_drill_takes_the_school_off(
    client, session, town, school
):
    site, staff, now = school
    today = _today(now)
    # a drill 100 days back (every 90: 10 days overdue); a lesson 10 days back (every 30: fine)
    results = push(
        client,
        staff,
        [
            _activity(site.id, "drill", today - timedelta(days=100)),
            _activity(site.id, "lesson", today - timedelta(days=10)),
        ],
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    session.rollback()
    sites = [session.get(Site, town.sites["a"].id), session.get(Site, town.sites["b"].id)]
    report = drills(
        session, sites=sites, date_from=today - timedelta(days=120), date_to=today, now=now
    )
    overdue = {(r.site_name, r.kind): r.days_overdue for r in report.overdue}
    assert overdue[(site.name, "drill")] == 10
    assert (site.name, "lesson") not in overdue
    # school b never held either: overdue from the start, listed before the days overdue
    assert overdue[(sites[1].name, "drill")] is None
    assert report.overdue[0].site_name == sites[1].name
    [r] = push(client, staff, [_activity(site.id, "drill", today)])
    assert r["status"] == "applied"
    session.rollback()
    report = drills(
        session, sites=sites, date_from=today - timedelta(days=120), date_to=today, now=now
    )
    assert (site.name, "drill") not in {(r.site_name, r.kind) for r in report.overdue}


def test_the_towns_interval_is_the_admins_audited_and_changes_who_is_overdue(
    client, session, town, school, login
):
    site, staff, now = school
    today = _today(now)
    push(client, staff, [_activity(site.id, "lesson", today - timedelta(days=20))])
    admin = login("admin")
    res = client.put(
        "/api/drills/settings",
        json={"drill_every_days": 90, "lesson_every_days": 14},
        headers=admin,
    )
    assert res.status_code == 200, res.text
    assert res.json()["lesson_every_days"] == 14
    res = client.put(
        "/api/drills/settings",
        json={"drill_every_days": 90, "lesson_every_days": 14},
        headers=login("supervisor"),
    )
    assert res.status_code == 403
    res = client.put(
        "/api/drills/settings", json={"drill_every_days": 2, "lesson_every_days": 14}, headers=admin
    )
    assert res.status_code == 422 and res.json()["error"]["message_zh"]
    from app.audit.models import AuditEvent

    session.rollback()
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "drill_setting.update")
    ).first()
    report = drills(
        session, sites=[session.get(Site, site.id)], date_from=today, date_to=today, now=now
    )
    [lesson] = [r for r in report.schools if r.kind == "lesson"]
    assert (lesson.every_days, lesson.days_overdue) == (14, 6)


def test_the_assessment_counts_the_periods_with_a_drill_of_those_due(client, session, school):
    from app.auth.models import User
    from app.groups.membership import scope_of

    site, staff, now = school
    today = _today(now)
    start = today - timedelta(days=200)  # two whole 90-day periods have ended
    push(client, staff, [_activity(site.id, "drill", start + timedelta(days=5))])
    session.rollback()
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    lines = assessment_lines(session, scope_of(session, supervisor), start, today, now)
    [drill] = [x for x in lines if x.subject_id == str(site.id) and x.criterion == "drills_held"]
    assert (drill.due, drill.kept) == (2, 1)


def test_the_drills_report_route_answers_supervisors_with_the_csv_too(client, school, login):
    site, staff, now = school
    push(client, staff, [_activity(site.id, "drill", _today(now))])
    supervisor = login("supervisor")
    res = client.get("/api/reports/drills", headers=supervisor)
    assert res.status_code == 200, res.text
    assert any(a["site_id"] == site.id for a in res.json()["activities"])
    res = client.get("/api/reports/drills", params={"format": "csv"}, headers=supervisor)
    assert res.status_code == 200 and "应急预案演练" in res.text
    res = client.get("/api/reports/drills", headers=staff)
    assert res.status_code == 403

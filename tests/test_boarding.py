"""Boarding pupils (住宿生): the nightly bed-time roll call (晚间就寝点名登记) and leave
(请销假), recorded by the school's own staff, synced, and reported to the supervisor."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.boarding import rules
from app.boarding.models import AbsenceReason, PupilLeave, RollCall
from app.records.errors import Conflicted, Rejected, Rule
from app.reports.boarding import assessment_lines, boarding
from app.sites.models import Site
from tests.factories import add_user
from tests.sync_helpers import SHANGHAI, mut, pull_all, push

NIGHT = date(2024, 11, 25)  # long past, whatever day the tests run


# --- the rules, over plain facts ------------------------------------------------------------


def test_an_absent_pupil_must_sleep_in_the_dormitory_and_be_listed_once():
    dorm = {1: "王小明", 2: "李小红"}
    rows = rules.absences_of(dorm, [(2, AbsenceReason.sick, "发烧")])
    assert rows == [{"pupil_id": 2, "name": "李小红", "reason": AbsenceReason.sick, "note": "发烧"}]
    with pytest.raises(Rejected) as raised:
        rules.absences_of(dorm, [(9, AbsenceReason.missing, "")])
    assert "不住在这间宿舍" in raised.value.message_zh
    with pytest.raises(Rejected):
        rules.absences_of(dorm, [(1, AbsenceReason.home, ""), (1, AbsenceReason.sick, "")])


def test_a_night_is_judged_from_six_the_next_morning_in_the_schools_zone():
    # 05:59 and 06:00 the next morning in Shanghai (UTC+8)
    before = datetime.combine(NIGHT, datetime.min.time(), UTC) + timedelta(hours=21, minutes=59)
    at = before + timedelta(minutes=1)
    assert not rules.night_due(NIGHT, before, "Asia/Shanghai")
    assert rules.night_due(NIGHT, at, "Asia/Shanghai")
    assert rules.night_due(NIGHT - timedelta(days=3), before, "Asia/Shanghai")


def test_the_second_roll_call_of_a_night_is_a_conflict_and_the_first_stands():
    rules.check_first_roll_call(False, "男生宿舍1", NIGHT)
    with pytest.raises(Conflicted) as raised:
        rules.check_first_roll_call(True, "男生宿舍1", NIGHT)
    assert raised.value.rule == Rule.roll_call_taken


def test_a_leave_returns_after_it_went_out_within_a_month_and_closes_once():
    out = datetime(2026, 11, 30, 8, tzinfo=UTC)
    with pytest.raises(Rejected):
        rules.check_expected_back(out, out)
    with pytest.raises(Rejected):
        rules.check_expected_back(out, out + timedelta(days=32))
    rules.check_expected_back(out, out + timedelta(hours=30))
    assert rules.back_at(None, out + timedelta(hours=31), out + timedelta(hours=30)) is True
    assert rules.back_at(None, out + timedelta(hours=29), out + timedelta(hours=30)) is False
    with pytest.raises(Conflicted) as raised:
        rules.back_at(out, out, out)
    assert raised.value.rule == Rule.leave_closed


def test_a_leave_is_overdue_once_its_return_has_passed_without_a_return():
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert rules.overdue(now - timedelta(minutes=1), None, now)
    assert not rules.overdue(now + timedelta(minutes=1), None, now)
    assert not rules.overdue(now - timedelta(hours=1), now - timedelta(hours=2), now)


# --- pushed, pulled and reported -------------------------------------------------------------


@pytest.fixture
def boarding_school(client, session, town, login):
    """School a boards: two dorms of three pupils, kept by its staff member staff_a."""
    site = town.sites["a"]
    add_user(session, town, "staff_a", "宿管 周老师", ["school_staff"], home_site_id=site.id)
    session.commit()
    admin = login("admin")
    dorms, pupils = [], {}
    for dorm_name, names in (("男生宿舍1", ["王小明", "赵刚", "孙强"]), ("女生宿舍1", ["李小红"])):
        res = client.post(
            "/api/boarding/dormitories", json={"site_id": site.id, "name": dorm_name}, headers=admin
        )
        assert res.status_code == 201, res.text
        dorms.append(res.json()["id"])
        for name in names:
            res = client.post(
                "/api/boarding/pupils",
                json={"dormitory_id": dorms[-1], "name": name, "class_name": "初一(1)班"},
                headers=admin,
            )
            assert res.status_code == 201, res.text
            pupils[name] = res.json()["id"]
    return site, dorms, pupils, login("staff_a")


def _roll_call(dorm: int, night: date, absent=()) -> dict:
    return mut(
        "boarding.roll_call",
        {
            "dormitory_id": dorm,
            "night": night.isoformat(),
            "absent": [{"pupil_id": p, "reason": r, "note": n} for p, r, n in absent],
        },
    )


def test_the_phone_gets_its_schools_dormitories_and_pupils_in_the_bootstrap(
    client, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    res = client.get("/api/sync/bootstrap", headers=staff)
    assert res.status_code == 200, res.text
    [mine] = [s for s in res.json()["sites"] if s["id"] == site.id]
    boys = next(d for d in mine["dormitories"] if d["id"] == dorms[0])
    assert [p["name"] for p in boys["pupils"]] == ["孙强", "王小明", "赵刚"]
    reasons = [t["code"] for t in res.json()["vocabulary"]["absence_reason"]]
    assert "missing" in reasons


def test_a_roll_call_counts_the_dorms_pupils_and_keeps_each_absence_with_its_reason(
    client, session, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    call = _roll_call(dorms[0], NIGHT, [(pupils["赵刚"], "missing", "未回宿舍")])
    [r] = push(client, staff, [call])
    assert r["status"] == "applied", r
    session.rollback()
    stored = session.get(RollCall, call["id"])
    assert (stored.expected, stored.present, stored.missing) == (3, 2, 1)
    assert stored.absences == [
        {"pupil_id": pupils["赵刚"], "name": "赵刚", "reason": "missing", "note": "未回宿舍"}
    ]
    changes, _ = pull_all(client, staff)
    assert any(c["entity"] == "roll_call" and c["id"] == call["id"] for c in changes)


def test_a_second_roll_call_of_the_same_dorm_and_night_is_a_conflict_shown_the_first(
    client, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    first = _roll_call(dorms[0], NIGHT)
    second = _roll_call(dorms[0], NIGHT, [(pupils["孙强"], "sick", "")])
    other_night = _roll_call(dorms[0], NIGHT + timedelta(days=1))
    results = push(client, staff, [first, second, other_night])
    assert [r["status"] for r in results] == ["applied", "conflict", "applied"], results
    assert results[1]["rule"] == "roll_call_taken"
    assert results[1]["current"]["data"]["id"] == first["id"]
    # and from another phone, in another push
    [again] = push(client, staff, [_roll_call(dorms[0], NIGHT)])
    assert (again["status"], again["rule"]) == ("conflict", "roll_call_taken")


def test_a_bad_absence_is_refused_alone_and_the_good_roll_calls_of_the_batch_stand(
    client, session, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    good = _roll_call(dorms[1], NIGHT)
    wrong_dorm = _roll_call(dorms[0], NIGHT, [(pupils["李小红"], "sick", "")])
    results = push(client, staff, [good, wrong_dorm])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert "不住在这间宿舍" in results[1]["message_zh"]


def test_only_the_schools_own_staff_and_the_admin_keep_its_boarding_records(
    client, session, town, boarding_school, login
):
    site, dorms, pupils, staff = boarding_school
    add_user(
        session, town, "staff_b", "宿管 吴老师", ["school_staff"], home_site_id=town.sites["b"].id
    )
    session.commit()
    [other] = push(client, login("staff_b"), [_roll_call(dorms[0], NIGHT)])
    assert (other["status"], other["rule"]) == ("rejected", "not_school_staff")
    assert "不是本校的工作人员" in other["message_zh"]
    [member] = push(client, login("member_a1"), [_roll_call(dorms[0], NIGHT)])
    assert (member["status"], member["rule"]) == ("rejected", "role_may_not")
    [admin] = push(client, login("admin"), [_roll_call(dorms[0], NIGHT)])
    assert admin["status"] == "applied", admin


def test_a_leave_goes_out_once_comes_back_once_and_a_late_return_is_marked(
    client, session, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    now = datetime.now(SHANGHAI)
    leave = {
        "pupil_id": pupils["王小明"],
        "reason": "周末回家",
        "approved_by_name": "班主任 王老师",
        "expected_back_at": (now - timedelta(minutes=30)).isoformat(),
    }
    out = mut("boarding.leave_out", leave, at=now - timedelta(hours=5))
    again = mut("boarding.leave_out", leave, at=now - timedelta(hours=4))
    results = push(client, staff, [out, again])
    assert [r["status"] for r in results] == ["applied", "conflict"], results
    assert results[1]["rule"] == "leave_open"
    back = mut("boarding.leave_back", {"leave_id": out["id"]}, at=now)
    twice = mut("boarding.leave_back", {"leave_id": out["id"]}, at=now)
    results = push(client, staff, [back, twice])
    assert [r["status"] for r in results] == ["applied", "conflict"], results
    assert results[1]["rule"] == "leave_closed"
    session.rollback()
    stored = session.get(PupilLeave, out["id"])
    assert stored.late is True and stored.back_at is not None
    # back from leave, she may go out again
    [r] = push(
        client,
        staff,
        [
            mut(
                "boarding.leave_out",
                {**leave, "expected_back_at": (now + timedelta(hours=6)).isoformat()},
            )
        ],
    )
    assert r["status"] == "applied", r


def test_a_pupil_ticked_present_while_on_leave_is_kept_and_listed(client, session, boarding_school):
    site, dorms, pupils, staff = boarding_school
    now = datetime.now(SHANGHAI)
    out = mut(
        "boarding.leave_out",
        {
            "pupil_id": pupils["孙强"],
            "approved_by_name": "班主任 王老师",
            "expected_back_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    call = _roll_call(dorms[0], NIGHT)
    results = push(client, staff, [out, call])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    session.rollback()
    assert session.get(RollCall, call["id"]).present_on_leave == [pupils["孙强"]]


def test_the_report_shows_missed_nights_absences_and_overdue_leaves(
    client, session, boarding_school
):
    site, dorms, pupils, staff = boarding_school
    now = datetime.now(UTC)
    nights = [NIGHT, NIGHT + timedelta(days=1)]
    calls = [_roll_call(dorms[0], n) for n in nights]  # the girls' dorm: only the first night
    calls.append(_roll_call(dorms[1], NIGHT, [(pupils["李小红"], "missing", "")]))
    overdue_leave = mut(
        "boarding.leave_out",
        {
            "pupil_id": pupils["赵刚"],
            "approved_by_name": "班主任 王老师",
            "expected_back_at": (now - timedelta(hours=1)).isoformat(),
        },
        at=now - timedelta(hours=8),
    )
    results = push(client, staff, [*calls, overdue_leave])
    assert [r["status"] for r in results] == ["applied"] * 4, results
    session.rollback()
    school = session.get(Site, site.id)
    # judged the morning after the second night: both nights are due
    judged_at = datetime.combine(nights[1] + timedelta(days=1), datetime.min.time(), UTC)
    judged_at += timedelta(hours=1)  # 09:00 in Shanghai
    report = boarding(
        session, sites=[school], date_from=nights[0], date_to=nights[1], now=judged_at
    )
    [summary] = report.schools
    assert (summary.nights_due, summary.nights_held, summary.nights_missed) == (4, 3, 1)
    [missed] = report.missed
    assert (missed.dormitory_name, missed.night) == ("女生宿舍1", nights[1])
    assert [(a.name, a.reason) for a in report.absent] == [("李小红", "missing")]
    # the leave: overdue at `now`, not before its expected return
    late = boarding(session, sites=[school], date_from=nights[0], date_to=nights[1], now=now)
    assert [row.pupil_name for row in late.overdue_leaves] == ["赵刚"]
    early = boarding(
        session,
        sites=[school],
        date_from=nights[0],
        date_to=nights[1],
        now=now - timedelta(hours=2),
    )
    assert early.overdue_leaves == []


def test_the_assessment_counts_the_roll_calls_held_of_those_due(client, session, boarding_school):
    from app.auth.models import User
    from app.groups.membership import scope_of

    site, dorms, pupils, staff = boarding_school
    push(client, staff, [_roll_call(dorms[0], NIGHT), _roll_call(dorms[1], NIGHT)])
    session.rollback()
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    later = datetime.combine(NIGHT + timedelta(days=3), datetime.min.time(), UTC)
    lines = assessment_lines(
        session, scope_of(session, supervisor), NIGHT, NIGHT + timedelta(days=1), later
    )
    [line] = [x for x in lines if x.subject_id == str(site.id)]
    assert (line.criterion, line.due, line.kept) == ("roll_calls_held", 4, 2)


def test_the_boarding_report_route_answers_supervisors_with_the_csv_too(
    client, boarding_school, login
):
    site, dorms, pupils, staff = boarding_school
    push(client, staff, [_roll_call(dorms[0], NIGHT)])
    supervisor = login("supervisor")
    params = {"from": NIGHT.isoformat(), "to": NIGHT.isoformat()}
    res = client.get("/api/reports/boarding", params=params, headers=supervisor)
    assert res.status_code == 200, res.text
    assert {n["state"] for n in res.json()["nights"]} == {"held", "missed"}
    res = client.get(
        "/api/reports/boarding", params={**params, "format": "csv"}, headers=supervisor
    )
    assert res.status_code == 200
    assert "已点名" in res.text and "未点名" in res.text
    res = client.get("/api/reports/boarding", params=params, headers=staff)
    assert res.status_code == 403


def test_a_pupil_moves_dorm_only_within_the_school_and_null_is_refused(
    client, town, boarding_school, login
):
    site, dorms, pupils, staff = boarding_school
    url = f"/api/boarding/pupils/{pupils['王小明']}"
    res = client.patch(url, json={"dormitory_id": dorms[1]}, headers=staff)
    assert res.status_code == 200, res.text
    res = client.patch(url, json={"class_name": None}, headers=staff)
    assert res.status_code == 422 and "不能为空" in res.json()["error"]["message_zh"]
    res = client.patch(url, json={"active": False}, headers=login("member_a1"))
    assert res.status_code == 403

"""The town's rules kept where the record is made and shown in the reports (issue 14), with
hand-worked fixtures pushed as the phone pushes them: gate windows, checkpoint proof, presence
by share of the duty, coverage's future, the 300 m rule, the phone's clock at every contact.
Times are built from now (last week, yesterday), or the report is asked at a chosen instant."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.auth.models import Device
from app.gate.models import GateCheck
from app.groups.models import Roster, RosterShift, RosterShiftMember
from app.hazards.models import Hazard
from app.reports.coverage import coverage
from app.reports.gate import gate
from app.shifts.models import CheckpointScan
from app.sites.models import GateWindow, Site, SiteKind, WindowKind
from tests.report_fixtures import SHANGHAI, add_shift, local
from tests.sync_helpers import mut, new_id, push

TODAY = datetime.now(SHANGHAI).date()
LAST_MONDAY = TODAY - timedelta(days=TODAY.weekday() + 7)  # every window of it has ended
YESTERDAY = TODAY - timedelta(days=1)


def _results_ok(results):
    assert [r["status"] for r in results] == ["applied"] * len(results), results


# --- 1. gate duty within its window --------------------------------------------------------


def test_a_check_in_at_0427_for_the_0730_window_is_kept_flagged_and_not_counted(
    client, town, session, login
):
    site, (arrival, _) = town.sites["a"], town.windows["a"]  # 上学 07:30-08:30
    early = mut(
        "gate.check",
        {
            "site_id": site.id,
            "window_id": arrival.id,
            "local_date": str(LAST_MONDAY),
            "direction": "in",
        },
        at=local(LAST_MONDAY, 4, 27),
    )
    on_time = mut(
        "gate.check",
        {
            "site_id": site.id,
            "window_id": arrival.id,
            "local_date": str(LAST_MONDAY),
            "direction": "in",
        },
        at=local(LAST_MONDAY, 7, 15),  # 15 min before the start: the grace
    )
    _results_ok(push(client, login("gate_a"), [early]))
    _results_ok(push(client, login("leader_a"), [on_time]))
    session.rollback()
    assert session.get(GateCheck, early["id"]).window_flag == "outside_window"
    assert session.get(GateCheck, on_time["id"]).window_flag is None
    res = client.get(
        "/api/reports/gate",
        params={"site_id": site.id, "from": str(LAST_MONDAY), "to": str(LAST_MONDAY)},
        headers=login("supervisor"),
    )
    window = next(w for w in res.json()["windows"] if w["window_id"] == arrival.id)
    assert (window["checked_in"], window["outside_window"]) == (1, 1)
    assert window["staff_ids"] == [town.users["leader_a"].id]
    assert (window["state"], window["shortfall"]) == ("ended", True)


def test_windows_that_have_not_ended_are_not_shortfalls(session, town):
    site = town.sites["a"]
    monday = LAST_MONDAY
    at_0429 = local(monday, 4, 29).astimezone(UTC)
    report = gate(session, sites=[site], date_from=monday, date_to=monday, now=at_0429)
    assert [w.state for w in report.windows] == ["not_started", "not_started"]
    assert report.shortfalls == []
    at_0800 = local(monday, 8, 0).astimezone(UTC)
    report = gate(session, sites=[site], date_from=monday, date_to=monday, now=at_0800)
    assert [w.state for w in report.windows] == ["in_progress", "not_started"]
    assert report.shortfalls == []
    at_1800 = local(monday, 18, 0).astimezone(UTC)
    report = gate(session, sites=[site], date_from=monday, date_to=monday, now=at_1800)
    assert [w.state for w in report.shortfalls] == ["ended", "ended"]


def test_a_key_place_has_no_gate_windows_expected(session, town):
    place = Site(name="汽车站", kind=SiteKind.key_place, town_id=town.row.id)
    session.add(place)
    session.flush()
    session.add(
        GateWindow(
            site_id=place.id,
            name="上学",
            kind=WindowKind.arrival,
            starts=datetime(2000, 1, 1, 7).time(),
            ends=datetime(2000, 1, 1, 8).time(),
        )
    )
    session.commit()
    now = datetime.now(UTC)
    report = gate(session, sites=[place], date_from=LAST_MONDAY, date_to=LAST_MONDAY, now=now)
    assert (report.windows, report.shortfalls) == ([], [])


# --- 2. checkpoint proof -------------------------------------------------------------------


def _place_checkpoints(session, town):
    """The first two checkpoints of school A get positions; 0.001° of latitude = 111.19 m."""
    cps = town.checkpoints["a"]
    for i, cp in enumerate(cps[:2]):
        cp.lat, cp.lon = 30.5 + i * 0.01, 114.3
        session.add(cp)
    session.commit()
    return cps


def test_scans_are_kept_and_flagged_by_how_they_prove_the_visit(client, town, session, login):
    cps = _place_checkpoints(session, town)
    site = town.sites["a"]
    start = mut("shift.start", {"site_id": site.id}, at=datetime.now(SHANGHAI) - timedelta(hours=1))
    sid = start["id"]

    def scan(cp, **extra):
        return mut("shift.scan", {"shift_id": sid, "checkpoint_code": cp.code, **extra})

    scans = [
        scan(cps[0], method="qr", lat=30.5005, lon=114.3, accuracy_m=10),  # 55.6 m: proven
        scan(cps[1], method="typed", lat=30.51, lon=114.3, accuracy_m=5),  # on the spot, typed
        scan(cps[0], method="qr", lat=36.8, lon=114.3, accuracy_m=10),  # 700 km away
        scan(cps[1], method="qr"),  # no fix
        scan(cps[2], lat=30.52, lon=114.3),  # an old app: no method; the checkpoint unplaced
    ]
    end = mut("shift.end", {"shift_id": sid})
    _results_ok(push(client, login("member_a1"), [start, *scans, end]))
    session.rollback()
    stored = {s.id: s for s in session.exec(select(CheckpointScan)).all()}
    assert [stored[m["id"]].proof_flag for m in scans] == [
        None,
        "typed",
        "far",
        "no_gps",
        "no_position,unknown_method",
    ]
    assert [stored[m["id"]].method for m in scans] == ["qr", "typed", "qr", "qr", None]

    res = client.get(
        "/api/reports/checkpoints",
        params={"site_id": site.id, "from": str(TODAY - timedelta(days=1)), "to": str(TODAY)},
        headers=login("supervisor"),
    )
    assert res.status_code == 200, res.text
    body = res.json()
    [shift] = body["shifts"]
    counts = {k: shift[k] for k in ("scans", "proven", "typed", "far", "no_gps", "unknown_method")}
    assert counts == {
        "scans": 5,
        "proven": 1,
        "typed": 1,
        "far": 1,
        "no_gps": 1,
        "unknown_method": 1,
    }
    assert shift["missed"] == [cps[3].name]  # 4 checkpoints, the 4th never scanned
    [site_row] = [s for s in body["sites"] if s["site_id"] == site.id]
    assert (site_row["shifts"], site_row["proven"]) == (1, 1)
    assert [m["code"] for m in site_row["missed"]] == [cps[3].code]

    leader_a = client.get("/api/reports/checkpoints", headers=login("leader_a")).json()
    assert [s["shift_id"] for s in leader_a["shifts"]] == [sid]
    leader_b = login("leader_b")
    assert client.get("/api/reports/checkpoints", headers=leader_b).json()["shifts"] == []
    forbidden = client.get(f"/api/reports/checkpoints?site_id={site.id}", headers=leader_b)
    assert forbidden.status_code == 403
    assert client.get("/api/reports/checkpoints", headers=login("member_a2")).status_code == 403


def test_an_unknown_scan_method_is_refused_clearly(client, town, login):
    start = mut("shift.start", {"site_id": town.sites["a"].id})
    bad = mut(
        "shift.scan",
        {
            "shift_id": start["id"],
            "checkpoint_code": town.checkpoints["a"][0].code,
            "method": "nfc",
        },
    )
    first, second = push(client, login("member_a1"), [start, bad])
    assert (first["status"], second["status"]) == ("applied", "rejected")
    assert "method" in second["message"]


# --- 3. presence by share of the planned duty ------------------------------------------------


def _duty(session, town, start, end, people):
    roster = Roster(
        group_id=town.groups["a"].id,
        period_start=start.date() - timedelta(days=1),
        period_end=end.date(),
        due_at=start - timedelta(days=3),
        submitted_at=start - timedelta(days=4),
    )
    session.add(roster)
    session.flush()
    duty = RosterShift(
        roster_id=roster.id, site_id=town.sites["a"].id, starts_at=start, ends_at=end
    )
    session.add(duty)
    session.flush()
    for user in people:
        session.add(RosterShiftMember(roster_shift_id=duty.id, user_id=user.id))
    session.commit()


def test_a_one_minute_shift_listing_four_people_does_not_make_them_present(
    client, town, session, login
):
    a = town.sites["a"]
    m = [town.users[f"member_a{i}"] for i in range(1, 5)]
    _duty(session, town, local(YESTERDAY, 8), local(YESTERDAY, 16), m)  # 8 hours planned
    add_shift(session, a, local(YESTERDAY, 9), local(YESTERDAY, 9, 1), m)  # 1 minute, 4 listed
    add_shift(session, a, local(YESTERDAY, 10), local(YESTERDAY, 14), m[:2])  # 4 h = 50 %
    # 238 min + the 1-minute shift = 239 of 480 min: 49.8 %, short of half.
    add_shift(session, a, local(YESTERDAY, 12), local(YESTERDAY, 15, 58), [m[2]])
    session.commit()
    res = client.get(
        "/api/reports/rosters",
        params={"from": str(YESTERDAY), "to": str(YESTERDAY)},
        headers=login("supervisor"),
    )
    group = next(g for g in res.json()["groups"] if g["group_id"] == town.groups["a"].id)
    assert (group["planned_person_shifts"], group["present_person_shifts"]) == (4, 2)
    [absence] = group["absences"]
    assert absence["present_ids"] == sorted(u.id for u in m[:2])
    assert absence["absent_ids"] == sorted(u.id for u in m[2:])


# --- 4. coverage: the future is not a gap ----------------------------------------------------


def test_hours_that_have_not_happened_are_future_not_gaps(session, town):
    site = town.sites["a"]
    day = date(2026, 3, 2)  # a fixed past day, asked at a chosen instant of it
    add_shift(session, site, local(day, 8), local(day, 10), [town.users["member_a1"]] * 1)
    session.commit()
    noon = local(day, 12).astimezone(UTC)
    [row] = coverage(
        session, sites=[site], date_from=day, date_to=day, with_segments=True, now=noon
    ).sites
    [d] = row.days
    assert (d.covered_h, d.gap_h, d.future_h) == (2, 10, 12)  # gaps 00-08 and 10-12
    states = [(s.start.hour, s.end.hour, s.state) for s in d.segments]
    assert states == [(0, 8, "gap"), (8, 10, "under"), (10, 12, "gap"), (12, 0, "future")]
    later = local(day + timedelta(days=1), 1).astimezone(UTC)
    [row] = coverage(
        session, sites=[site], date_from=day, date_to=day, with_segments=False, now=later
    ).sites
    assert (row.days[0].gap_h, row.days[0].future_h) == (22, 0)


# --- 5. the 300 m rule ---------------------------------------------------------------------


def test_within_300m_is_decided_by_place_type_and_distance(client, town, session, login):
    site = town.sites["a"]

    def report(place, distance, marked):
        return mut(
            "hazard.report",
            {
                "site_id": site.id,
                "category": "surroundings",
                "description": "周边",
                "place_type": place,
                "distance_m": distance,
                "within_300m": marked,
            },
        )

    canteen = report("canteen", 15, True)  # on campus, 15 m from the school
    cafe = report("internet_cafe", 120, False)
    hotel = report("hotel", 450, True)
    _results_ok(push(client, login("member_a1"), [canteen, cafe, hotel]))
    session.rollback()
    assert [session.get(Hazard, m["id"]).within_300m for m in (canteen, cafe, hotel)] == [
        False,
        True,
        False,
    ]
    board = client.get("/api/reports/hazards", headers=login("supervisor")).json()
    assert board["within_300m"] == [
        {"place_type": "internet_cafe", "count": 1, "hazard_ids": [cafe["id"]]}
    ]


# --- 6. the phone's clock at every contact ---------------------------------------------------


def _login_at(client, username, device_time, device_id):
    res = client.post(
        "/api/auth/login",
        json={"username": username, "password": "patrol-test-pw", "device_id": device_id},
        headers={"X-Device-Time": device_time.isoformat()},
    )
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def _hazard(town, at):
    return mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "traffic", "description": "接送车辆占道"},
        at=at,
    )


@pytest.mark.parametrize("pull_in_between", [False, True])
def test_a_clock_set_back_after_login_is_flagged_at_the_first_push(
    client, town, session, pull_in_between
):
    device_id = f"phone-{new_id()}"
    headers = _login_at(client, "member_a1", datetime.now(SHANGHAI), device_id)
    session.rollback()
    assert abs(session.get(Device, device_id).last_clock_offset_s) < 5
    back = timedelta(hours=2)  # offline, the clock is set back two hours
    if pull_in_between:  # a pull with the changed clock must not hide the change
        res = client.get(
            "/api/sync/pull",
            headers={**headers, "X-Device-Time": (datetime.now(SHANGHAI) - back).isoformat()},
        )
        assert res.status_code == 200
        session.rollback()
        assert abs(session.get(Device, device_id).last_clock_offset_s) < 5
    m = _hazard(town, datetime.now(SHANGHAI) - back - timedelta(minutes=10))
    push(client, headers, [m], sent_at=datetime.now(SHANGHAI) - back)
    session.rollback()
    assert set(session.get(Hazard, m["id"]).clock_flag.split(",")) == {"clock_changed", "skew"}


def test_without_a_clock_at_login_the_first_push_only_sees_the_skew(client, town, session):
    device_id = f"phone-{new_id()}"
    res = client.post(
        "/api/auth/login",
        json={"username": "member_a1", "password": "patrol-test-pw", "device_id": device_id},
    )
    headers = {"Authorization": f"Bearer {res.json()['access_token']}"}
    back = timedelta(hours=2)
    m = _hazard(town, datetime.now(SHANGHAI) - back - timedelta(minutes=10))
    push(client, headers, [m], sent_at=datetime.now(SHANGHAI) - back)
    session.rollback()
    assert session.get(Hazard, m["id"]).clock_flag == "skew"


def test_any_contact_records_the_offset_and_a_bad_header_is_ignored(client, town, session):
    device_id = f"phone-{new_id()}"
    headers = _login_at(client, "member_a1", datetime.now(SHANGHAI), device_id)
    for bad in ("yesterday", "2026-03-02T08:00:00", "x" * 100):
        res = client.get("/api/sync/bootstrap", headers={**headers, "X-Device-Time": bad})
        assert res.status_code == 200
    session.rollback()
    assert abs(session.get(Device, device_id).last_clock_offset_s) < 5
    # A phone 30 s slow (not a jump): the bootstrap records it.
    slow = datetime.now(SHANGHAI) - timedelta(seconds=30)
    res = client.get("/api/sync/bootstrap", headers={**headers, "X-Device-Time": slow.isoformat()})
    assert res.status_code == 200
    session.rollback()
    assert 25 < session.get(Device, device_id).last_clock_offset_s < 40


def test_the_shift_detail_shows_its_length_proof_and_warns_when_very_short(
    client, town, session, login
):
    cps = _place_checkpoints(session, town)
    started = datetime.now(SHANGHAI) - timedelta(minutes=10)
    start = mut("shift.start", {"site_id": town.sites["a"].id}, at=started)
    scans = [
        mut(
            "shift.scan",
            {
                "shift_id": start["id"],
                "checkpoint_code": cps[0].code,
                "method": "qr",
                "lat": 30.5,
                "lon": 114.3,
                "accuracy_m": 8,
            },
            at=started + timedelta(minutes=1),
        ),
        mut(
            "shift.scan",
            {"shift_id": start["id"], "checkpoint_code": cps[1].code, "method": "typed"},
            at=started + timedelta(minutes=2),
        ),
    ]
    end = mut("shift.end", {"shift_id": start["id"]}, at=started + timedelta(minutes=3))
    headers = login("member_a1")
    _results_ok(push(client, headers, [start, *scans, end]))
    detail = client.get(f"/api/shifts/{start['id']}", headers=login("leader_a")).json()
    assert abs(detail["length_s"] - 180) <= 1
    assert detail["short_shift"] is True  # 3 minutes, under the 30-minute mark
    assert detail["proof"] == {"proven": 1, "no_gps": 1, "typed": 1}
    assert detail["shift"]["recorded_by"] == town.users["member_a1"].id

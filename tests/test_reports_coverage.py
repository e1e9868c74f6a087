"""24-hour patrol coverage: local days, gaps, understaffed hours and what counts as coverage."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.reports import routes
from app.reports.coverage import coverage
from app.reports.models import ReportCoverageDay
from app.reports.periods import local_date
from app.shifts.models import PatrolShift
from tests.report_fixtures import add_shift, local, utc

DAY = date(2026, 11, 30)


def _members(town, n=4, group="a"):
    return [town.users[f"member_{group}{i}"] for i in range(1, n + 1)]


def _day(client, headers, site, d=DAY, **params):
    res = client.get(
        "/api/reports/coverage",
        params={"site_id": site.id, "from": d.isoformat(), "to": d.isoformat(), **params},
        headers=headers,
    )
    assert res.status_code == 200, res.text
    return res.json()["sites"][0]["days"][0]


def test_shifts_0_to_8_and_9_to_24_leave_exactly_one_one_hour_gap(client, town, session, login):
    site = town.sites["a"]
    add_shift(session, site, local(DAY, 0), local(DAY, 8), _members(town))
    add_shift(session, site, local(DAY, 9), local(DAY, 24), _members(town))
    session.commit()
    day = _day(client, login("supervisor"), site)
    assert day["covered_h"] == 23
    assert day["gap_h"] == 1
    assert day["under_h"] == 0
    gaps = [s for s in day["segments"] if s["state"] == "gap"]
    assert len(gaps) == 1
    assert gaps[0]["start"].startswith("2026-11-30T08:00:00+08:00")
    assert gaps[0]["end"].startswith("2026-11-30T09:00:00+08:00")
    assert [s["staff"] for s in day["segments"]] == [4, 0, 4]


def test_a_shift_with_fewer_than_4_people_is_understaffed(client, town, session, login):
    site = town.sites["a"]
    add_shift(session, site, local(DAY, 0), local(DAY, 12), _members(town, 3))
    add_shift(session, site, local(DAY, 12), local(DAY, 24), _members(town, 4))
    session.commit()
    day = _day(client, login("supervisor"), site)
    assert (day["covered_h"], day["under_h"], day["gap_h"]) == (24, 12, 0)
    assert [(s["staff"], s["state"]) for s in day["segments"]] == [(3, "under"), (4, "ok")]


def test_overlapping_shifts_at_one_site_add_their_people(client, town, session, login):
    site = town.sites["a"]
    add_shift(session, site, local(DAY, 6), local(DAY, 10), _members(town, 2))
    add_shift(session, site, local(DAY, 8), local(DAY, 12), _members(town, 2)[::-1][:2])
    session.commit()
    day = _day(client, login("supervisor"), site)
    staff = [(s["start"][11:16], s["end"][11:16], s["staff"]) for s in day["segments"]]
    assert staff == [
        ("00:00", "06:00", 0),
        ("06:00", "08:00", 2),
        ("08:00", "10:00", 4),
        ("10:00", "12:00", 2),
        ("12:00", "00:00", 0),
    ]
    assert (day["covered_h"], day["under_h"], day["gap_h"]) == (6, 4, 18)


def test_a_shift_across_midnight_counts_on_both_local_days(client, town, session, login):
    site = town.sites["a"]
    add_shift(session, site, local(DAY, 22), local(DAY + timedelta(days=1), 2), _members(town))
    session.commit()
    res = client.get(
        "/api/reports/coverage",
        params={"site_id": site.id, "from": "2026-11-30", "to": "2026-12-01"},
        headers=login("supervisor"),
    )
    first, second = res.json()["sites"][0]["days"]
    assert (first["date"], first["covered_h"], first["gap_h"]) == ("2026-11-30", 2, 22)
    assert (second["date"], second["covered_h"], second["gap_h"]) == ("2026-12-01", 2, 22)


def test_days_are_local_shanghai_days_while_storage_is_utc(client, town, session, login):
    site = town.sites["a"]
    shift = add_shift(session, site, local(DAY, 23), local(DAY, 24), _members(town))
    session.commit()
    session.expire_all()
    stored = session.get(PatrolShift, shift.id)
    assert stored.event_time == utc(2026, 11, 30, 15)
    assert stored.ended_at == utc(2026, 11, 30, 16)
    session.rollback()
    headers = login("supervisor")
    assert _day(client, headers, site, DAY)["covered_h"] == 1
    assert _day(client, headers, site, DAY + timedelta(days=1))["covered_h"] == 0
    # in UTC the hour would belong to the 30th as well, but 16:00 UTC is already the 1st locally
    segments = _day(client, headers, site, DAY)["segments"]
    assert segments[-1]["start"] == "2026-11-30T23:00:00+08:00"


def test_a_returned_shift_does_not_count_until_it_is_ended_again(client, town, session, login):
    site = town.sites["a"]
    shift = add_shift(
        session, site, local(DAY, 0), local(DAY, 24), _members(town), status="returned"
    )
    session.commit()
    headers = login("supervisor")
    assert _day(client, headers, site)["gap_h"] == 24
    shift.status = "ended"
    session.add(shift)
    session.commit()
    assert _day(client, headers, site)["covered_h"] == 24
    shift.status = "confirmed"
    session.add(shift)
    session.commit()
    assert _day(client, headers, site)["covered_h"] == 24


def test_an_open_shift_counts_up_to_now_and_at_most_24_hours(town, session):
    site = town.sites["a"]
    add_shift(session, site, local(DAY, 6), None, _members(town), status="open")
    session.commit()
    now = local(DAY, 9).astimezone(ZoneInfo("UTC"))
    report = coverage(
        session, sites=[site], date_from=DAY, date_to=DAY, with_segments=False, now=now
    )
    assert report.sites[0].days[0].covered_h == 3
    three_days_later = now + timedelta(days=3)
    report = coverage(
        session,
        sites=[site],
        date_from=DAY,
        date_to=DAY + timedelta(days=1),
        with_segments=False,
        now=three_days_later,
    )
    assert [d.covered_h for d in report.sites[0].days] == [18, 6]


def test_a_record_arriving_days_late_changes_that_past_days_report(client, town, session, login):
    site = town.sites["a"]
    headers = login("supervisor")
    assert _day(client, headers, site)["gap_h"] == 24
    add_shift(
        session,
        site,
        local(DAY, 8),
        local(DAY, 20),
        _members(town),
        received_at=local(DAY + timedelta(days=4), 10),
    )
    session.commit()
    day = _day(client, headers, site)
    assert (day["covered_h"], day["gap_h"]) == (12, 12)


def test_heat_map_gives_one_cell_per_site_per_day(client, town, session, login):
    a, a2 = town.sites["a"], town.sites["a2"]
    add_shift(session, a, local(DAY, 0), local(DAY, 24), _members(town))
    add_shift(session, a2, local(DAY, 0), local(DAY, 6), _members(town, 2))
    session.commit()
    res = client.get(
        "/api/reports/coverage",
        params={
            "group_id": town.groups["a"].id,
            "from": "2026-11-24",
            "to": "2026-11-30",
            "timeline": "false",
        },
        headers=login("leader_a"),
    )
    assert res.status_code == 200
    sites = {s["site_id"]: s for s in res.json()["sites"]}
    assert set(sites) == {a.id, a2.id}
    assert all(len(s["days"]) == 7 for s in sites.values())
    assert sites[a.id]["days"][-1] == {
        "date": "2026-11-30",
        "covered_h": 24,
        "under_h": 0,
        "gap_h": 0,
        "future_h": 0,
        "segments": None,
    }
    assert sites[a2.id]["days"][-1]["under_h"] == 6
    assert sites[a.id]["days"][0]["gap_h"] == 24


def test_summary_totals_a_period_per_site(client, town, session, login):
    a = town.sites["a"]
    add_shift(session, a, local(DAY, 0), local(DAY, 24), _members(town))
    add_shift(
        session,
        a,
        local(DAY - timedelta(days=1), 0),
        local(DAY - timedelta(days=1), 20),
        _members(town, 3),
    )
    session.commit()
    res = client.get(
        "/api/reports/coverage/summary",
        params={"from": "2026-11-29", "to": "2026-11-30"},
        headers=login("supervisor"),
    )
    rows = {r["site_id"]: r for r in res.json()["sites"]}
    assert set(rows) == {s.id for s in town.sites.values()}
    assert rows[a.id] == {
        "site_id": a.id,
        "site_name": a.name,
        "days": 2,
        "covered_h": 44,
        "under_h": 20,
        "gap_h": 4,
        "days_with_gap": 1,
        "days_understaffed": 1,
    }
    assert rows[town.sites["b"].id]["gap_h"] == 48


def test_a_day_in_a_zone_with_daylight_saving_has_its_real_length(town, session):
    site = town.sites["b"]
    site.timezone = "Europe/Berlin"
    session.add(site)
    session.commit()
    report = coverage(
        session,
        sites=[site],
        date_from=date(2026, 3, 29),
        date_to=date(2026, 3, 30),
        with_segments=False,
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )
    assert [d.gap_h for d in report.sites[0].days] == [23, 24]


def test_today_in_a_daylight_saving_zone_counts_the_real_hours_since_its_midnight(
    client, town, session, login
):
    """Reads the real clock on purpose: make test-clock runs it an hour after New York's clocks
    jump ahead, when a shift open since local midnight has patrolled 2.5 real hours although
    the wall clock says 03:30."""
    site = town.sites["b"]
    site.timezone = "America/New_York"
    session.add(site)
    session.commit()
    zone = ZoneInfo("America/New_York")
    before = datetime.now(UTC)
    today = before.astimezone(zone).date()
    midnight = datetime.combine(today, time(0), tzinfo=zone)
    add_shift(session, site, midnight, None, _members(town, 4, "b"), status="open")
    session.commit()
    day = _day(client, login("supervisor"), site, d=today)
    after = datetime.now(UTC)

    def hours_since_midnight(t: datetime) -> float:
        return (t - midnight).total_seconds() / 3600

    assert hours_since_midnight(before) - 0.01 <= day["covered_h"]
    assert day["covered_h"] <= hours_since_midnight(after) + 0.01
    assert day["under_h"] == 0


def test_coverage_exports_csv_with_bom_and_chinese_headers(client, town, session, login):
    add_shift(session, town.sites["a"], local(DAY, 0), local(DAY, 8), _members(town))
    session.commit()
    res = client.get(
        f"/api/reports/coverage?from=2026-11-30&to=2026-11-30&format=csv&timeline=false"
        f"&site_id={town.sites['a'].id}",
        headers=login("supervisor"),
    )
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/csv")
    assert res.headers["content-disposition"].startswith("attachment;")
    assert res.content.startswith(b"\xef\xbb\xbf")
    lines = res.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "场所编号,场所,日期,巡逻覆盖小时,人数不足小时,无人巡逻小时,未到时间小时"
    assert lines[1] == f"{town.sites['a'].id},东风小学,2026-11-30,8.0,0.0,16.0,0.0"


def test_a_leader_of_group_b_cannot_read_group_a_coverage(client, town, login):
    headers = login("leader_b")
    a = town.sites["a"]
    res = client.get(f"/api/reports/coverage?site_id={a.id}", headers=headers)
    assert res.status_code == 403
    res = client.get(f"/api/reports/coverage?group_id={town.groups['a'].id}", headers=headers)
    assert res.status_code == 403
    unfiltered = client.get("/api/reports/coverage?timeline=false", headers=headers)
    assert [s["site_id"] for s in unfiltered.json()["sites"]] == [town.sites["b"].id]


def test_members_and_gate_staff_get_403(client, town, login):
    for username in ("member_a1", "gate_a"):
        res = client.get("/api/reports/coverage", headers=login(username))
        assert res.status_code == 403
        assert res.json()["error"]["code"] == "forbidden"
        assert (
            client.get("/api/reports/coverage/summary", headers=login(username)).status_code == 403
        )


def test_finished_days_are_pre_aggregated_and_a_late_or_changed_shift_refreshes_them(
    client, town, session, login
):
    a = town.sites["a"]
    past = date(2026, 11, 20)
    headers = login("supervisor")
    params = {"from": past.isoformat(), "to": past.isoformat(), "site_id": a.id}

    def summary():
        res = client.get("/api/reports/coverage/summary", params=params, headers=headers)
        assert res.status_code == 200, res.text
        return res.json()["sites"][0]

    assert summary()["gap_h"] == 24
    session.rollback()
    cached = session.exec(select(ReportCoverageDay).where(ReportCoverageDay.site_id == a.id)).all()
    assert [(c.local_date, c.covered_s) for c in cached] == [(past, 0)]
    late = add_shift(
        session, a, local(past, 8), local(past, 20), _members(town), received_at=local(DAY, 9)
    )
    session.commit()
    assert (summary()["covered_h"], summary()["gap_h"]) == (12, 12)
    # the leader returns it: sync bumps the record's version with the change
    late.status = "returned"
    late.version = late.version + 1000
    session.add(late)
    session.commit()
    assert summary()["gap_h"] == 24


def test_a_report_is_computed_at_the_one_instant_its_request_read(client, town, login, monkeypatch):
    """The route reads the clock once: the default period and generated_at both come from it."""
    instant = datetime.now(UTC).replace(hour=16, minute=30, second=0, microsecond=0)
    today = local_date(instant)  # the next UTC day, in Shanghai
    monkeypatch.setattr(routes, "utcnow", lambda: instant)
    headers = login("supervisor")
    day = client.get("/api/reports/coverage", params={"timeline": "false"}, headers=headers)
    summary = client.get("/api/reports/coverage/summary", headers=headers)
    assert day.status_code == summary.status_code == 200
    for body, first in ((day.json(), today), (summary.json(), today - timedelta(days=29))):
        assert datetime.fromisoformat(body["generated_at"]) == instant
        assert (body["date_from"], body["date_to"]) == (first.isoformat(), today.isoformat())

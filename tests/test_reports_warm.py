"""`patrol reports warm`: fills the coverage cache (report_coverage_day) ahead of the first
report after a deploy; reports read from it answer as if computed live; a second run changes
nothing; and a cache write computed before a newer change was applied is never stored."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app import cli, db
from app.reports import routes
from app.reports.coverage_cache import WATERMARK, day_totals, store_days
from app.reports.models import ReportCoverageDay, ReportWatermark
from app.reports.periods import local_date
from tests.report_fixtures import add_shift, local


@pytest.fixture(autouse=True)
def _one_clock(monkeypatch):
    """The test, the command and the report routes read the same instant: a run across
    midnight in Shanghai (16:00 UTC) must not make them disagree on which day was yesterday.
    The command and the routes are where the reports read the clock, each once."""
    frozen = datetime.now(UTC)
    monkeypatch.setattr(db, "utcnow", lambda: frozen)  # app.cli imports it when the command runs
    monkeypatch.setattr(routes, "utcnow", lambda: frozen)


def _members(town, n=4, group="a"):
    return [town.users[f"member_{group}{i}"] for i in range(1, n + 1)]


def _yesterday():
    return local_date(db.utcnow()) - timedelta(days=1)


def _warm(capsys, days: int) -> str:
    cli.main(["reports", "warm", "--days", str(days)])
    return capsys.readouterr().out


def _cache(session) -> list[tuple]:
    session.rollback()  # see what the command committed
    rows = session.exec(select(ReportCoverageDay)).all()
    cached = [(r.site_id, r.local_date, r.covered_s, r.under_s, r.length_s) for r in rows]
    wm = session.get(ReportWatermark, WATERMARK)
    return sorted(cached) + [("watermark", wm.version if wm else None)]


def _some_patrols(town, session):
    """Full, understaffed, across-midnight and returned shifts on the last days."""
    y = _yesterday()
    a, b = town.sites["a"], town.sites["b"]
    before, two_before = y - timedelta(days=1), y - timedelta(days=2)
    add_shift(session, a, local(before, 0), local(before, 24), _members(town))
    add_shift(session, a, local(y, 6), local(y, 18), _members(town, 3))
    add_shift(session, b, local(two_before, 20), local(before, 4), _members(town, 4, "b"))
    add_shift(session, b, local(y, 0), local(y, 24), _members(town, 4, "b"), status="returned")
    session.commit()


def test_warm_stores_every_finished_day_of_every_active_site_and_nothing_else(
    town, session, capsys
):
    _some_patrols(town, session)
    town.sites["a2"].active = False
    session.add(town.sites["a2"])
    session.commit()
    out = _warm(capsys, days=5)
    days = {_yesterday() - timedelta(days=i) for i in range(5)}
    active = {town.sites["a"].id, town.sites["b"].id}
    cached = {(site_id, d) for site_id, d, *_ in _cache(session)[:-1]}
    assert cached == {(s, d) for s in active for d in days}  # not today, not the inactive site
    assert "2 active sites, 5 finished days each" in out
    assert "10 site-days computed and stored" in out


def test_coverage_read_from_the_warmed_cache_matches_coverage_computed_live(
    client, town, session, login, capsys
):
    _some_patrols(town, session)
    y = _yesterday()
    first = y - timedelta(days=9)
    _warm(capsys, days=10)
    assert len(_cache(session)) - 1 == 3 * 10
    params = {"from": first.isoformat(), "to": y.isoformat()}
    headers = login("supervisor")
    heat = client.get(
        "/api/reports/coverage", params={**params, "timeline": "false"}, headers=headers
    )
    live = client.get("/api/reports/coverage", params=params, headers=headers)  # swept, no cache
    assert heat.status_code == live.status_code == 200

    def cells(res):
        return {
            (s["site_id"], d["date"]): (d["covered_h"], d["under_h"], d["gap_h"])
            for s in res.json()["sites"]
            for d in s["days"]
        }

    assert cells(heat) == cells(live)
    a = town.sites["a"].id
    assert cells(heat)[(a, y.isoformat())] == (12, 12, 12)  # the data is not trivial
    session.rollback()
    sites = [town.sites[k] for k in ("a", "a2", "b")]
    uncached = day_totals(
        session, sites=sites, date_from=first, date_to=y, now=db.utcnow(), use_cache=False
    )
    summary = client.get("/api/reports/coverage/summary", params=params, headers=headers)
    for row in summary.json()["sites"]:
        days = uncached[row["site_id"]]
        assert row["covered_h"] == round(sum(c for c, _, _ in days) / 3600, 4)
        assert row["under_h"] == round(sum(u for _, u, _ in days) / 3600, 4)


def test_warm_run_twice_changes_nothing(town, session, capsys):
    _some_patrols(town, session)
    _warm(capsys, days=30)
    once = _cache(session)
    assert len(once) - 1 == 3 * 30
    out = _warm(capsys, days=30)
    assert _cache(session) == once
    assert "0 site-days computed and stored" in out


def test_warm_after_a_late_record_recomputes_only_the_days_that_record_touches(
    town, session, capsys
):
    _some_patrols(town, session)
    _warm(capsys, days=10)
    day = _yesterday() - timedelta(days=4)
    add_shift(session, town.sites["a2"], local(day, 8), local(day, 20), _members(town))
    session.commit()
    out = _warm(capsys, days=10)
    assert "2 site-days computed and stored" in out  # its start day and the next
    a2 = town.sites["a2"].id
    cached = {(s, d): covered for s, d, covered, *_ in _cache(session)[:-1]}
    assert cached[(a2, day)] == 12 * 3600
    assert cached[(a2, day + timedelta(days=1))] == 0


def test_cache_rows_computed_before_a_newer_change_was_applied_are_not_stored(town, session):
    site, day = town.sites["a"], _yesterday()
    row = {
        "site_id": site.id,
        "local_date": day,
        "covered_s": 3600,
        "under_s": 0,
        "length_s": 86400,
        "required": site.required_patrol_staff,
        "timezone": site.timezone,
    }
    assert store_days([], set(), 100)  # another writer applied changes up to version 100
    assert not store_days([row], set(), 50)  # computed from shifts up to version 50
    assert _cache(session) == [("watermark", 100)]
    assert store_days([row], set(), 100)
    assert _cache(session) == [(site.id, day, 3600, 0, 86400), ("watermark", 100)]

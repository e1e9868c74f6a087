"""The hazards board shows the photo of the latest fix, so it can be checked before closing,
and decides overdue against the request's own instant, by the day in Asia/Shanghai."""

from datetime import UTC, datetime, timedelta

from app.reports import routes
from tests.report_fixtures import add_hazard
from tests.sync_helpers import in_days, mut, push


def test_the_board_shows_the_latest_rectification_photos(client, town, login):
    first_fix, second_fix = "1" * 64, "2" * 64
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "fire",
            "description": "楼道灭火器缺失",
            "photos": ["0" * 64],
        },
    )
    member, sup = login("member_a1"), login("supervisor")
    push(client, member, [report])

    def step(headers, action, **extra):
        [r] = push(
            client,
            headers,
            [mut("hazard.transition", {"hazard_id": report["id"], "action": action, **extra})],
        )
        assert r["status"] == "applied", r

    step(sup, "assign", department="education_office", due_date=in_days(30))
    step(member, "rectify", photos=[first_fix])
    step(sup, "reopen", comment="照片看不清")
    step(sup, "assign", department="education_office", due_date=in_days(45))
    step(member, "rectify", photos=[second_fix])
    board = client.get("/api/reports/hazards", headers=sup).json()
    [row] = board["hazards"]
    assert row["photos"] == ["0" * 64]
    assert row["fix_photos"] == [second_fix]


def test_overdue_is_decided_by_the_shanghai_day_of_the_requests_instant(
    client, town, session, login, monkeypatch
):
    # 16:30 UTC is 00:30 the next day in Shanghai: a hazard due on the UTC date is overdue.
    instant = datetime.now(UTC).replace(hour=16, minute=30, second=0, microsecond=0)
    utc_day = instant.date()
    shanghai_day = utc_day + timedelta(days=1)
    monkeypatch.setattr(routes, "utcnow", lambda: instant)
    site, user = town.sites["a"], town.users["member_a1"]
    found = instant - timedelta(days=10)
    due = {
        "due_on_the_utc_day": (utc_day, "assigned"),
        "due_today_in_shanghai": (shanghai_day, "assigned"),
        "closed_after_its_date": (utc_day - timedelta(days=5), "closed"),
        "without_a_date": (None, "reported"),
    }
    ids = {
        name: add_hazard(session, site, user, found, category="fire", due_date=d, status=status).id
        for name, (d, status) in due.items()
    }
    session.commit()
    board = client.get("/api/reports/hazards", headers=login("supervisor")).json()
    flags = {row["id"]: row["overdue"] for row in board["hazards"]}
    assert {name: flags[i] for name, i in ids.items()} == {
        "due_on_the_utc_day": True,
        "due_today_in_shanghai": False,
        "closed_after_its_date": False,
        "without_a_date": False,
    }
    assert board["overdue"] == 1
    assert board["hazards"][0]["id"] == ids["due_on_the_utc_day"]  # overdue first

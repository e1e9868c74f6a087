"""The hazards board shows the photo of the latest fix, so it can be checked before closing."""

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

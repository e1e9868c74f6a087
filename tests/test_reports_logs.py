"""The synced-record log: every type, newest first by corrected time, filters and keyset pages."""

from datetime import date, timedelta

from app.auth.models import Device
from app.shifts.models import CheckpointScan
from tests.report_fixtures import add_gate_check, add_hazard, add_shift, local

DAY = date(2026, 11, 30)


def _members(town, group="a"):
    return [town.users[f"member_{group}{i}"] for i in range(1, 5)]


def _seed(session, town):
    a, b = town.sites["a"], town.sites["b"]
    shift = add_shift(session, a, local(DAY, 8), local(DAY, 16), _members(town))
    scan = CheckpointScan(
        id="scan-0001",
        site_id=a.id,
        recorded_by=town.users["member_a1"].id,
        device_id="phone-x",
        device_time=local(DAY, 9, 40),  # the phone's clock was 10 minutes fast
        received_at=local(DAY + timedelta(days=2), 12),
        event_time=local(DAY, 9, 30),
        clock_offset_s=-600,
        clock_flag="skew",
        shift_id=shift.id,
        checkpoint_id=town.checkpoints["a"][0].id,
    )
    session.add(scan)
    add_gate_check(session, a, town.windows["a"][0], town.users["gate_a"], DAY)
    add_shift(session, b, local(DAY, 10), local(DAY, 12), _members(town, "b"))
    add_hazard(
        session, a, town.users["member_a2"], local(DAY - timedelta(days=1), 15), category="fire"
    )
    session.commit()


def test_logs_list_every_type_newest_first_with_device_and_corrected_times(
    client, town, session, login
):
    _seed(session, town)
    res = client.get("/api/reports/logs", headers=login("supervisor"))
    assert res.status_code == 200
    rows = res.json()["rows"]
    times = [r["event_time"] for r in rows]
    assert times == sorted(times, reverse=True)
    assert {r["type"] for r in rows} == {"shift", "scan", "gate_check", "hazard"}
    scan = next(r for r in rows if r["type"] == "scan")
    assert scan["device_time"] == "2026-11-30T01:40:00Z"
    assert scan["event_time"] == "2026-11-30T01:30:00Z"
    assert scan["received_at"] == "2026-12-02T04:00:00Z"
    assert scan["clock_flag"] == "skew"
    assert scan["author_disabled"] is False
    assert scan["recorded_by_name"] == "队员A1"
    assert scan["site_name"] == "东风小学"


def test_logs_filter_by_type_person_site_date_and_clock_flag(client, town, session, login):
    _seed(session, town)
    h = login("supervisor")

    def types(**params):
        res = client.get("/api/reports/logs", params=params, headers=h)
        assert res.status_code == 200, res.text
        return sorted(r["type"] for r in res.json()["rows"])

    assert types(type="shift") == ["shift", "shift"]
    assert types(type=["hazard", "gate_check"]) == ["gate_check", "hazard"]
    assert types(person=town.users["gate_a"].id) == ["gate_check"]
    assert types(site_id=town.sites["b"].id) == ["shift"]
    assert types(group_id=town.groups["a"].id) == ["gate_check", "hazard", "scan", "shift"]
    assert types(flagged="true") == ["scan"]
    # 2026-11-29 local = 28th 16:00 .. 29th 16:00 UTC; the hazard is at 15:00 local on the 29th
    assert types(**{"from": "2026-11-29", "to": "2026-11-29"}) == ["hazard"]
    assert types(**{"from": "2026-11-30"}) == ["gate_check", "scan", "shift", "shift"]
    assert client.get("/api/reports/logs?type=nope", headers=h).status_code == 422


def test_logs_page_with_a_cursor_without_repeats_or_skips(client, town, session, login):
    a = town.sites["a"]
    for hour in range(10):
        add_shift(session, a, local(DAY, hour), local(DAY, hour + 1), _members(town))
    session.commit()
    h = login("supervisor")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/reports/logs", params=params, headers=h).json()
        seen += [r["id"] for r in body["rows"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 10
    assert client.get("/api/reports/logs?cursor=%%%", headers=h).status_code == 422


def test_a_leader_reads_only_her_groups_logs_and_a_member_none(client, town, session, login):
    _seed(session, town)
    rows = client.get("/api/reports/logs", headers=login("leader_b")).json()["rows"]
    assert {r["site_id"] for r in rows} == {town.sites["b"].id}
    res = client.get(f"/api/reports/logs?site_id={town.sites['a'].id}", headers=login("leader_b"))
    assert res.status_code == 403
    assert client.get("/api/reports/logs", headers=login("member_b1")).status_code == 403


def test_logs_export_csv(client, town, session, login):
    _seed(session, town)
    res = client.get("/api/reports/logs?format=csv", headers=login("supervisor"))
    text = res.content.decode("utf-8-sig")
    assert res.content.startswith(b"\xef\xbb\xbf")
    assert text.splitlines()[0].startswith("类型,记录编号,场所,记录人,设备,设备时间,校正时间")
    assert len(text.splitlines()) == 6


def test_device_health_shows_last_sync_outbox_depth_and_clock_offset(client, town, session, login):
    headers = login("member_a1", device_id="phone-a1")
    login("member_b1", device_id="phone-b1")
    device = session.get(Device, "phone-a1")
    device.last_sync_at = local(DAY, 9)
    device.last_outbox_depth = 12
    device.last_clock_offset_s = -600.5
    device.max_abs_clock_offset_s = 900
    session.add(device)
    session.commit()
    assert client.get("/api/reports/devices", headers=headers).status_code == 403
    rows = client.get("/api/reports/devices", headers=login("supervisor")).json()
    row = next(r for r in rows if r["id"] == "phone-a1")
    assert row["user_name"] == "队员A1"
    assert row["last_outbox_depth"] == 12
    assert row["last_clock_offset_s"] == -600.5
    assert row["last_sync_at"] == "2026-11-30T01:00:00Z"
    lead = client.get("/api/reports/devices", headers=login("leader_a")).json()
    assert "phone-a1" in {r["id"] for r in lead}
    assert "phone-b1" not in {r["id"] for r in lead}
    csv = client.get("/api/reports/devices?format=csv", headers=login("supervisor"))
    assert "待上传记录数" in csv.content.decode("utf-8-sig").splitlines()[0]


def test_every_kind_of_field_record_is_in_the_log_the_console_filter_and_the_export():
    """A new record type that the supervisor's log leaves out fails here."""
    import re
    from pathlib import Path

    from app.records.models import Entity
    from app.reports.export import REPORT_LABELS
    from app.reports.logs import LOG_SOURCES

    # A village's form has no site: the office reads it in the villages' month-end report.
    not_site_records = {Entity.village_form.value}
    assert set(LOG_SOURCES) == {e.value for e in Entity} - not_site_records
    assert set(REPORT_LABELS["log_type"]) - not_site_records == set(LOG_SOURCES)
    view = (Path(__file__).parent.parent / "pwa/js/views/console-logs.js").read_text()
    listed = re.search(r"const TYPES = \[([^\]]*)\]", view).group(1)
    assert set(re.findall(r"'(\w+)'", listed)) == set(LOG_SOURCES)

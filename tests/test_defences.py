"""Technical defences (视频监控、入侵报警): the inventory (office side, audited), the periodic
checks from a phone, and each fault tracked like a hazard: open -> fixed (by the school) ->
accepted (验收, by a supervisor) or reopened; the report and the assessment."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.defences import rules
from app.defences.models import CheckResult, DefenceDevice, DefenceFault, FaultAction
from app.records.errors import Conflicted, Rejected, Rule
from app.reports.defences import assessment_lines, defences
from app.sites.models import Site
from tests.factories import add_user
from tests.sync_helpers import mut, push

DAY = date(2025, 3, 10)


# --- the rules, over plain facts ------------------------------------------------------------


def test_a_fault_goes_open_fixed_accepted_and_a_reopen_sends_it_back_to_open():
    assert rules.next_status(FaultAction.fix, "open") == "fixed"
    assert rules.next_status(FaultAction.accept, "fixed") == "accepted"
    assert rules.next_status(FaultAction.reopen, "fixed") == "open"
    for action, status in ((FaultAction.accept, "open"), (FaultAction.fix, "accepted")):
        with pytest.raises(Conflicted) as raised:
            rules.next_status(action, status)
        assert raised.value.rule == Rule.fault_lifecycle


def test_a_fault_needs_its_description_and_a_fix_or_reopen_its_note():
    rules.check_description(CheckResult.ok, "")
    with pytest.raises(Rejected):
        rules.check_description(CheckResult.fault, "  ")
    with pytest.raises(Rejected):
        rules.check_fix_note(FaultAction.fix, "")
    rules.check_fix_note(FaultAction.accept, "")


def test_a_device_is_overdue_for_a_check_after_the_interval_from_its_last_or_its_install():
    assert (
        rules.check_days_overdue(DAY, 30, DAY - timedelta(days=90), DAY + timedelta(days=30)) == 0
    )
    assert (
        rules.check_days_overdue(DAY, 30, DAY - timedelta(days=90), DAY + timedelta(days=33)) == 3
    )
    assert rules.check_days_overdue(None, 30, DAY, DAY + timedelta(days=31)) == 1


def test_the_fault_id_is_derived_from_the_check_so_a_phone_knows_it_offline():
    check = "5a0f3c4e-8b1d-4f7a-9c2e-1d3b5a7c9e0f"
    assert rules.fault_id_of(check) == rules.fault_id_of(check) != check


# --- the inventory, pushed, moved and reported -----------------------------------------------


@pytest.fixture
def defended(client, session, town, login):
    """School a with a camera and an alarm, kept by staff_a; one `now` for the test."""
    site = town.sites["a"]
    add_user(session, town, "staff_a", "安全员 周老师", ["school_staff"], home_site_id=site.id)
    session.commit()
    staff = login("staff_a")
    devices = []
    for kind, name in (("camera", "校门口摄像头1"), ("alarm", "财务室入侵报警")):
        res = client.post(
            "/api/defences/devices",
            json={"site_id": site.id, "kind": kind, "name": name, "location": "校门口"},
            headers=staff,
        )
        assert res.status_code == 201, res.text
        devices.append(res.json()["id"])
    return site, devices, staff, datetime.now(UTC)


def _check(device: int, result: str = "ok", description: str = "", **kw) -> dict:
    payload = {"defence_device_id": device, "result": result, "description": description}
    return mut("defence.check", payload, **kw)


def _move(fault: str, action: str, comment: str = "") -> dict:
    return mut(
        "defence.fault_transition", {"fault_id": fault, "action": action, "comment": comment}
    )


def test_the_inventory_is_kept_by_the_schools_staff_or_admin_audited_and_in_the_bootstrap(
    client, session, town, defended, login
):
    site, devices, staff, now = defended
    res = client.post(
        "/api/defences/devices",
        json={"site_id": site.id, "kind": "camera", "name": "操场摄像头"},
        headers=login("member_a1"),
    )
    assert res.status_code == 403 and "技防设施" in res.json()["error"]["message_zh"]
    res = client.post(
        "/api/defences/devices",
        json={"site_id": site.id, "kind": "laser", "name": "x"},
        headers=staff,
    )
    assert res.status_code == 422
    res = client.patch(f"/api/defences/devices/{devices[0]}", json={"name": None}, headers=staff)
    assert res.status_code == 422 and "不能为空" in res.json()["error"]["message_zh"]
    res = client.patch(
        f"/api/defences/devices/{devices[0]}", json={"location": "东门"}, headers=staff
    )
    assert res.status_code == 200 and res.json()["location"] == "东门"
    from app.audit.models import AuditEvent

    session.rollback()
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"defence_device.create", "defence_device.update"} <= actions
    res = client.get("/api/sync/bootstrap", headers=staff)
    [mine] = [s for s in res.json()["sites"] if s["id"] == site.id]
    assert [d["name"] for d in mine["defence_devices"]] == ["财务室入侵报警", "校门口摄像头1"]


def test_a_fault_check_opens_a_fault_the_school_fixes_and_a_supervisor_accepts(
    client, session, defended, login
):
    site, devices, staff, now = defended
    check = _check(devices[0], "fault", "画面黑屏")
    fault_id = rules.fault_id_of(check["id"])
    fix = _move(fault_id, "fix", "更换电源适配器")
    # the check and its fix from one offline phone, in one push
    results = push(client, staff, [check, _check(devices[1]), fix])
    assert [r["status"] for r in results] == ["applied"] * 3, results
    supervisor = login("supervisor")
    # the school may not accept its own fix; a second fix is a conflict shown the fault
    [own] = push(client, staff, [_move(fault_id, "accept")])
    assert (own["status"], own["rule"]) == ("rejected", "role_may_not")
    [again] = push(client, staff, [_move(fault_id, "fix", "再次维修")])
    assert (again["status"], again["rule"]) == ("conflict", "fault_lifecycle")
    assert again["current"]["data"]["status"] == "fixed"
    [reopen] = push(client, supervisor, [_move(fault_id, "reopen", "夜间仍无画面")])
    assert reopen["status"] == "applied", reopen
    push(client, staff, [_move(fault_id, "fix", "更换摄像头")])
    [accept] = push(client, supervisor, [_move(fault_id, "accept")])
    assert accept["status"] == "applied", accept
    session.rollback()
    fault = session.get(DefenceFault, fault_id)
    assert fault.status == "accepted"
    assert [s["action"] for s in fault.history] == ["fix", "reopen", "fix", "accept"]


def test_only_the_schools_staff_check_its_devices_and_a_bad_check_stands_alone(
    client, session, town, defended, login
):
    site, devices, staff, now = defended
    add_user(
        session, town, "staff_b", "安全员 吴老师", ["school_staff"], home_site_id=town.sites["b"].id
    )
    session.commit()
    [other] = push(client, login("staff_b"), [_check(devices[0])])
    assert (other["status"], other["rule"]) == ("rejected", "not_school_staff")
    results = push(
        client, staff, [_check(devices[0]), _check(devices[1], "fault", ""), _check(99_999)]
    )
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"], results
    assert "故障情况" in results[1]["message_zh"]
    assert "技防设施" in results[2]["message_zh"]


def test_the_report_shows_overdue_devices_and_open_faults_oldest_first(
    client, session, town, defended
):
    site, devices, staff, now = defended
    # the camera was checked 40 days ago, the alarm installed 10 days ago and never checked
    session.rollback()
    for device_id, days in ((devices[0], 90), (devices[1], 10)):
        device = session.get(DefenceDevice, device_id)
        device.created_at = now - timedelta(days=days)
        session.add(device)
    session.commit()
    old = _check(devices[0], "fault", "镜头被遮挡", at=now - timedelta(days=40))
    new = _check(devices[1], "fault", "探头误报", at=now - timedelta(days=2))
    results = push(client, staff, [old, new], sent_at=now)
    assert [r["status"] for r in results] == ["applied", "applied"], results
    session.rollback()
    report = defences(session, sites=[session.get(Site, site.id)], now=now)
    assert [(d.name, d.days_overdue) for d in report.overdue] == [("校门口摄像头1", 10)]
    assert [f.description for f in report.faults] == ["镜头被遮挡", "探头误报"]
    assert report.faults[0].age_days == 40


def test_the_assessment_counts_checks_on_time_and_faults_accepted(
    client, session, town, defended, login
):
    from app.auth.models import User
    from app.groups.membership import scope_of

    site, devices, staff, now = defended
    session.rollback()
    for device_id in devices:
        device = session.get(DefenceDevice, device_id)
        device.created_at = now - timedelta(days=200)
        session.add(device)
    session.commit()
    start = (now - timedelta(days=95)).date()  # three whole 30-day periods ended
    checks = [_check(devices[0], at=now - timedelta(days=d)) for d in (90, 60, 30)]
    faulty = _check(devices[1], "fault", "无法布防", at=now - timedelta(days=50))
    push(client, staff, [*checks, faulty], sent_at=now)
    session.rollback()
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    lines = assessment_lines(session, scope_of(session, supervisor), start, now.date(), now)
    by = {x.criterion: (x.due, x.kept) for x in lines if x.subject_id == str(site.id)}
    assert by["defence_checks_on_time"] == (6, 4)
    assert by["defence_faults_closed"] == (1, 0)


def test_the_defences_route_and_settings_answer_with_the_csv_and_are_the_admins(
    client, defended, login
):
    site, devices, staff, now = defended
    supervisor, admin = login("supervisor"), login("admin")
    res = client.get("/api/reports/defences", headers=supervisor)
    assert res.status_code == 200 and len(res.json()["devices"]) == 2
    res = client.get("/api/reports/defences", params={"format": "csv"}, headers=supervisor)
    assert res.status_code == 200 and "视频监控" in res.text
    assert client.get("/api/reports/defences", headers=staff).status_code == 403
    res = client.put("/api/defences/settings", json={"check_every_days": 7}, headers=admin)
    assert res.status_code == 200 and res.json()["check_every_days"] == 7
    res = client.put("/api/defences/settings", json={"check_every_days": 7}, headers=staff)
    assert res.status_code == 403
    res = client.get("/api/defences/settings", headers=staff)
    assert res.json()["check_every_days"] == 7


def test_a_photo_shown_at_the_fix_and_again_at_a_second_fix_is_linked_once(
    client, session, defended, login
):
    site, devices, staff, now = defended
    from tests.hardening_world import png_bytes, sha

    photo = sha(png_bytes())
    check = _check(devices[0], "fault", "画面黑屏")
    fault = rules.fault_id_of(check["id"])
    fix = mut(
        "defence.fault_transition",
        {"fault_id": fault, "action": "fix", "comment": "更换电源", "photos": [photo]},
    )
    assert [r["status"] for r in push(client, staff, [check, fix])] == ["applied", "applied"]
    [reopen] = push(client, login("supervisor"), [_move(fault, "reopen", "仍黑屏")])
    assert reopen["status"] == "applied"
    again = mut(
        "defence.fault_transition",
        {"fault_id": fault, "action": "fix", "comment": "再次维修", "photos": [photo]},
    )
    [r] = push(client, staff, [again])
    assert r["status"] == "applied", r
    from app.photos.models import RecordPhoto

    session.rollback()
    links = session.exec(select(RecordPhoto).where(RecordPhoto.record_id == fault)).all()
    assert [link.sha256 for link in links] == [photo]
    assert [s["photos"] for s in session.get(DefenceFault, fault).history] == [
        [photo],
        [],
        [photo],
    ]

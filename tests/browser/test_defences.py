"""Technical defences on the phone and in the console: a camera checked faulty on the school's
phone with no network (with a photo), synced; the school reports it fixed; the supervisor's
验收 goes through the outbox and closes it. And the admin's screen adds a device."""

from pathlib import Path

from PIL import Image
from sqlmodel import select

from app.defences.models import DefenceCheck, DefenceDevice, DefenceFault, DefenceSetting
from tests.factories import add_user


def _photo(path: Path) -> Path:
    Image.new("RGB", (64, 48), (20, 20, 20)).save(path, "JPEG")
    return path


def test_a_fault_found_offline_is_fixed_by_the_school_and_accepted_by_the_supervisor(
    phone, session, town, tmp_path
):
    site = town.sites["a"]
    add_user(session, town, "staff_a", "安全员 周老师", ["school_staff"], home_site_id=site.id)
    camera = DefenceDevice(site_id=site.id, kind="camera", name="校门口摄像头1", location="校门口")
    session.add(camera)
    session.commit()
    phone.open()
    phone.login("staff_a")
    page = phone.goto("safety")
    page.wait_for_selector(f"[data-devices] [data-device='{camera.id}']")
    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = phone.goto("safety")
    page.click(f"[data-device='{camera.id}'] [data-action=check-fault]")
    page.fill("[name=fault_description]", "夜间画面黑屏")
    page.set_input_files("[name=fault_photos]", str(_photo(tmp_path / "black.jpg")))
    page.wait_for_selector("[data-thumbs=fault_photos] img")
    page.click("[data-action=send-fault]")
    page.wait_for_selector("[data-check-msg] .msg.ok")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    session.rollback()
    [check] = session.exec(select(DefenceCheck)).all()
    assert (check.result, check.description, len(check.photos)) == ("fault", "夜间画面黑屏", 1)
    # the fault came back in the pull: the school reports it fixed
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector(f"[data-faults] [data-fault='{check.fault_id}'][data-status=open]")
    page.fill(f"[data-fault='{check.fault_id}'] [name=fix_note]", "更换电源适配器")
    page.click(f"[data-fault='{check.fault_id}'] [data-action=fix]")
    phone.sync()
    phone.wait_synced()
    session.rollback()
    assert session.get(DefenceFault, check.fault_id).status == "fixed"

    page.evaluate("() => window.patrolApp.logout()")
    phone.login("supervisor")
    page = phone.goto("console-defences")
    card = f"[data-faults] [data-fault='{check.fault_id}'][data-status=fixed]"
    page.wait_for_selector(card)
    page.click(f"{card} [data-action=accept]")
    page.wait_for_selector(f"[data-accepted] [data-fault='{check.fault_id}'][data-status=accepted]")
    session.rollback()
    fault = session.get(DefenceFault, check.fault_id)
    assert fault.status == "accepted"
    assert [s["action"] for s in fault.history] == ["fix", "accept"]


def test_the_admin_adds_a_camera_and_sets_the_check_interval_on_her_screen(phone, session, town):
    site = town.sites["a"]
    phone.open()
    phone.login("admin")
    page = phone.goto("admin-defences")
    page.wait_for_selector("form[data-form=device]")
    page.select_option("[data-admin-body] select[name=site_id]", str(site.id))
    page.wait_for_selector("form[data-form=device]")
    page.select_option("form[data-form=device] [name=kind]", "alarm")
    page.fill("form[data-form=device] [name=name]", "财务室入侵报警")
    page.fill("form[data-form=device] [name=location]", "财务室")
    page.click("[data-action=submit-device]")
    page.wait_for_selector("[data-device-list] [data-device]")
    page.fill("[name=check_every_days]", "14")
    put = "/api/defences/settings"
    with page.expect_response(lambda r: put in r.url and r.request.method == "PUT") as answer:
        page.click("[data-action=submit-defence-settings]")
    assert answer.value.status == 200
    session.rollback()
    [alarm] = session.exec(select(DefenceDevice)).all()
    assert (alarm.site_id, alarm.kind, alarm.name, alarm.location) == (
        site.id,
        "alarm",
        "财务室入侵报警",
        "财务室",
    )
    [setting] = session.exec(select(DefenceSetting)).all()
    assert setting.check_every_days == 14

"""The whole offline day on one phone, then one sync: every record arrives exactly once."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.gate.models import GateCheck, VisitorEntry
from app.hazards.models import Hazard
from app.photos.models import Photo
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember
from app.sync.models import Mutation
from tests.browser.helpers import XSS, camera_photo, qr_png, slow_clock_script

CLOCK_BEHIND_H = 3  # the phone's clock is three hours slow


def record_offline_day(phone, tmp_path):
    """Start a shift, scan two checkpoints (QR photo and typed code), report a hazard with a
    photo, check in at the gate and log a visitor, all with no network."""
    page = phone.page
    page.goto(f"{phone.base}/#/patrol")
    page.wait_for_selector("[data-action=start-shift]")
    for box in page.locator("[data-members] input[type=checkbox]").all()[:4]:
        box.check()
    page.click("[data-action=start-shift]")
    page.wait_for_selector("[data-open-shift]")
    # A QR code read from a photo (jsQR, loaded on demand from the precache) ...
    page.set_input_files("[data-input=qr-photo]", str(qr_png(tmp_path / "cp1.png", "A-CP1")))
    page.wait_for_selector("[data-cp='A-CP1'].done")
    # ... and a code typed by hand.
    page.fill("[name=checkpoint-code]", "a-cp2")
    page.press("[name=checkpoint-code]", "Enter")
    page.wait_for_selector("[data-cp='A-CP2'].done")
    assert page.text_content("[data-missing]").strip() == "未打卡 2 个"

    page.goto(f"{phone.base}/#/hazard")
    page.wait_for_selector("form[data-form=hazard]")
    page.select_option("[name=category]", "surroundings")
    page.select_option("[name=place_type]", "internet_cafe")
    page.select_option("[name=severity]", "high")
    page.fill("textarea[name=description]", XSS)
    page.set_input_files("[name=photos]", str(camera_photo(tmp_path / "photo.jpg")))
    page.wait_for_selector("[data-thumbs] img")
    page.click("form[data-form=hazard] button[type=submit]")
    page.wait_for_selector("[data-type='hazard.report'][data-state=pending]")

    page.goto(f"{phone.base}/#/gate")
    page.wait_for_selector("[data-window] [data-action=check-in]")
    page.locator("[data-window]").first.locator("[data-action=check-in]").click()
    page.wait_for_selector("[data-window] [data-gate-count='1']")
    page.fill("[name=visitor_name]", "刘师傅")
    page.fill("[name=visiting]", "总务处 王老师")
    page.check("[name=host_approved]")
    page.fill("[name=vehicle_plate]", "鄂a12345")
    page.fill("[name=goods]", "食堂蔬菜")
    page.fill("[name=pass_slip_no]", "CM-0042")
    page.click("form[data-form=visitor] button[type=submit]")
    page.wait_for_selector("[data-visitor] [data-state=pending]")


def test_records_made_offline_survive_reload_and_browser_restart_and_sync_exactly_once(
    phone, session, town, tmp_path
):
    phone.init_scripts.append(slow_clock_script(CLOCK_BEHIND_H))
    phone.open()
    phone.login("member_a1")

    phone.context.set_offline(True)
    phone.page.reload()
    phone.ready()
    recorded_at = datetime.now(UTC)
    record_offline_day(phone, tmp_path)

    # Reload offline: the shell comes from the service worker, every record is still pending.
    phone.page.reload()
    phone.ready()
    page = phone.page
    page.goto(f"{phone.base}/#/home")
    page.wait_for_selector("[data-records] li[data-record]")
    states = page.eval_on_selector_all(
        "[data-records] li[data-record]", "els => els.map(e => e.dataset.state)"
    )
    assert states == ["pending"] * 6
    assert page.get_attribute("[data-pending]", "data-pending") == "6"

    # The hazard description is shown as text, never run as markup.
    body = page.locator("[data-type='hazard.report'] [data-body]").text_content()
    assert XSS in body
    assert page.locator("[data-records] img").count() == 0
    assert phone.dialogs == []

    # The browser is closed and opened again, still offline: all still there.
    phone.close()
    page = phone.open(offline=True)
    phone.goto("home")
    page.wait_for_selector("[data-records] li[data-record]")
    assert page.locator("[data-records] li[data-state=pending]").count() == 6

    # Back online: the app syncs by itself (the `online` event), photos after their records.
    phone.context.set_offline(False)
    phone.wait_synced()
    page.wait_for_selector("[data-records] li[data-record]")
    states = page.eval_on_selector_all(
        "[data-records] li[data-record]", "els => els.map(e => e.dataset.state)"
    )
    assert states == ["synced"] * 6
    assert phone.dialogs == []

    session.rollback()
    user = town.users["member_a1"]
    mutations = session.exec(select(Mutation).where(Mutation.user_id == user.id)).all()
    assert sorted(m.type for m in mutations) == sorted(
        ["shift.start", "shift.scan", "shift.scan", "hazard.report", "gate.check", "visitor.enter"]
    )
    assert {m.status for m in mutations} == {"applied"}

    shifts = session.exec(select(PatrolShift)).all()
    assert len(shifts) == 1
    members = session.exec(select(ShiftMember).where(ShiftMember.shift_id == shifts[0].id)).all()
    assert len(members) == 4
    scans = session.exec(select(CheckpointScan)).all()
    assert len(scans) == 2
    hazards = session.exec(select(Hazard)).all()
    assert len(hazards) == 1
    assert hazards[0].description == XSS
    assert (hazards[0].category, hazards[0].place_type, hazards[0].severity) == (
        "surroundings",
        "internet_cafe",
        "high",
    )
    assert hazards[0].within_300m is True
    assert len(session.exec(select(GateCheck)).all()) == 1
    visitors = session.exec(select(VisitorEntry)).all()
    assert [(v.name, v.vehicle_plate, v.pass_slip_no, v.host_approved) for v in visitors] == [
        ("刘师傅", "鄂A12345", "CM-0042", True)
    ]

    # Corrected times: the phone said three hours earlier; the server put each record back
    # at the true time it was made (within the test's own duration) and flagged the skew.
    records = [*shifts, *scans, *hazards, *session.exec(select(GateCheck)).all(), *visitors]
    for r in records:
        assert r.device_time < recorded_at - timedelta(hours=CLOCK_BEHIND_H - 0.1)
        assert recorded_at - timedelta(minutes=1) <= r.event_time <= datetime.now(UTC)
        assert "skew" in (r.clock_flag or "")

    # The photo arrived: stored, shrunk on the phone to 1600 px on its longest side, JPEG.
    assert len(hazards[0].photos) == 1
    photo = session.get(Photo, hazards[0].photos[0])
    assert photo is not None
    assert (photo.content_type, max(photo.width, photo.height)) == ("image/jpeg", 1600)

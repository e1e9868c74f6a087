"""A drill (应急预案演练) recorded on the school's phone with no network, with a photo, saved to
the outbox and synced once the phone is back online; the supervisor's console then no longer
lists the school as overdue for a drill."""

from pathlib import Path

from PIL import Image
from sqlmodel import select

from app.drills.models import SafetyActivity
from app.photos.models import Photo
from tests.factories import add_user


def _photo(path: Path) -> Path:
    Image.new("RGB", (64, 48), (200, 40, 40)).save(path, "JPEG")
    return path


def test_a_drill_recorded_offline_with_a_photo_syncs_and_the_school_is_no_longer_overdue(
    phone, session, town, tmp_path
):
    site, other = town.sites["a"], town.sites["b"]
    add_user(session, town, "staff_a", "安全员 周老师", ["school_staff"], home_site_id=site.id)
    session.commit()
    phone.open()
    # the supervisor first: both schools never held a drill, so both are overdue
    phone.login("supervisor")
    page = phone.goto("console-drills")
    page.wait_for_selector(f"[data-overdue='{site.id}:drill']")
    assert page.locator(f"[data-overdue='{other.id}:drill']").count() == 1
    page.evaluate("() => window.patrolApp.logout()")

    phone.login("staff_a")
    page = phone.goto("safety")
    page.wait_for_selector("form[data-form=drill]")
    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = phone.goto("safety")
    page.select_option("[name=kind]", "drill")
    page.fill("[name=topic]", "消防疏散演练")
    page.fill("[name=participants]", "420")
    page.fill("[name=participants_note]", "全校师生")
    page.set_input_files("[name=drill_photos]", str(_photo(tmp_path / "drill.jpg")))
    page.wait_for_selector("[data-thumbs=drill_photos] img")
    page.click("[data-action=save-drill]")
    page.wait_for_selector("[data-records] [data-type='drill.record'][data-state=pending]")
    assert "已保存" in page.text_content("[data-msg]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector("[data-records] [data-type='drill.record'][data-state=synced]")
    session.rollback()
    [drill] = session.exec(select(SafetyActivity)).all()
    assert (drill.site_id, drill.kind, drill.topic, drill.participants) == (
        site.id,
        "drill",
        "消防疏散演练",
        420,
    )
    [sha] = drill.photos
    assert session.get(Photo, sha) is not None  # the photo's bytes arrived after the record

    page.evaluate("() => window.patrolApp.logout()")
    phone.login("supervisor")
    page = phone.goto("console-drills")
    page.wait_for_selector(f"[data-overdue='{other.id}:drill']")
    assert page.locator(f"[data-overdue='{site.id}:drill']").count() == 0
    assert "消防疏散演练" in page.text_content("[data-activities]")

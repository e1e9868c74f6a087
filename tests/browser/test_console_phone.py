"""The console on a phone (390x844): the device list names each phone by its user and label,
a clock offset reads as a duration, a scan in 同步记录 names its checkpoint, the hazard board
says there is no open hazard instead of printing nothing (or "null"), and no view is wider
than the screen."""

from datetime import UTC, datetime, timedelta

from tests.browser.test_console import Api, open_view

SKEW_S = 3 * 3600 + 7 * 60  # 11220 s: "3 小时 7 分"

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_the_console_reads_on_a_phone(phone, server, town):
    member = Api(server, "member_a1")
    now = datetime.now(UTC)
    cp = town.checkpoints["a"][0]
    members = [town.users[f"member_a{i}"].id for i in range(1, 5)]
    site = town.sites["a"].id
    (shift,) = member.push(
        [("shift.start", now - timedelta(minutes=30), {"site_id": site, "member_ids": members})]
    )
    scan = {"shift_id": shift, "checkpoint_code": cp.code, "method": "qr"}
    # This phone runs 3 h 7 min fast.
    member.push([("shift.scan", now - timedelta(minutes=20), scan)], clock_behind_s=-SKEW_S)
    page = phone.open()
    phone.login("supervisor")

    open_view(phone, "devices")
    card = page.locator("[data-device='dev-member_a1-01']")
    assert (
        card.locator("[data-device-name]")
        .inner_text()
        .startswith(town.users["member_a1"].display_name)
    )
    assert "dev-member_a1-01" not in card.inner_text()  # no raw id on the screen
    assert "3 小时 7 分" in card.inner_text() and "秒" not in card.inner_text()
    assert card.locator(".skew").count() >= 1
    # This browser logged in through the app: named by its system and browser, not the UA.
    own = page.locator("[data-device]", has_text=town.users["supervisor"].display_name)
    label = own.locator("[data-device-label]").inner_text()
    assert "Mozilla" not in label and "Chrome" in label, label
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    open_view(phone, "logs")
    scan = page.locator("[data-type=scan]").first
    scan.wait_for()
    detail = scan.locator("[data-detail]").inner_text()
    assert cp.name in detail and shift not in detail
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    open_view(phone, "hazards")
    departments = page.locator("[data-by-department]")
    assert departments.inner_text() == "没有未销号的隐患"
    assert "null" not in page.locator("[data-console-body]").inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

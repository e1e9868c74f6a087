"""The three loops in Chromium, each done offline (context.set_offline(True)) and then synced:
a returned shift reaches its member on a new phone and she amends it; a hazard is rectified
with an after-photo and 验收 waits for the photos; a visitor waits at the gate until the host
agrees, then leaves with the van checked against the pass slip. PATROL_SCREENSHOTS=docs/screenshots
regenerates the committed screenshots of the new screens."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from app.gate.models import VisitorEntry
from app.hazards.models import Hazard, HazardEvent
from app.photos.models import Photo
from app.shifts.models import CheckpointScan, PatrolShift
from tests.browser.conftest import Phone
from tests.browser.helpers import camera_photo
from tests.browser.test_console import Api
from tests.browser.test_screens import SHOTS, ended_shift_by, shot


def shot_at(page, locator, tmp_path, name: str) -> None:
    """A phone-size picture with this part of the screen in view (the screen is long)."""
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    locator.evaluate("el => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(150)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_a_returned_shift_reaches_its_member_on_a_new_phone_and_is_amended_offline(
    phone, server, session, playwright, tmp_path
):
    shift_id = ended_shift_by(server, "member_a2", ["A-CP1", "A-CP3"])
    leader = Phone(playwright, server, tmp_path / "leader")  # she returns it from her phone
    lpage = leader.open()
    leader.login("leader_a")
    lpage.goto(f"{server}/#/leader")
    card = lpage.locator(f"[data-shift='{shift_id}']")
    card.locator("[name=comment]").fill("请补打卡东围墙")
    card.locator("[data-action=return]").click()
    # The return is on the server before her new phone pulls (the click queues it first).
    lpage.wait_for_selector(f"[data-shift='{shift_id}']", state="detached")
    leader.sync()
    leader.wait_synced()
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "returned"
    leader.close()

    page = phone.open()  # a phone member_a2 never used: her shift comes from the pull
    phone.login("member_a2")
    item = page.locator(f"[data-my-shift='{shift_id}']")
    item.wait_for()
    assert item.get_attribute("data-status") == "returned"
    assert "已退回" in item.text_content() and "请补打卡东围墙" in item.text_content()
    shot(page, tmp_path, "home-returned")

    phone.context.set_offline(True)
    item.locator("[data-action=amend-shift]").click()
    page.wait_for_selector(f"[data-open-shift='{shift_id}']")
    assert "请补打卡东围墙" in page.text_content(f"[data-returned='{shift_id}']")
    assert page.locator("[data-cp='A-CP1'].done").count() == 1  # the server's scans, pulled
    page.fill("[name=checkpoint-code]", "A-CP2")
    page.press("[name=checkpoint-code]", "Enter")
    page.wait_for_selector("[data-cp='A-CP2'].done")
    shot(page, tmp_path, "patrol-returned")
    page.fill("[name=note]", "已补打卡东围墙")
    page.click("[data-action=end-shift]")
    page.wait_for_selector("[data-action=start-shift]")  # the returned shift is handed back

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    session.rollback()  # a new read: the last one held its snapshot
    shift = session.get(PatrolShift, shift_id)
    assert (shift.status, shift.note) == ("ended", "已补打卡东围墙")
    scans = session.exec(select(CheckpointScan).where(CheckpointScan.shift_id == shift_id)).all()
    assert len(scans) == 3
    page.goto(f"{server}/#/home")
    page.wait_for_selector(f"[data-my-shift='{shift_id}'][data-status=ended]")

    # the leader's phone, whose outbox holds the return: the amended shift is back for review
    desk = Phone(playwright, server, tmp_path / "leader")
    try:
        lpage = desk.open()
        desk.goto("leader")
        card = lpage.locator(f"[data-shift='{shift_id}']")
        card.wait_for()
        assert "请补打卡东围墙" in card.locator("[data-amended]").text_content()
        assert card.locator("[data-missed]").get_attribute("data-missed") == "1"
        shot_at(lpage, card, tmp_path, "leader-amended")
    finally:
        desk.close()


def test_a_hazard_is_rectified_offline_with_a_photo_and_verified_once_it_arrived(
    phone, server, session, town, playwright, tmp_path
):
    reporter, supervisor = Api(server, "member_a1"), Api(server, "supervisor")
    a = town.sites["a"].id
    now = datetime.now(UTC)
    [hazard_id] = reporter.push(
        [
            (
                "hazard.report",
                now - timedelta(days=2),
                {"site_id": a, "category": "fire", "description": "教学楼二楼灭火器过期"},
            )
        ]
    )
    due = (now + timedelta(days=5)).date().isoformat()
    assign = {
        "hazard_id": hazard_id,
        "action": "assign",
        "department": "education_office",
        "due_date": due,
    }
    supervisor.push([("hazard.transition", now - timedelta(days=1), assign)])

    page = phone.open()
    phone.login("member_a2")
    page.goto(f"{server}/#/hazard")
    item = page.locator(f"[data-rectify='{hazard_id}']")
    item.wait_for()
    phone.context.set_offline(True)
    item.locator("[data-action=rectify]").click()
    page.fill("[name=fix_note]", "已更换灭火器并张贴检查卡")
    page.set_input_files("[name=fix_photos]", str(camera_photo(tmp_path / "fix.jpg")))
    page.wait_for_selector("[data-fix-thumbs] img")
    shot_at(page, item, tmp_path, "hazard-rectify")
    item.locator("[data-action=send-fix]").click()
    page.wait_for_selector(f"[data-rectify='{hazard_id}'] [data-fix-pending]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    session.rollback()  # a new read: the last one held its snapshot
    assert session.get(Hazard, hazard_id).status == "rectified"
    [fix] = session.exec(
        select(HazardEvent).where(
            HazardEvent.hazard_id == hazard_id, HazardEvent.action == "rectify"
        )
    ).all()
    assert fix.comment == "已更换灭火器并张贴检查卡" and len(fix.photos) == 1
    assert session.get(Photo, fix.photos[0]) is not None  # uploaded after the record

    # a second fix whose photo never left its phone: named as not uploaded, 验收 held back
    [other] = reporter.push(
        [
            (
                "hazard.report",
                now - timedelta(days=2),
                {"site_id": a, "category": "collapse", "description": "围墙裂缝"},
            )
        ]
    )
    supervisor.push(
        [("hazard.transition", now - timedelta(days=1), {**assign, "hazard_id": other})]
    )
    stuck = {"hazard_id": other, "action": "rectify", "photos": ["ab" * 32], "comment": "已加固"}
    reporter.push([("hazard.transition", now - timedelta(hours=1), stuck)])

    desk = Phone(playwright, server, tmp_path / "supervisor")
    try:
        spage = desk.open()
        desk.login("supervisor")
        spage.goto(f"{server}/#/console-hazards")
        card = spage.locator(f"[data-hazard='{hazard_id}']")
        card.wait_for()
        assert card.locator("[data-action=close]").is_enabled()
        held = spage.locator(f"[data-hazard='{other}']")
        assert held.locator("[data-action=close]").is_disabled()
        assert "照片未上传 1 张" in held.text_content()
        assert held.locator("[data-action=photos]").count() == 0  # no link that would 404
        shot_at(spage, held, tmp_path, "console-hazards-fix-photos")
        card.locator("[data-action=close]").click()
        spage.wait_for_selector(f"[data-hazard='{hazard_id}'][data-status=closed]")
    finally:
        desk.close()
    session.rollback()  # a new read: the last one held its snapshot
    assert session.get(Hazard, hazard_id).status == "closed"
    assert session.get(Hazard, other).status == "rectified"


def test_a_visitor_waits_for_the_host_offline_and_leaves_with_the_van_checked(
    phone, server, session, town, playwright, tmp_path
):
    page = phone.open()
    phone.login("gate_a")
    page.goto(f"{server}/#/gate")
    page.wait_for_selector("form[data-form=visitor]")
    phone.context.set_offline(True)
    page.fill("[name=visitor_name]", "送货员 刘师傅")
    page.fill("[name=visiting]", "食堂 李师傅")
    page.fill("[name=vehicle_plate]", "鄂a12345")
    page.fill("[name=goods]", "食堂蔬菜")
    page.fill("[name=pass_slip_no]", "CM-0042")
    page.click("form[data-form=visitor] button[type=submit]")  # the box is not ticked: asked
    van = page.locator("[data-visitor][data-visitor-state=waiting]")
    van.wait_for()
    page.fill("[name=visitor_name]", "推销员 周某")
    page.fill("[name=visiting]", "校长")
    page.click("form[data-form=visitor] button[type=submit]")
    page.wait_for_selector("[data-visitor][data-visitor-state=waiting] >> nth=1")
    shot_at(page, van.first, tmp_path, "gate-visitor-waiting")

    # the host agrees by phone (a colleague answers for her); the other host refuses
    page.locator("[data-visitor]", has_text="刘师傅").locator("[name=decide_by]").fill(
        "总务处 王老师"
    )
    page.locator("[data-visitor]", has_text="刘师傅").locator(
        "[data-action=visitor-approve]"
    ).click()
    page.wait_for_selector("[data-visitor][data-visitor-state=inside]")
    page.locator("[data-visitor]", has_text="周某").locator("[data-action=visitor-refuse]").click()
    page.wait_for_selector("[data-visitor][data-visitor-state=refused]")
    assert (
        page.locator(
            "[data-visitor][data-visitor-state=refused] [data-action=visitor-leave]"
        ).count()
        == 0
    )
    inside = page.locator("[data-visitor][data-visitor-state=inside]")
    assert "总务处 王老师" in inside.text_content()

    # the van leaves only checked against the pass slip
    inside.locator("[data-action=visitor-leave]").click()
    assert "出门条" in page.text_content("[data-msg]")
    inside.locator("[name=slip_check]").select_option("matched")
    inside.locator("[data-action=visitor-leave]").click()
    page.wait_for_selector("[data-visitor][data-visitor-state=left]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    session.rollback()  # a new read: the last one held its snapshot
    rows = {v.name: v for v in session.exec(select(VisitorEntry)).all()}
    liu, zhou = rows["送货员 刘师傅"], rows["推销员 周某"]
    assert (liu.approval, liu.approved_by_name, liu.approval_via) == (
        "approved",
        "总务处 王老师",
        "phone",
    )
    assert liu.approval_recorded_by == town.users["gate_a"].id and liu.approval_at is not None
    assert (liu.exit_slip_check, liu.exit_flag, liu.vehicle_plate) == ("matched", None, "鄂A12345")
    assert liu.time_out is not None and not liu.unapproved_entry
    assert (zhou.approval, zhou.approved_by_name, zhou.time_out) == ("refused", "校长", None)

    # another gate phone: one visitor let in and still inside, one from an older app whose
    # unticked box was shown as inside
    a = town.sites["a"].id
    Api(server, "gate_a").push(
        [
            (
                "visitor.enter",
                datetime.now(UTC),
                {
                    "site_id": a,
                    "name": "家长 吴女士",
                    "visiting": "三(2)班 班主任",
                    "approval": "approved",
                    "approval_via": "in_person",
                },
            ),
            (
                "visitor.enter",
                datetime.now(UTC),
                {
                    "site_id": a,
                    "name": "维修工 孙师傅",
                    "visiting": "总务处",
                    "host_approved": False,
                },
            ),
        ]
    )

    # the supervisor's register: who is inside, who entered without approval
    desk = Phone(playwright, server, tmp_path / "supervisor")
    try:
        spage = desk.open()
        desk.login("supervisor")
        spage.goto(f"{server}/#/console-visitors")
        spage.wait_for_selector("[data-console-body] [data-counts]")
        assert "家长 吴女士" in spage.text_content("[data-inside]")
        assert spage.locator("[data-inside] [data-visitor-row]").count() == 1
        assert "维修工 孙师傅" in spage.text_content("[data-unapproved]")
        assert "刘师傅" not in spage.text_content("[data-inside]")
        assert "未准入 1" in spage.text_content("[data-counts]")
        assert "已离校 1" in spage.text_content("[data-counts]")
        shot(spage, tmp_path, "console-visitors-phone")
        spage.set_viewport_size({"width": 1280, "height": 900})
        spage.wait_for_timeout(200)
        shot(spage, tmp_path, "console-visitors-desktop")
    finally:
        desk.close()

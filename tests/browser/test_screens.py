"""Each main screen in Chinese at a phone viewport; the shared-phone and leader rules."""

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from app.shifts.models import PatrolShift, ShiftReview
from tests.browser.helpers import camera_photo
from tests.factories import PASSWORD

# PATROL_SCREENSHOTS=docs/screenshots regenerates the committed screenshots.
SHOTS = os.environ.get("PATROL_SCREENSHOTS")


def ended_shift_by(base: str, username: str, codes: list[str]) -> str:
    """A member's shift recorded on another phone: started, some checkpoints, ended."""
    with httpx.Client(base_url=base) as c:
        tok = c.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {tok['access_token']}"}
        me = c.get("/api/auth/me", headers=headers).json()
        boot = c.get("/api/sync/bootstrap", headers=headers).json()
        group = boot["groups"][0]
        t0 = datetime.now(UTC) - timedelta(hours=8)
        shift_id = str(uuid.uuid4())
        muts = [
            {
                "id": shift_id,
                "type": "shift.start",
                "occurred_at": t0.isoformat(),
                "payload": {
                    "site_id": group["site_ids"][0],
                    "group_id": group["id"],
                    # the leader reviews it, so she is not on it (own_shift_review)
                    "member_ids": [
                        m["id"] for m in group["members"] if m["id"] != group["leader_id"]
                    ][:3]
                    + [me["id"]],
                },
            }
        ]
        for i, code in enumerate(codes):
            muts.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": "shift.scan",
                    "occurred_at": (t0 + timedelta(hours=i + 1)).isoformat(),
                    "payload": {"shift_id": shift_id, "checkpoint_code": code},
                }
            )
        muts.append(
            {
                "id": str(uuid.uuid4()),
                "type": "shift.end",
                "occurred_at": (t0 + timedelta(hours=7)).isoformat(),
                "payload": {"shift_id": shift_id},
            }
        )
        body = {"sent_at": datetime.now(UTC).isoformat(), "outbox_depth": 0, "mutations": muts}
        res = c.post("/api/sync/push", json=body, headers=headers).json()
        assert {r["status"] for r in res["results"]} == {"applied"}, res
        return shift_id


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(150)  # let the last re-render settle before the picture
    page.screenshot(path=str(folder / f"{name}.png"))


def test_each_main_screen_works_in_chinese_at_phone_size(phone, server, tmp_path, session):
    shift_id = ended_shift_by(server, "member_a2", ["A-CP1", "A-CP3"])
    page = phone.open()
    phone.goto()
    page.wait_for_selector("form[data-form=login]")
    assert page.text_content("form[data-form=login] h2") == "登录"
    shot(page, tmp_path, "login")

    phone.login("leader_a")
    page.goto(f"{server}/#/patrol")
    page.wait_for_selector("[data-action=start-shift]")
    for box in page.locator("[data-members] input[type=checkbox]").all()[:4]:
        box.check()
    page.click("[data-action=start-shift]")
    page.fill("[name=checkpoint-code]", "A-CP1")
    page.press("[name=checkpoint-code]", "Enter")
    page.wait_for_selector("[data-cp='A-CP1'].done")
    phone.wait_synced()
    assert "巡逻" in page.text_content("[data-open-shift]")
    shot(page, tmp_path, "patrol")

    page.goto(f"{server}/#/hazard")
    page.select_option("[name=category]", "surroundings")
    page.select_option("[name=place_type]", "internet_cafe")
    page.select_option("[name=severity]", "high")
    page.fill("textarea[name=description]", "学校东门外约150米新开一家网吧，有学生放学后进出。")
    page.set_input_files("[name=photos]", str(camera_photo(tmp_path / "p.jpg")))
    page.wait_for_selector("[data-thumbs] img")
    shot(page, tmp_path, "hazard")
    page.click("form[data-form=hazard] button[type=submit]")

    page.goto(f"{server}/#/gate")
    page.locator("[data-window]").first.locator("[data-action=check-in]").click()
    page.wait_for_selector("[data-window] [data-gate-count='1']")
    page.fill("[name=visitor_name]", "刘师傅")
    page.fill("[name=visiting]", "总务处 王老师")
    page.check("[name=host_approved]")
    page.fill("[name=vehicle_plate]", "鄂A12345")
    page.click("form[data-form=visitor] button[type=submit]")
    page.wait_for_selector("[data-visitor]")
    phone.wait_synced()
    assert "在岗 1 / 应到 4 人" in page.text_content("[data-window]")
    shot(page, tmp_path, "gate")

    page.goto(f"{server}/#/leader")
    card = page.locator(f"[data-shift='{shift_id}']")
    card.wait_for()
    assert card.locator("[data-missed]").get_attribute("data-missed") == "2"
    assert "漏打卡" in card.text_content()
    shot(page, tmp_path, "leader")

    # Return without a comment is refused on the phone; with one it is recorded.
    card.locator("[data-action=return]").click()
    assert "请填写意见" in page.text_content("[data-msg]")
    card.locator("[name=comment]").fill("东门巡逻点漏打卡，请补充说明。")
    card.locator("[data-action=return]").click()
    page.wait_for_selector(f"[data-shift='{shift_id}']", state="detached")
    phone.wait_synced()
    session.rollback()
    assert session.get(PatrolShift, shift_id).status == "returned"
    assert len(session.exec(select(ShiftReview)).all()) == 1

    page.goto(f"{server}/#/home")
    page.wait_for_selector("[data-records] li[data-record]")
    shot(page, tmp_path, "home")


def test_the_next_user_of_a_shared_phone_never_sees_the_previous_users_records(phone):
    page = phone.open()
    phone.login("member_a1")
    phone.context.set_offline(True)
    page.goto(f"{phone.base}/#/hazard")
    page.fill("textarea[name=description]", "食堂后门消防栓被杂物遮挡")
    page.click("form[data-form=hazard] button[type=submit]")
    page.wait_for_function("() => window.patrolApp.store.state.pending === 1")

    # Logging out with a pending record warns first and keeps the record.
    page.goto(f"{phone.base}/#/home")
    page.context.route("**/api/sync/push", lambda route: route.abort())
    phone.context.set_offline(False)
    page.click("[data-action=logout]")
    page.wait_for_selector("form[data-form=login]")
    assert len(phone.dialogs) == 1 and "1 条记录未上传" in phone.dialogs[0]

    # Another user logs in: nothing of the first user's shows, but the phone says some wait.
    page.fill("[name=username]", "member_b1")
    page.fill("[name=password]", PASSWORD)
    page.click("form[data-form=login] button[type=submit]")
    page.wait_for_selector("body[data-view=home]")
    page.wait_for_function("() => window.patrolApp.store.state.pendingOthers === 1")
    assert page.locator("[data-records] li[data-record]").count() == 0
    assert "食堂后门" not in page.content()

    # The first user comes back: the record is still there and goes out.
    page.context.unroute("**/api/sync/push")
    page.evaluate("() => window.patrolApp.logout()")
    page.wait_for_selector("form[data-form=login]")
    phone.login("member_a1")
    page.wait_for_selector("[data-records] li[data-state=synced]")
    assert "食堂后门" in page.text_content("[data-records]")

"""Admin screens in Chromium: an admin sets up a new town's school without leaving the app:
the site, its gate windows and checkpoints, users by CSV upload (a wrong file shows its line
errors and imports nothing), a patrol group with its leader, members and site, the printable QR
sheet (fetched with the token, never a 401 page) and the audit trail with before and after."""

import os
from pathlib import Path

from sqlmodel import select

from app.auth.models import User
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Checkpoint, GateWindow, Site

SHOTS = os.environ.get("PATROL_SCREENSHOTS")  # PATROL_SCREENSHOTS=docs/screenshots
DESKTOP = {"width": 1280, "height": 900}

BAD_USERS = (
    "username,display_name,password,roles,phone\n"
    "zhoujie,周杰,qingshan-2026,member,13800000011\n"
    "x,吴磊,short,组长,13800000012\n"
)
GOOD_USERS = (
    "username,display_name,password,roles,phone\n"
    "zhoujie,周杰,qingshan-2026,组长;巡逻人员,13800000011\n"
    "wulei,吴磊,qingshan-2026,member,13800000012\n"
    "sunli,孙丽,qingshan-2026,member,13800000013\n"
    "heping,何平,qingshan-2026,member,13800000014\n"
    "guoqiang,郭强,qingshan-2026,member,13800000015\n"
)


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    # The whole screen in one picture, with the sticky bars where a user sees them.
    height = min(2200, page.evaluate("() => document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": DESKTOP["width"], "height": height})
    page.wait_for_timeout(150)
    page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size(DESKTOP)


def test_admin_sets_up_a_new_school_and_prints_its_qr_sheet_in_the_app(
    phone, server, session, tmp_path
):
    page = phone.open()
    page.set_viewport_size(DESKTOP)
    phone.login("admin")
    page.click("[data-tab=admin-sites]")
    page.wait_for_selector("[data-site-list] table")

    # The site.
    form = page.locator("form[data-form=site]")
    form.get_by_label("名称").fill("青山镇第三小学")
    form.get_by_label("地址").fill("青山镇人民路8号")
    form.get_by_label("纬度").fill("30.612")
    form.get_by_label("经度").fill("114.318")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-site-detail] [data-site-id]")
    assert "青山镇第三小学" in page.inner_text("[data-site-list]")

    # Its gate windows (上学 / 放学) and checkpoints.
    for name, kind, starts, ends in (
        ("上学", "arrival", "07:30", "08:20"),
        ("放学", "dismissal", "16:30", "17:20"),
    ):
        w = page.locator("form[data-form=window]")
        w.get_by_label("名称").fill(name)
        w.locator("select[name=kind]").select_option(kind)
        w.locator("input[name=starts]").fill(starts)
        w.locator("input[name=ends]").fill(ends)
        w.locator("button[type=submit]").click()
        page.wait_for_selector(f"[data-site-detail] tr[data-window] >> text={name}")
    for code, name in (("SX3-01", "学校大门"), ("SX3-02", "操场"), ("SX3-03", "食堂后门")):
        c = page.locator("form[data-form=checkpoint]")
        c.get_by_label("巡逻点名称").fill(name)
        c.get_by_label("编号").fill(code)
        c.locator("button[type=submit]").click()
        page.wait_for_selector(f"[data-site-detail] tr[data-checkpoint='{code}']")
    # A code already printed elsewhere in the town is refused with the server's reason.
    c = page.locator("form[data-form=checkpoint]")
    c.get_by_label("巡逻点名称").fill("重复")
    c.get_by_label("编号").fill("SX3-01")
    c.locator("button[type=submit]").click()
    page.wait_for_selector("[data-msg] .msg.bad")
    shot(page, tmp_path, "admin-sites")

    # Users by CSV: a wrong file shows every bad line and imports nothing.
    page.click("[data-admin-tab=users]")
    page.wait_for_selector("[data-user-list] table")
    bad = tmp_path / "users-bad.csv"
    bad.write_text(BAD_USERS, encoding="utf-8-sig")
    page.set_input_files("[data-csv-file=users]", str(bad))
    page.click("form[data-form=import-users] button[type=submit]")
    page.wait_for_selector("[data-line-errors] li[data-line='3']")
    lines = page.locator("[data-line-errors] li").evaluate_all(
        "els => els.map(e => e.dataset.line)"
    )
    assert set(lines) == {"3"}, lines
    session.rollback()
    assert session.exec(select(User).where(User.username == "zhoujie")).first() is None
    shot(page, tmp_path, "admin-users-csv-errors")
    good = tmp_path / "users.csv"
    good.write_text(GOOD_USERS, encoding="utf-8")
    page.set_input_files("[data-csv-file=users]", str(good))
    page.click("form[data-form=import-users] button[type=submit]")
    page.wait_for_selector("[data-user-list] tr[data-user=guoqiang]")
    assert "已导入 5 条" in page.inner_text("[data-msg]")

    # The group: name, leader, members, the new school.
    page.click("[data-admin-tab=groups]")
    g = page.locator("form[data-form=group]")
    g.wait_for()
    g.get_by_label("组名").fill("第三小学巡逻组")
    g.locator("select[name=leader_id]").select_option(label="周杰（zhoujie）")
    g.locator("select[name=member_ids]").select_option(
        label=["吴磊（wulei）", "孙丽（sunli）", "何平（heping）", "郭强（guoqiang）"]
    )
    g.locator("select[name=site_ids]").select_option(label="青山镇第三小学")
    g.locator("button[type=submit]").click()
    card = page.locator("[data-group='第三小学巡逻组']")
    card.wait_for()
    # the leader is a member of her group too
    assert card.locator("[data-members] li").count() == 5
    shot(page, tmp_path, "admin-groups")

    session.rollback()
    site = session.exec(select(Site).where(Site.name == "青山镇第三小学")).one()
    windows = session.exec(select(GateWindow).where(GateWindow.site_id == site.id)).all()
    assert sorted((w.kind, w.starts.strftime("%H:%M")) for w in windows) == [
        ("arrival", "07:30"),
        ("dismissal", "16:30"),
    ]
    codes = session.exec(select(Checkpoint.code).where(Checkpoint.site_id == site.id)).all()
    assert sorted(codes) == ["SX3-01", "SX3-02", "SX3-03"]
    group = session.exec(select(PatrolGroup).where(PatrolGroup.name == "第三小学巡逻组")).one()
    leader = session.exec(select(User).where(User.username == "zhoujie")).one()
    assert group.leader_id == leader.id and "leader" in leader.roles
    members = session.exec(select(GroupMember).where(GroupMember.group_id == group.id)).all()
    assert len(members) == 5
    assert session.get(GroupSite, (group.id, site.id)) is not None

    # The QR sheet opens inside the app, fetched with the token: one card per checkpoint.
    page.click("[data-admin-tab=sites]")
    page.locator(f"[data-site-list] tr[data-site='{site.id}'] [data-action=open-site]").click()
    page.click("[data-site-detail] [data-action=qr-sheet]")
    page.wait_for_selector(f"[data-qr-sheet='{site.id}'] table.sheet svg")
    sheet = page.locator("[data-qr-sheet] table.sheet td")
    assert sheet.count() == 3
    assert "SX3-02" in page.inner_text("[data-qr-sheet]")
    assert page.is_enabled("[data-action=print-sheet]")
    shot(page, tmp_path, "admin-qr-sheet")
    # Print shows only the sheet: the app's chrome is hidden in print media.
    page.evaluate("() => { document.body.dataset.printOnly = 'sheet'; }")
    page.emulate_media(media="print")
    assert not page.is_visible("[data-nav]")
    assert not page.is_visible("[data-action=print-sheet]")
    assert page.is_visible("[data-qr-sheet] table.sheet")
    page.emulate_media(media="screen")

    # The audit trail names who changed what, with before and after.
    page.goto(f"{server}/#/admin-audit")
    page.wait_for_selector("tr[data-action='group.create']")
    row = page.locator("tr[data-action='site.create']").first
    assert "青山镇第三小学" in row.inner_text()
    assert "管理员" in row.inner_text()
    shot(page, tmp_path, "admin-audit")

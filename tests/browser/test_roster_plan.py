"""A leader plans and submits next week's duty roster (值班表) in the app, in Chromium.

This week's roster is already on the server (4 people on every 8-hour duty at both of group
A's sites); the town office (an admin) opened next week's as a draft with a deadline. The
leader copies last week, takes one person off one duty, sees that duty fall short of "at least
4 on duty" and the deadline before submitting, and submits. Weeks are counted from today in
Asia/Shanghai, as the phone counts them, so the test is in tests/clock_run.py DATE_SENSITIVE.
"""

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from app.groups.models import Roster, RosterShift, RosterShiftMember
from tests.factories import PASSWORD

SHOTS = os.environ.get("PATROL_SCREENSHOTS")  # PATROL_SCREENSHOTS=docs/screenshots
ZONE = ZoneInfo("Asia/Shanghai")
DESKTOP = {"width": 1280, "height": 900}


def token(c: httpx.Client, username: str) -> dict:
    tok = c.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tok['access_token']}"}


def test_leader_copies_last_week_sees_the_rules_and_submits_next_weeks_roster(
    phone, server, town, session, tmp_path
):
    group = town.groups["a"]
    sites = [town.sites["a"], town.sites["a2"]]
    people = [town.users[f"member_a{i}"].id for i in range(1, 5)]
    this_monday = datetime.now(ZONE).date()
    this_monday -= timedelta(days=this_monday.weekday())
    next_monday = this_monday + timedelta(days=7)
    due = datetime.combine(this_monday + timedelta(days=4), time(18), ZONE)
    with httpx.Client(base_url=server, timeout=30) as c:
        leader = token(c, "leader_a")
        now_r = c.post(
            "/api/rosters",
            headers=leader,
            json={
                "group_id": group.id,
                "period_start": this_monday.isoformat(),
                "period_end": (this_monday + timedelta(days=6)).isoformat(),
            },
        ).json()
        for d in range(7):
            for site in sites:
                for k in range(3):
                    starts = datetime.combine(this_monday + timedelta(days=d), time(8 * k), ZONE)
                    res = c.post(
                        f"/api/rosters/{now_r['id']}/shifts",
                        headers=leader,
                        json={
                            "site_id": site.id,
                            "starts_at": starts.isoformat(),
                            "ends_at": (starts + timedelta(hours=8)).isoformat(),
                            "member_ids": people,
                        },
                    )
                    assert res.status_code == 201, res.text
        office = token(c, "admin")
        res = c.post(
            "/api/rosters",
            headers=office,
            json={
                "group_id": group.id,
                "period_start": next_monday.isoformat(),
                "period_end": (next_monday + timedelta(days=6)).isoformat(),
                "due_at": due.isoformat(),
            },
        )
        assert res.status_code == 201, res.text
        next_id = res.json()["id"]

    page = phone.open()
    page.set_viewport_size(DESKTOP)
    phone.login("leader_a")
    page.goto(f"{server}/#/roster-plan")
    page.wait_for_selector(f"[data-week='{next_monday.isoformat()}']")
    page.wait_for_selector("[data-roster-grid] td.cell")
    # The deadline and the rules are shown before anything is submitted.
    check = page.locator("[data-precheck]")
    assert "上报截止" in check.inner_text() or "已过上报截止时间" in check.inner_text()
    assert due.strftime("%m-%d") in check.inner_text()
    assert page.locator("[data-roster-grid] td.cell.empty").count() == 42

    page.click("[data-action=copy-last-week]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-roster-grid] td.cell.ok').length === 42"
    )
    assert check.locator("[data-understaffed='0']").count() == 1

    # Wednesday's night duty at the school: one person off, now short of 4.
    wednesday = (next_monday + timedelta(days=2)).isoformat()
    duty = f"{sites[0].id}|00:00|480"
    page.click(f"td.cell[data-day='{wednesday}'][data-duty='{duty}'] button")
    editor = page.locator("[data-editing]")
    editor.locator("input[type=checkbox]:checked").first.uncheck()
    assert "3人" in editor.inner_text()
    editor.locator("[data-action=save-duty]").click()
    page.wait_for_selector(f"td.cell.short[data-day='{wednesday}'][data-duty='{duty}']")
    page.wait_for_selector("[data-precheck] [data-understaffed='1']")
    assert "1 个班次值班人员不足4人" in check.inner_text()
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        height = min(2200, page.evaluate("() => document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": DESKTOP["width"], "height": height})
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(150)
        page.screenshot(path=str(folder / "roster-plan.png"))
        page.set_viewport_size(DESKTOP)

    # Online only, and it says so: offline the changes and the submission are switched off.
    phone.context.set_offline(True)
    page.wait_for_selector("[data-offline-note]:not([hidden])")
    assert page.is_disabled("[data-action=submit-roster]")
    phone.context.set_offline(False)
    page.wait_for_selector("[data-action=submit-roster]:enabled")

    page.click("[data-action=submit-roster]")
    page.wait_for_selector("[data-precheck] [data-submitted]")
    assert any("确定上报" in d for d in phone.dialogs)
    assert page.locator("[data-roster-grid] td.cell button:enabled").count() == 0

    session.rollback()
    roster = session.get(Roster, next_id)
    assert roster.submitted_at is not None
    shifts = session.exec(select(RosterShift).where(RosterShift.roster_id == next_id)).all()
    assert len(shifts) == 42
    sizes = sorted(
        len(
            session.exec(
                select(RosterShiftMember).where(RosterShiftMember.roster_shift_id == s.id)
            ).all()
        )
        for s in shifts
    )
    assert sizes == [3] + [4] * 41

    # The leader's roster list names each duty's day, never a bare "00:00 – 08:00".
    page.goto(f"{server}/#/leader")
    page.wait_for_selector(f"[data-roster-id='{next_id}'] [data-span]")
    # textContent: the list lays out only the items on screen (content-visibility)
    spans = page.locator(f"[data-roster-id='{next_id}'] [data-span]").all_text_contents()
    assert len(spans) == 42
    day_span = re.compile(r"^\d\d-\d\d 周[一二三四五六日] \d\d:\d\d–\d\d:\d\d$")
    bad = [s for s in spans if not day_span.match(s)]
    assert not bad, bad
    if SHOTS:
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(150)
        page.screenshot(path=str(Path(SHOTS) / "leader-roster.png"))

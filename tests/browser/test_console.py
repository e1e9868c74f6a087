"""Supervisor console (督查) in Chromium: each view shows the town's rules being kept or not.

The data is recorded through the real push API, as phones would send it, on "the day": the
last Sunday before today (local Asia/Shanghai), so no gate window is expected anywhere but at
school A, whose gate saw checks that day (a make-up school day). That day school A had a
4-person shift 00:00-08:00, nobody 08:00-09:00 and a 3-person shift 09:00-24:00; three
distinct staff (one twice) checked in at its arrival window; hazards in several states, one
within 300 m with a photo, one overdue; a visitor and a hazard whose text is an XSS string.
"""

import hashlib
import io
import os
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image

from app.hazards.models import Hazard
from tests.browser.helpers import XSS
from tests.factories import PASSWORD

SHOTS = os.environ.get("PATROL_SCREENSHOTS")  # PATROL_SCREENSHOTS=docs/screenshots
ZONE = ZoneInfo("Asia/Shanghai")
DESKTOP = {"width": 1280, "height": 800}


def local(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(0), tzinfo=ZONE) + timedelta(hours=hh, minutes=mm)


class Api:
    """One user's phone talking to the server directly."""

    def __init__(self, base: str, username: str):
        self.c = httpx.Client(base_url=base, timeout=30)
        tok = self.c.post(
            "/api/auth/login",
            json={"username": username, "password": PASSWORD, "device_id": f"dev-{username}-01"},
        ).json()
        self.headers = {"Authorization": f"Bearer {tok['access_token']}"}
        self.me = self.c.get("/api/auth/me", headers=self.headers).json()

    def push(self, muts, *, depth=0, clock_behind_s=0) -> list[str]:
        """Sends mutations [(type, occurred_at, payload)]; returns their ids."""
        sent = datetime.now(UTC) - timedelta(seconds=clock_behind_s)
        body = {
            "sent_at": sent.isoformat(),
            "outbox_depth": depth,
            "mutations": [
                {
                    "id": str(uuid.uuid4()),
                    "type": typ,
                    "occurred_at": (when - timedelta(seconds=clock_behind_s)).isoformat(),
                    "payload": payload,
                }
                for typ, when, payload in muts
            ],
        }
        res = self.c.post("/api/sync/push", json=body, headers=self.headers)
        assert res.status_code == 200, res.text
        results = res.json()["results"]
        assert {r["status"] for r in results} == {"applied"}, results
        return [m["id"] for m in body["mutations"]]

    def photo(self, color) -> str:
        buf = io.BytesIO()
        Image.new("RGB", (320, 240), color).save(buf, "JPEG")
        data = buf.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        res = self.c.put(
            f"/api/photos/{sha}",
            content=data,
            headers={**self.headers, "Content-Type": "image/jpeg"},
        )
        assert res.status_code in (200, 201), res.text
        return sha

    def get(self, path, **params):
        res = self.c.get(path, params=params, headers=self.headers)
        assert res.status_code == 200, res.text
        return res.json()


def last_sunday_before(today: date) -> date:
    """1 to 7 days back: always in the past, always a day without school."""
    return today - timedelta(days=(today.weekday() + 1) % 7 or 7)


@pytest.fixture
def seeded(server, town):
    """The day described in the module docstring; returns names of what was made."""
    y = last_sunday_before(datetime.now(ZONE).date())
    a = town.sites["a"].id
    u = town.users
    leader = Api(server, "leader_a")
    members4 = [u["leader_a"].id, u["member_a1"].id, u["member_a2"].id, u["member_a3"].id]
    (s1,) = leader.push([("shift.start", local(y, 0), {"site_id": a, "member_ids": members4})])
    leader.push([("shift.end", local(y, 8), {"shift_id": s1})])
    # The recorder is always one of the shift's people: member_a1 records the 3-person shift.
    a1 = Api(server, "member_a1")
    (s2,) = a1.push([("shift.start", local(y, 9), {"site_id": a, "member_ids": members4[1:]})])
    a1.push([("shift.end", local(y, 24), {"shift_id": s2})])

    # Gate: three distinct staff at the arrival window, one of them twice: a shortfall.
    window = town.windows["a"][0].id
    gate = Api(server, "gate_a")
    check = {"site_id": a, "window_id": window, "local_date": y.isoformat(), "direction": "in"}
    gate.push([("gate.check", local(y, 7, 25), check), ("gate.check", local(y, 7, 26), check)])
    for name in ("member_a1", "member_a2"):
        Api(server, name).push([("gate.check", local(y, 7, 28), check)])
    # A visitor logged on a phone whose clock is an hour slow: a clock flag in the logs.
    visitor = {"site_id": a, "name": XSS, "visiting": "总务处 王老师", "host_approved": True}
    gate.push([("visitor.enter", local(y, 10), visitor)], depth=3, clock_behind_s=3600)

    # Hazards, reported by a member.
    m = Api(server, "member_a1")
    near = m.photo((200, 40, 40))
    hz = {"site_id": a, "severity": "high"}
    (h_xss, h_near, h_late, h_done) = m.push(
        [
            ("hazard.report", local(y, 11), {**hz, "category": "fire", "description": XSS}),
            (
                "hazard.report",
                local(y, 12),
                {
                    **hz,
                    "category": "surroundings",
                    "place_type": "internet_cafe",
                    "description": "学校东门外约150米新开一家网吧",
                    "lat": 30.5012,
                    "lon": 114.3011,
                    "within_300m": True,
                    "distance_m": 150,
                    "photos": [near],
                },
            ),
            (
                "hazard.report",
                local(y, 13),
                {**hz, "category": "food_hygiene", "description": "小卖部出售过期食品"},
            ),
            (
                "hazard.report",
                local(y, 14),
                {**hz, "category": "traffic", "description": "校门口缺少减速带"},
            ),
        ]
    )
    sup = Api(server, "supervisor")
    sup.push(
        [
            (
                "hazard.transition",
                local(y, 15),
                {
                    "hazard_id": h_late,
                    "action": "assign",
                    "department": "market_regulation",
                    "due_date": (y - timedelta(days=3)).isoformat(),
                },
            ),
            (
                "hazard.transition",
                local(y, 15, 5),
                {
                    "hazard_id": h_done,
                    "action": "assign",
                    "department": "traffic_police",
                    "due_date": (y + timedelta(days=10)).isoformat(),
                },
            ),
        ]
    )
    fix = m.photo((40, 160, 40))
    m.push(
        [
            (
                "hazard.transition",
                local(y, 16),
                {"hazard_id": h_done, "action": "rectify", "photos": [fix]},
            )
        ]
    )

    # Group A's roster for the day plans member_a4 for the night; member_a4 never came.
    ros = leader.c.post(
        "/api/rosters",
        json={
            "group_id": town.groups["a"].id,
            "period_start": y.isoformat(),
            "period_end": y.isoformat(),
        },
        headers=leader.headers,
    ).json()
    leader.c.post(
        f"/api/rosters/{ros['id']}/shifts",
        json={
            "site_id": a,
            "starts_at": local(y, 0).isoformat(),
            "ends_at": local(y, 8).isoformat(),
            "member_ids": [
                u["leader_a"].id,
                u["member_a1"].id,
                u["member_a2"].id,
                u["member_a4"].id,
            ],
        },
        headers=leader.headers,
    ).raise_for_status()
    leader.c.post(f"/api/rosters/{ros['id']}/submit", headers=leader.headers).raise_for_status()
    return {
        "day": y,
        "site_a": a,
        "xss": h_xss,
        "near": h_near,
        "late": h_late,
        "done": h_done,
        "near_photo": near,
    }


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    # A full-page picture: the fixed bottom tabs go to the end of the page instead of the middle.
    page.evaluate("() => { document.querySelector('[data-nav]').style.position = 'static'; }")
    page.wait_for_timeout(150)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    page.evaluate("() => { document.querySelector('[data-nav]').style.position = ''; }")


def open_view(phone, view: str):
    page = phone.page
    page.goto(f"{phone.base}/#/console-{view}")
    page.wait_for_selector(f"body[data-view=console-{view}]")
    page.wait_for_selector("[data-console-body] > *")
    return page


def load_with(page, view: str, **fields) -> None:
    form = page.locator(f"form[data-form=console-{view}]")
    for name, value in fields.items():
        el = form.locator(f"[name={name}]")
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(str(value))
        else:
            el.fill(str(value))
    form.locator("[data-action=load]").click()
    # The view's own load marks its message area until it has drawn (or said why not).
    page.wait_for_selector("[data-msg]:empty:not([data-loading])", state="attached")


def test_coverage_day_shows_the_hour_nobody_patrolled_and_the_hours_under_4(
    phone, seeded, tmp_path
):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "coverage")
    load_with(page, "coverage", date=seeded["day"].isoformat(), site_id=seeded["site_a"])
    card = page.locator(f"[data-site-id='{seeded['site_a']}']")
    assert card.locator("[data-gap='08:00-09:00']").count() == 1
    assert "无人巡逻 08:00–09:00" in card.text_content()
    assert card.locator("[data-under='09:00-24:00']").count() == 1
    assert "仅 3 人在岗" in card.text_content()
    assert card.locator("svg.timeline rect.seg.gap").count() == 1
    assert "无人巡逻 1.0 小时" in card.locator("[data-totals]").text_content()
    both_sizes(phone, tmp_path, "coverage", "console-coverage-day")

    # Week heat map: the day's cell at school A is marked as a day with a gap.
    load_with(page, "coverage", mode="week", date=seeded["day"].isoformat(), site_id="")
    cell = page.locator(
        f"svg.heatmap rect[data-site='{seeded['site_a']}'][data-date='{seeded['day']}']"
    )
    assert cell.get_attribute("data-state") == "gap"
    load_with(page, "coverage", mode="month")
    both_sizes(phone, tmp_path, "coverage", "console-coverage-heatmap")


def test_logs_show_device_corrected_and_received_times_and_stay_readable_offline(
    phone, seeded, tmp_path
):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "logs")
    page.wait_for_selector("[data-logs] li[data-log]")
    rows = page.locator("[data-logs] li[data-log]")
    # Newest first by corrected time; the slow phone's visitor is flagged and shown as text.
    times = rows.evaluate_all(
        "els => els.map(e => e.querySelector('[data-event-time]').textContent)"
    )
    assert times == sorted(times, reverse=True)
    visitor = page.locator("[data-logs] li[data-type=visitor]")
    assert "skew" in visitor.get_attribute("data-flag").split(",")
    assert "手机时间偏差" in visitor.text_content()
    assert visitor.locator("[data-detail]").text_content() == XSS
    assert page.locator("[data-logs] img").count() == 0
    device = visitor.locator("[data-device-time]").text_content()
    corrected = visitor.locator("[data-event-time]").text_content()
    assert device != corrected  # an hour apart
    both_sizes(phone, tmp_path, "logs")

    # Only the clock-flagged records.
    page.check("[name=flagged]")
    page.click("form[data-form=console-logs] [data-action=load]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-logs] li[data-log]').length === 1"
    )
    n = rows.count()

    # Offline, after a reload: the last loaded page is still there, with the notice.
    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page.wait_for_selector("[data-logs] li[data-log]")
    assert rows.count() == n
    note = page.locator("[data-offline-note]")
    assert note.is_visible() and "离线数据，更新于" in note.text_content()
    phone.context.set_offline(False)


def both_sizes(phone, tmp_path, view: str, name: str | None = None) -> None:
    """Screenshots of the view at phone size and (reloaded, so charts redraw) desktop size."""
    page = phone.page
    name = name or f"console-{view}"
    shot(page, tmp_path, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    page.locator(f"form[data-form=console-{view}] [data-action=load]").click()
    page.wait_for_timeout(300)
    shot(page, tmp_path, f"{name}-desktop")
    page.set_viewport_size({"width": 390, "height": 844})


def test_gate_lists_the_window_where_only_3_distinct_staff_checked_in_and_exports_csv_with_bom(
    phone, seeded, town, tmp_path
):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "gate")
    day = seeded["day"].isoformat()
    load_with(page, "gate", **{"from": day, "to": day})
    # A day the gate saw a check expects both windows (make-up school days), so 放学 with
    # nobody is short too; at 上学 one person checking in twice counts once: 3 of 4.
    window = town.windows["a"][0].id
    short = page.locator(f"[data-shortfall='{seeded['site_a']}:{day}:{window}']")
    assert page.locator("[data-shortfalls] li").count() == 2
    assert "东风小学" in short.text_content() and "上学" in short.text_content()
    assert "到岗 3 / 应到 4 人" in short.text_content() and "缺 1 人" in short.text_content()
    with page.expect_download() as dl:
        page.click("form[data-form=console-gate] [data-action=csv]")
    download = dl.value
    assert (
        download.suggested_filename.endswith(".csv") and "校门口值班" in download.suggested_filename
    )
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "东风小学" in data.decode("utf-8-sig")
    both_sizes(phone, tmp_path, "gate")


def test_rosters_name_the_planned_person_who_never_came_and_the_group_without_a_roster(
    phone, seeded, tmp_path
):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "rosters")
    day = seeded["day"].isoformat()
    load_with(page, "rosters", **{"from": day, "to": day})
    group_a = page.locator("[data-roster-status]").first
    assert "队员A4" in group_a.locator("[data-absence]").text_content()
    assert group_a.locator("[data-planned]").get_attribute("data-planned") == "4"
    assert group_a.locator("[data-planned]").get_attribute("data-present") == "3"
    sheet = page.locator("[data-notice-sheet]")
    assert sheet.locator("[data-notice=absent]").count() == 1
    assert "红旗片区巡逻组" in sheet.locator("[data-notice=no_roster]").text_content()
    # The public report prints from the page itself (print CSS), not from another site.
    page.evaluate(
        "() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }"
    )
    page.click("[data-action=print-notice]")
    assert page.evaluate("() => window.__printed") == 1
    both_sizes(phone, tmp_path, "rosters")


def test_hazard_board_puts_the_overdue_first_and_an_assignment_from_it_reaches_the_server(
    phone, seeded, session, tmp_path
):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "hazards")
    page.wait_for_selector("[data-hazards] li[data-hazard]")
    cards = page.locator("[data-hazards] > li[data-hazard]")
    assert cards.first.get_attribute("data-hazard") == seeded["late"]
    assert cards.first.get_attribute("data-overdue") == "true"
    assert "工商所" in cards.first.text_content()
    # Within 300 m, grouped by place type: the internet cafe.
    near = page.locator("[data-near] [data-place-type=internet_cafe]")
    assert near.get_attribute("data-count") == "1" and "网吧" in near.text_content()
    # The XSS text is text: no element made from it, no dialog.
    xss = page.locator(f"[data-hazard='{seeded['xss']}']")
    assert xss.locator("[data-description]").text_content() == XSS
    assert page.locator("[data-hazards] [data-description] img").count() == 0
    # The photo is fetched with the token and shown from a blob URL.
    card = page.locator(f"[data-hazard='{seeded['near']}']")
    assert card.locator("a[data-geo]").get_attribute("href").startswith("geo:30.50")
    card.locator("[data-action=photos]").click()
    img = card.locator(f"img[data-photo='{seeded['near_photo']}']")
    img.wait_for()
    assert img.get_attribute("src").startswith("blob:")
    page.wait_for_function(
        "sha => { const i = document.querySelector(`img[data-photo='${sha}']`);"
        " return i && i.complete && i.naturalWidth === 320; }",
        arg=seeded["near_photo"],
    )
    both_sizes(phone, tmp_path, "hazards")

    # Assign the XSS hazard to the police station with a due date, through the outbox.
    xss = page.locator(f"[data-hazard='{seeded['xss']}']")
    xss.locator("[name=department]").select_option("police_station")
    xss.locator("[name=due_date]").fill((seeded["day"] + timedelta(days=14)).isoformat())
    xss.locator("[data-action=assign]").click()
    page.wait_for_selector(f"[data-hazard='{seeded['xss']}'][data-status=assigned]")
    # Verify and close the rectified one.
    page.locator(f"[data-hazard='{seeded['done']}'] [data-action=close]").click()
    page.wait_for_selector(f"[data-hazard='{seeded['done']}'][data-status=closed]")
    phone.wait_synced()
    session.rollback()
    hz = session.get(Hazard, seeded["xss"])
    assert (hz.status, hz.department) == ("assigned", "police_station")
    assert session.get(Hazard, seeded["done"]).status == "closed"
    assert phone.dialogs == []


def test_device_health_shows_the_slow_phone_and_the_report_pages_print(phone, seeded, tmp_path):
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "devices")
    gate_phone = page.locator("[data-device='dev-gate_a-01']")
    assert gate_phone.locator(".skew").count() >= 1  # an hour slow
    assert "3" in gate_phone.locator("[data-outbox-depth]").text_content()
    assert "1 小时 0 分" in gate_phone.text_content()  # an offset a person reads, not seconds
    # This browser only reads: it is shown as last seen, not with the red "never synced".
    own = page.locator("[data-device]", has_text="督查 王敏")
    assert own.locator("[data-reads-only]").count() >= 1
    assert own.locator(".bad-text").count() == 0
    both_sizes(phone, tmp_path, "devices")

    open_view(phone, "report")
    load_with(page, "report", date=seeded["day"].isoformat())
    page.wait_for_selector("[data-report=daily] svg.bars")
    assert page.locator("[data-kpi=gate-short] b").text_content() == "2"  # 上学 3/4, 放学 0/4
    assert page.locator("[data-kpi=overdue] b").text_content() == "1"
    both_sizes(phone, tmp_path, "report", "console-report-daily")
    page.select_option("[name=kind]", "monthly")
    page.fill("[name=month]", seeded["day"].isoformat()[:7])
    page.click("form[data-form=console-report] [data-action=load]")
    page.wait_for_selector("[data-report=monthly] svg.heatmap")
    both_sizes(phone, tmp_path, "report", "console-report-monthly")


def test_a_leader_sees_only_her_own_groups_sites(phone, seeded, tmp_path):
    page = phone.open()
    phone.login("leader_b")
    open_view(phone, "coverage")
    load_with(page, "coverage", mode="week", date=seeded["day"].isoformat())
    names = page.locator("svg.heatmap text.rowlbl").all_text_contents()
    assert names == ["红旗中学"]
    open_view(phone, "hazards")
    assert page.locator("[data-hazard]").count() == 0
    open_view(phone, "logs")
    assert page.locator("[data-logs] li[data-log]").count() == 0
    assert "东风小学" not in page.text_content("main")


def test_checkpoint_proof_counts_typed_and_far_scans_and_names_the_missed_checkpoints(
    phone, seeded, town, tmp_path
):
    y, a = seeded["day"], seeded["site_a"]
    cps = town.checkpoints["a"]  # four checkpoints, without positions on the map
    a1 = Api(phone.base, "member_a1")
    (shift,) = a1.push([("shift.start", local(y, 10), {"site_id": a})])
    scans = [
        {"checkpoint_code": cps[0].code, "method": "typed", "lat": 30.5, "lon": 114.3},
        {"checkpoint_code": cps[1].code, "method": "qr"},  # no GPS fix
    ]
    a1.push(
        [("shift.scan", local(y, 10, 5 + i), {"shift_id": shift, **s}) for i, s in enumerate(scans)]
    )
    a1.push([("shift.end", local(y, 10, 20), {"shift_id": shift})])
    page = phone.open()
    phone.login("supervisor")
    open_view(phone, "checkpoints")
    load_with(page, "checkpoints", **{"from": y.isoformat(), "to": y.isoformat()})
    row = page.locator(f"[data-proof-shift='{shift}']")
    assert row.locator("[data-count=proven]").text_content() == "0"
    assert row.locator("[data-count=typed]").text_content() == "1"
    assert row.locator("[data-count=no_gps]").text_content() == "1"
    missed = row.locator("[data-missed]")
    assert missed.get_attribute("data-missed") == "2"
    assert cps[2].name in missed.text_content() and cps[3].name in missed.text_content()
    both_sizes(phone, tmp_path, "checkpoints")

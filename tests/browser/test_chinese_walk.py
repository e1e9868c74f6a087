"""With the language set to Chinese, no screen shows English words: every role's every screen is
walked and its visible text (labels, buttons, table heads, option lists, messages) checked.
Codes are allowed: tokens with a digit (A-CP1, 07:30), the allow-listed names below, and text
the app marks translate="no" (usernames, CSV column names, audit values)."""

import json
import re

import pytest

from tests.browser.test_accessibility import SCREENS, open_screen

# Names that stay as they are in a Chinese UI.
ALLOWED = {"English", "CSV", "UTF", "QR", "GPS", "Excel", "Ctrl", "ID", "A4", "Asia", "Shanghai"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    if (el.closest('[translate="no"], script, style, noscript, svg')) continue;
    const box = el.closest('select') || el; // an option is shown through its select
    if (box.checkVisibility()) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (el.closest('[translate="no"]') || !el.checkVisibility()) continue;
    for (const a of ['aria-label', 'placeholder', 'title']) {
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
  }
  return out;
}"""


def english_words(page) -> list[str]:
    found = []
    for text in page.evaluate(VISIBLE_TEXT):
        for token in re.split(r"[\s,，、：:（）()/·]+", text):
            if any(ch.isdigit() for ch in token):
                continue  # a code, a time, a count
            found += [w for w in WORD.findall(token) if w not in ALLOWED]
    return found


@pytest.mark.parametrize("username", sorted(SCREENS))
def test_every_screen_in_chinese_shows_no_english_words(phone, username):
    page = phone.open()
    phone.goto()
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    problems = {}
    if username == "admin":
        found = english_words(page)  # the login screen
        if found:
            problems["login"] = found
    phone.login(username)
    for route in SCREENS[username]:
        open_screen(phone, route)
        if route == "admin-sites":  # a site's gate windows and checkpoints too
            page.locator("[data-action=open-site]").first.click()
            page.wait_for_selector("[data-site-detail] [data-site-id]")
        found = english_words(page)
        if found:
            problems[route] = sorted(set(found))
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def _refusal_shown(page) -> str:
    alert = page.wait_for_selector("[role=alert]")
    return alert.inner_text()


def test_the_servers_refusals_in_chinese_show_no_english_words(phone, town):
    """A wrong password, a conflict (a checkpoint code the town already uses) and a refused
    input (a gate window that ends before it starts), each with its details, in Chinese."""
    page = phone.open()
    phone.goto()
    page.fill("[name=username]", "admin")
    page.fill("[name=password]", "not-the-password")
    page.click("form[data-form=login] button[type=submit]")
    problems = {}
    shown = {"wrong password": _refusal_shown(page)}
    problems["wrong password"] = english_words(page)
    phone.login("admin")
    open_screen(phone, "admin-sites")
    site = town.sites["a"]
    page.locator(f"[data-site-list] tr[data-site='{site.id}'] [data-action=open-site]").click()
    page.wait_for_selector(f"[data-site-detail] [data-site-id='{site.id}']")
    taken = town.checkpoints["a"][0].code
    c = page.locator("form[data-form=checkpoint]")
    c.get_by_label("巡逻点名称").fill("重复的巡逻点")
    c.get_by_label("编号").fill(taken)
    c.locator("button[type=submit]").click()
    page.wait_for_selector("[data-msg] .msg.bad[data-error=conflict] li")
    shown["conflict"] = page.inner_text("[data-msg]")
    problems["conflict"] = english_words(page)
    w = page.locator("form[data-form=window]")
    w.get_by_label("名称").fill("倒置的时段")
    w.locator("input[name=starts]").fill("09:00")
    w.locator("input[name=ends]").fill("08:00")
    w.locator("button[type=submit]").click()
    page.wait_for_selector("[data-msg] .msg.bad[data-error=invalid] li")
    shown["invalid"] = page.inner_text("[data-msg]")
    problems["invalid"] = english_words(page)
    assert "用户名或密码错误" in shown["wrong password"]
    assert "已被使用" in shown["conflict"] and "晚于开始时间" in shown["invalid"], shown
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, json.dumps({"found": problems, "shown": shown}, ensure_ascii=False)

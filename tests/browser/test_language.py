"""The language switch: Chinese by default, English with the button at the top right, the
choice kept on the phone (also offline), and back to Chinese the same way."""


def screen(page) -> dict:
    """What the user reads on the hazard screen: tabs, a form label, the status bar."""
    return {
        "html_lang": page.evaluate("document.documentElement.lang"),
        "title": page.title(),
        "switch": page.text_content("[data-action=lang]").strip(),
        "tabs": [t.strip() for t in page.locator("[data-nav] a").all_text_contents()],
        "label": page.text_content(
            "form[data-form=hazard] label:has(textarea[name=description])"
        ).strip(),
        "submit": page.text_content("form[data-form=hazard] button[type=submit]").strip(),
        "online": page.text_content("[data-status] [data-online]").strip(),
        "pending": page.text_content("[data-status] [data-pending]").strip(),
        "sync": page.text_content("[data-status] [data-action=sync]").strip(),
    }


def open_hazard_screen(phone):
    page = phone.page
    page.goto(f"{phone.base}/#/hazard")
    page.wait_for_selector("body[data-view=hazard] form[data-form=hazard]")
    return page


def start_shift_offline(phone):
    page = phone.page
    page.goto(f"{phone.base}/#/patrol")
    page.wait_for_selector("[data-action=start-shift]")
    for box in page.locator("[data-members] input[type=checkbox]").all()[:4]:
        box.check()
    page.click("[data-action=start-shift]")
    page.wait_for_selector("[data-open-shift]")
    page.wait_for_function("() => window.patrolApp.store.state.pending === 1")


def shift_record(phone) -> dict:
    page = phone.page
    page.goto(f"{phone.base}/#/home")
    item = page.locator("[data-records] li[data-type='shift.start']")
    item.wait_for()
    return {
        "title": item.locator(".rec-title").text_content().strip(),
        "body": item.locator("[data-body]").text_content().strip(),
        "badge": item.locator(".badge[data-state]").text_content().strip(),
    }


def test_english_switch_changes_the_visible_texts_and_the_choice_survives_reloads_offline(
    phone,
):
    phone.open()
    phone.login("member_a1")
    page = open_hazard_screen(phone)
    zh = screen(page)
    assert zh == {
        "html_lang": "zh-CN",
        "title": "校园安全巡逻",
        "switch": "English",
        "tabs": ["首页", "巡逻", "隐患", "校门值班"],
        "label": "情况描述",
        "submit": "上报隐患",
        "online": "在线",
        "pending": "全部已上传",
        "sync": "立即同步",
    }

    # The button switches the screen that is open, without a reload.
    page.click("[data-action=lang]")
    page.wait_for_function(
        "() => document.querySelector('[data-nav] a[data-tab=home]').textContent === 'Home'"
    )
    en = screen(page)
    assert en == {
        "html_lang": "en",
        "title": "School Safety Patrol",
        "switch": "中文",
        "tabs": ["Home", "Patrol", "Hazards", "Gate duty"],
        "label": "Description",
        "submit": "Report hazard",
        "online": "Online",
        "pending": "All uploaded",
        "sync": "Sync now",
    }

    # The choice is kept on the phone: a reload opens in English.
    page.reload()
    phone.ready()
    page = open_hazard_screen(phone)
    assert screen(page) == en

    # Offline: the status says so in English, and a record made now reads in English.
    phone.context.set_offline(True)
    page.wait_for_selector("[data-status] [data-online=false]")
    start_shift_offline(phone)
    assert shift_record(phone) == {
        "title": "Shift started",
        "body": "东风小学 · 4 on duty",  # the school's name is data, not a screen text
        "badge": "Pending",
    }

    # An offline reload (the shell comes from the service worker) is still in English.
    page.reload()
    phone.ready()
    page = open_hazard_screen(phone)
    assert screen(page) == {**en, "online": "Offline", "pending": "1 to upload"}
    assert shift_record(phone)["body"] == "东风小学 · 4 on duty"

    # And back to Chinese, which an offline reload keeps as well.
    page = open_hazard_screen(phone)
    page.click("[data-action=lang]")
    page.wait_for_function(
        "() => document.querySelector('[data-nav] a[data-tab=home]').textContent === '首页'"
    )
    back = {**zh, "online": "离线", "pending": "待上传 1 条"}
    assert screen(page) == back
    page.reload()
    phone.ready()
    page = open_hazard_screen(phone)
    assert screen(page) == back
    assert shift_record(phone) == {"title": "开始巡逻", "body": "东风小学 · 4人", "badge": "待上传"}

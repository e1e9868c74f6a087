"""The app's code lists and their labels come from the bootstrap's vocabulary, kept offline
with it: the hazard form lists what the server sent, not a copy of its own."""

from app.vocabulary import vocabulary

SERVER_FIRE = {"code": "fire", "zh": "消防（服务器的词）", "en": "Fire (server's word)"}


def categories(page) -> list[list[str]]:
    page.wait_for_selector("form[data-form=hazard] select[name=category] option", state="attached")
    return page.eval_on_selector_all(
        "form[data-form=hazard] select[name=category] option",
        "els => els.map(e => [e.value, e.textContent])",
    )


def open_hazard_form(phone):
    phone.page.goto(f"{phone.base}/#/hazard")
    phone.page.wait_for_selector("body[data-view=hazard] form[data-form=hazard]")
    return phone.page


def test_the_hazard_form_lists_the_categories_of_the_bootstrap_also_offline(phone):
    page = phone.open()
    real = vocabulary()["hazard_category"]
    other = next(c for c in real if c["code"] == "other")

    def two_categories(route):
        answer = route.fetch()
        body = answer.json()
        body["vocabulary"]["hazard_category"] = [SERVER_FIRE, other]
        route.fulfill(response=answer, json=body)

    page.context.route("**/api/sync/bootstrap", two_categories)
    phone.login("member_a1")
    page = open_hazard_form(phone)
    assert categories(page) == [["fire", SERVER_FIRE["zh"]], ["other", other["zh"]]]

    # Offline after a reload, from the bootstrap kept on the phone; English from the same terms.
    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = open_hazard_form(phone)
    assert categories(page) == [["fire", SERVER_FIRE["zh"]], ["other", other["zh"]]]
    page.click("[data-action=lang]")
    page = open_hazard_form(phone)
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert categories(page) == [["fire", SERVER_FIRE["en"]], ["other", other["en"]]]


def test_the_real_vocabulary_fills_the_form_and_labels_the_saved_report(phone):
    phone.open()
    phone.login("member_a1")
    page = open_hazard_form(phone)
    words = vocabulary()
    assert categories(page) == [[c["code"], c["zh"]] for c in words["hazard_category"]]
    severities = page.eval_on_selector_all(
        "select[name=severity] option", "els => els.map(e => e.value)"
    )
    assert severities == [s["code"] for s in words["hazard_severity"]]
    phone.context.set_offline(True)
    page.select_option("select[name=category]", "traffic")
    page.select_option("select[name=severity]", "high")
    page.fill("textarea[name=description]", "校门口车辆乱停")
    page.click("form[data-form=hazard] button[type=submit]")
    body = page.locator("[data-records] li[data-type='hazard.report'] [data-body]")
    body.wait_for()
    assert body.text_content().startswith("交通安全 · 严重 · 校门口车辆乱停")

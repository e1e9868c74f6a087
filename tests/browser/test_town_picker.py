"""The town picker in Chromium (issue 17): a county supervisor (县督查) sees every town of her
county in the console, picks one and the report shows that town only, or all of them again;
the choice and the towns stay on the phone, so the cached report and the picker are there
offline. A town's own supervisor, with one town in reach, gets no picker."""

from tests.factories import add_county_supervisor, build_second_town
from tests.sync_helpers import mut, push


def _hazard(site_id: int, text: str) -> dict:
    return mut("hazard.report", {"site_id": site_id, "category": "fire", "description": text})


def _shown(page) -> set[str]:
    page.wait_for_selector("[data-hazards], [data-console-body=hazards] p")
    return set(page.locator("[data-hazard]").evaluate_all("els => els.map(e => e.dataset.hazard)"))


def test_a_county_supervisor_picks_one_town_or_all_in_the_console(
    phone, client, session, town, login
):
    second = build_second_town(session)
    add_county_supervisor(session, second)
    here = _hazard(town.sites["a"].id, "东风镇的隐患")
    there = _hazard(second.sites["a"].id, "西山镇的隐患")
    push(client, login("member_a1@town"), [here])
    push(client, login("member_a1@xishan"), [there])

    page = phone.open()
    phone.login("county_supervisor")
    page.goto(f"{phone.base}/#/console-hazards")
    picker = page.locator("[data-town-picker] select")
    picker.wait_for(state="visible")
    options = picker.locator("option").all_inner_texts()
    assert options == ["全部镇（2 个）", town.row.name, "西山镇"], options
    page.wait_for_selector(f"[data-hazard='{there['id']}']")
    assert _shown(page) == {here["id"], there["id"]}

    picker.select_option(str(second.row.id))
    page.wait_for_function(
        f"() => !document.querySelector(\"[data-hazard='{here['id']}']\")"
        f" && document.querySelector(\"[data-hazard='{there['id']}']\")"
    )
    assert _shown(page) == {there["id"]}
    # another console view asks its report for the same town
    with page.expect_response(lambda r: "/api/reports/gate" in r.url) as answer:
        page.click("[data-console-tab=gate]")
    assert f"town_id={second.row.id}" in answer.value.url

    # offline: the picker (its towns kept on the phone) and the cached report of that town
    phone.context.set_offline(True)
    page.click("[data-console-tab=hazards]")
    page.wait_for_selector("[data-offline-note]:not([hidden])")
    assert _shown(page) == {there["id"]}
    assert page.locator("[data-town-picker] select").input_value() == str(second.row.id)
    phone.context.set_offline(False)

    page.locator("[data-town-picker] select").select_option("")
    page.wait_for_selector(f"[data-hazard='{here['id']}']")
    assert _shown(page) == {here["id"], there["id"]}


def test_a_towns_own_supervisor_has_no_town_picker(phone):
    page = phone.open()
    phone.login("supervisor")
    page.goto(f"{phone.base}/#/console-hazards")
    page.wait_for_selector(
        "[data-console-body=hazards] [data-hazards], [data-console-body=hazards] p"
    )
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-town-picker]").count() == 1
    assert page.locator("[data-town-picker]").is_hidden()


def test_a_county_admin_adds_a_town_and_sets_up_its_first_school_through_the_picker(
    phone, session, town
):
    from sqlmodel import select

    from app.audit.models import AuditEvent
    from app.sites.models import Site
    from app.towns.models import Town
    from tests.factories import add_user

    add_user(session, town, "county_admin", "县管理员", ["admin"], county_wide=True)
    session.commit()
    page = phone.open()
    phone.login("county_admin")
    page.goto(f"{phone.base}/#/admin-sites")
    page.wait_for_selector("[data-site-list] table")
    assert page.locator("[data-town-picker]").is_hidden()  # one town so far
    form = page.locator("form[data-form=town]")
    form.get_by_label("镇代码").fill("dongshan")
    form.get_by_label("镇名称").fill("东山镇")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-msg] .msg.ok")
    assert "已添加 东山镇" in page.inner_text("[data-msg]")
    session.rollback()
    new_town = session.exec(select(Town).where(Town.code == "dongshan")).one()
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "town.create")).first()

    page.reload()  # the picker now has two towns
    picker = page.locator("[data-town-picker] select")
    picker.wait_for(state="visible")
    picker.select_option(str(new_town.id))
    page.wait_for_function("() => !document.querySelector('[data-site-list] tr[data-site]')")
    site_form = page.locator("form[data-form=site]")
    site_form.get_by_label("名称").fill("东山镇中心小学")
    site_form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-site-list] tr[data-site]")
    session.rollback()
    made = session.exec(select(Site).where(Site.name == "东山镇中心小学")).one()
    assert made.town_id == new_town.id

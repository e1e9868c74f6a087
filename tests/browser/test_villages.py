"""The village cadre's monthly dispute screening form (矛盾纠纷排查表) filled on the phone with
no network, saved to the outbox, synced once the phone is back online; the four-in-one office
(四位一体办) then sees the village on time in its console and starts resolving the dispute."""

from datetime import datetime

from sqlmodel import select

from app.towns.models import Department, Village
from app.villages.models import DisputeCase, VillageForm
from tests.browser.conftest import Phone
from tests.factories import add_user
from tests.sync_helpers import SHANGHAI


def test_a_form_filled_offline_syncs_and_the_office_sees_the_village_on_time(
    phone, playwright, server, tmp_path, session, town
):
    site = town.sites["a"]
    village = Village(town_id=site.town_id, code="01", name="青山村", district="东管区")
    other = Village(town_id=site.town_id, code="02", name="河口村", district="东管区")
    session.add_all([village, other])
    session.flush()
    add_user(session, town, "cadre_1", "村干部 王强", ["village"], village_id=village.id)
    add_user(
        session, town, "office1", "四位一体办 陈", ["department"], department=Department.four_in_one
    )
    session.commit()
    phone.open()
    phone.login("cadre_1")
    page = phone.goto("village")
    page.wait_for_selector("[data-form=village-form]")

    # In the village, no signal; the cadre fills the form on the 1st of this month (the
    # phone's clock is right: it was the 1st when she filled it), and syncs days later.
    now = datetime.now(SHANGHAI)
    month = f"{now.year:04d}-{now.month:02d}"
    phone.context.set_offline(True)
    phone.context.clock.install(time=now.replace(day=1, hour=0, minute=30, second=0))
    page.reload()
    phone.ready()
    page = phone.goto("village")
    page.wait_for_selector("[data-form=village-form]")
    assert page.input_value("[name=month]") == month
    page.fill("[name=petitions]", "2")
    page.fill("[name=unstable_factors]", "1")
    page.click("[data-action=add-dispute]")
    page.fill("[name=summary-0]", "宅基地边界纠纷")
    page.fill("[name=parties-0]", "张三、李四")
    page.select_option("[name=category-0]", "land")
    page.click("[data-action=save-village-form]")
    page.wait_for_selector("[data-village-forms] [data-type='village.form'][data-state=pending]")
    assert month in page.text_content("[data-msg]")
    phone.close()

    # Back in town, the phone's clock is today's again and there is a network.
    phone.open()
    page = phone.goto("village")
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector("[data-village-forms] [data-type='village.form'][data-state=synced]")
    session.rollback()
    [form] = session.exec(select(VillageForm)).all()
    assert (form.village_id, form.month, form.petitions, form.unstable_factors) == (
        village.id,
        month,
        2,
        1,
    )
    assert form.on_time and form.first_handed_in_at.astimezone(SHANGHAI).day == 1
    assert form.disputes[0]["summary"] == "宅基地边界纠纷"

    office = Phone(playwright, server, tmp_path / "office-profile")
    try:
        office.open()
        office.login("office1")
        page = office.goto("console-villages")
        row = page.wait_for_selector(f"[data-village='{village.id}']")
        assert row.get_attribute("data-state") == "on_time"
        assert "按时上报" in row.text_content()
        tabs = page.eval_on_selector_all(
            "[data-console-tab]", "els => els.map(e => e.dataset.consoleTab)"
        )
        assert tabs == ["villages"]  # the office reads no other console view
        assert page.get_attribute(f"[data-village='{other.id}']", "data-state") in (
            "pending",
            "overdue",
        )
        page.click("[data-dispute] [data-action=dispute-resolving]")
        page.wait_for_selector("[data-dispute][data-status=resolving]")
    finally:
        office.close()
    session.rollback()
    [case] = session.exec(select(DisputeCase)).all()
    assert case.status == "resolving"

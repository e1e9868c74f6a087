"""The duty cadre's record of the day (领导值班) and the gate's record of police presence
(护学岗), each made on the phone with no network, saved to the outbox and synced once the phone
is back online."""

from datetime import datetime, timedelta

from sqlmodel import select

from app.duty.models import DutyPlanDay, DutyRecord
from app.police.models import PolicePost, PolicePresence
from tests.factories import add_user
from tests.sync_helpers import SHANGHAI


def test_the_duty_cadre_records_the_day_offline_and_it_syncs(phone, session, town):
    site = town.sites["a"]
    cadre = add_user(
        session, town, "staff_a", "副校长 吴强", ["school_staff"], home_site_id=site.id
    )
    today = datetime.now(SHANGHAI).date()
    # yesterday, today and tomorrow: the phone's own "today" is one of them, whatever the hour
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        session.add(
            DutyPlanDay(
                town_id=site.town_id,
                site_id=site.id,
                day=day,
                cadre_id=cadre.id,
                planned_by=cadre.id,
            )
        )
    session.commit()
    phone.open()
    phone.login("staff_a")
    page = phone.goto("duty")
    page.wait_for_selector("[data-form=duty]")

    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = phone.goto("duty")
    page.fill("[name=round_note]", "带班巡查：校门口、食堂、宿舍楼正常")
    page.click("[data-action=duty-check-in]")
    page.wait_for_selector("[data-duty-done]")
    page.goto(f"{phone.base}/#/home")
    page.wait_for_selector("[data-type='duty.check_in'][data-state=pending]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector("[data-type='duty.check_in'][data-state=synced]")
    session.rollback()
    [record] = session.exec(select(DutyRecord)).all()
    assert record.recorded_by == cadre.id and record.as_substitute is False
    assert record.round_note == "带班巡查：校门口、食堂、宿舍楼正常"
    assert record.day_flag is None  # recorded on its own local day


def test_the_gate_records_police_presence_offline_and_it_syncs(phone, session, town):
    site = town.sites["a"]
    session.add(PolicePost(town_id=site.town_id, site_id=site.id, department="police_station"))
    session.commit()
    phone.open()
    phone.login("gate_a")
    page = phone.goto("police")
    page.wait_for_selector("[data-form=police] select[name=window] option", state="attached")

    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = phone.goto("police")
    page.wait_for_selector("[data-form=police] select[name=window] option", state="attached")
    page.fill("[name=officers]", "2")
    page.fill("[name=officer_names]", "刘洋、警号 031")
    page.click("[data-action=save-presence]")
    page.wait_for_selector("[data-msg] .msg.ok")
    page.goto(f"{phone.base}/#/home")
    page.wait_for_selector("[data-type='police.presence'][data-state=pending]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector("[data-type='police.presence'][data-state=synced]")
    session.rollback()
    [check] = session.exec(select(PolicePresence)).all()
    assert (check.officers, check.officer_names, check.department) == (
        2,
        ["刘洋", "警号 031"],
        "police_station",
    )


def test_the_schools_staff_plan_a_day_of_duty_on_the_week_grid(phone, session, town):
    site = town.sites["a"]
    add_user(session, town, "staff_a", "办公室 周老师", ["school_staff"], home_site_id=site.id)
    cadre = add_user(
        session, town, "staff_a2", "副校长 吴强", ["school_staff"], home_site_id=site.id
    )
    session.commit()
    phone.open()
    phone.login("staff_a")
    page = phone.goto(f"duty-plan?site={site.id}")
    page.wait_for_selector("[data-plan-grid] tr[data-day]")
    row = page.locator("[data-plan-grid] tr[data-day]").first
    day = row.get_attribute("data-day")
    row.locator("select").first.select_option(str(cadre.id))
    row.locator("[data-action=save-day]").click()
    page.wait_for_selector(f"[data-plan-grid] tr[data-day='{day}'][data-planned=true]")
    session.rollback()
    [plan] = session.exec(select(DutyPlanDay)).all()
    assert (plan.day.isoformat(), plan.cadre_id, plan.site_id) == (day, cadre.id, site.id)


def test_the_admin_adds_a_police_post_on_its_screen(phone, session, town):
    site = town.sites["a"]
    phone.open()
    phone.login("admin")
    page = phone.goto("admin-police")
    page.wait_for_selector("[data-form=police-post]")
    page.select_option("[data-form=police-post] [name=site_id]", str(site.id))
    page.select_option("[data-form=police-post] [name=department]", "traffic_police")
    page.click("[data-action=submit-police-post]")
    page.wait_for_selector("[data-post-list] tr[data-post]")
    session.rollback()
    [post] = session.exec(select(PolicePost)).all()
    assert (post.site_id, post.department, post.active) == (site.id, "traffic_police", True)

"""The dorm's bed-time roll call taken on the staff's phone with no network (a dormitory has
none), saved to the outbox, and synced once the phone is back online."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.boarding.models import BoardingPupil, Dormitory, RollCall
from app.reports.boarding import boarding
from app.sites.models import Site
from tests.factories import add_user


def _boys_dorm(session, site) -> dict[str, int]:
    dorm = Dormitory(site_id=site.id, name="男生宿舍1")
    session.add(dorm)
    session.flush()
    pupils = [
        BoardingPupil(site_id=site.id, dormitory_id=dorm.id, name=n, class_name="初一(1)班")
        for n in ("王小明", "赵刚", "孙强")
    ]
    session.add_all(pupils)
    session.commit()
    return {p.name: p.id for p in pupils}


def test_a_roll_call_taken_offline_in_the_dorm_syncs_and_the_night_shows_as_held(
    phone, session, town
):
    site = town.sites["a"]
    add_user(session, town, "staff_a", "宿管 周老师", ["school_staff"], home_site_id=site.id)
    pupils = _boys_dorm(session, site)
    phone.open()
    phone.login("staff_a")
    page = phone.goto("boarding")
    page.wait_for_selector("[data-pupils] li[data-pupil]")

    phone.context.set_offline(True)
    page.reload()
    phone.ready()
    page = phone.goto("boarding")
    page.wait_for_selector(f"[data-pupil='{pupils['赵刚']}']")
    night = page.input_value("[name=night]")
    page.uncheck(f"[name=present-{pupils['赵刚']}]")
    page.select_option(f"[name=reason-{pupils['赵刚']}]", "missing")
    page.fill(f"[name=note-{pupils['赵刚']}]", "熄灯后未回宿舍")
    page.click("[data-action=save-roll-call]")
    page.wait_for_selector("[data-roll-call-done]")
    assert "实到 2 / 应到 3" in page.text_content("[data-msg]")
    page.goto(f"{phone.base}/#/home")
    page.wait_for_selector("[data-type='boarding.roll_call'][data-state=pending]")

    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    page.wait_for_selector("[data-type='boarding.roll_call'][data-state=synced]")
    session.rollback()
    [call] = session.exec(select(RollCall)).all()
    assert (call.night.isoformat(), call.expected, call.present, call.missing) == (night, 3, 2, 1)
    assert call.absences[0]["note"] == "熄灯后未回宿舍"
    # the supervisor's report: the night is held, 赵刚 listed as whereabouts unknown
    school = session.get(Site, site.id)
    next_noon = datetime.fromisoformat(night).replace(tzinfo=UTC) + timedelta(days=1, hours=4)
    report = boarding(
        session, sites=[school], date_from=call.night, date_to=call.night, now=next_noon
    )
    assert [n.state for n in report.nights] == ["held"]
    assert [(a.name, a.reason) for a in report.absent] == [("赵刚", "missing")]

"""A phone whose login ended on the server while it was offline (refresh token expired or
revoked) keeps every record, asks its user to log in again, and then hands each record in
exactly once."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.auth.models import RefreshToken
from app.db import utcnow
from app.hazards.models import Hazard
from app.sync.models import Mutation
from tests.factories import PASSWORD

DESCRIPTION = "校门口消防通道被电动车堵住"


def end_login_on_server(engine, device_id: str, how: str) -> None:
    """The server ends the phone's login while it is away: its refresh tokens run out, or they
    are revoked (as a logout elsewhere or an administrator ending the sessions does)."""
    now = utcnow()
    values = {"expires_at": now - timedelta(days=1)} if how == "expired" else {"revoked_at": now}
    with engine.begin() as conn:
        conn.execute(
            update(RefreshToken).where(RefreshToken.device_id == device_id).values(**values)
        )


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_when_the_refresh_token_is_expired_or_revoked_the_outbox_stays_until_login_then_syncs_once(
    phone, engine, session, how
):
    phone.open()
    # The phone's clock is under the test's control, so it can spend longer offline than its
    # access token lasts (15 minutes) without the test waiting for that.
    phone.context.clock.install()
    page = phone.login("member_a1")
    device_id = page.evaluate("window.patrolApp.store.state.session.device_id")
    pushed = []  # the mutation ids of every push the phone sends from now on

    def on_request(request):
        if request.method == "POST" and request.url.endswith("/api/sync/push"):
            pushed.append([m["id"] for m in request.post_data_json["mutations"]])

    page.on("request", on_request)

    phone.context.set_offline(True)
    page.goto(f"{phone.base}/#/hazard")
    page.wait_for_selector("form[data-form=hazard]")
    page.fill("textarea[name=description]", DESCRIPTION)
    page.click("form[data-form=hazard] button[type=submit]")
    page.wait_for_selector("[data-records] [data-type='hazard.report'][data-state=pending]")
    record_id = page.get_attribute("[data-records] [data-type='hazard.report']", "data-record")

    end_login_on_server(engine, device_id, how)
    phone.context.clock.fast_forward("20:00")  # twenty minutes offline: the access token is old

    # Back online: the refresh fails, the app asks for a login and keeps the record.
    phone.context.set_offline(False)
    page.wait_for_selector("body[data-view=login] form[data-form=login]")
    assert page.text_content("form[data-form=login] .msg.warn").strip() == (
        "登录已过期，请重新登录。未上传的记录会保留在手机上。"
    )
    assert page.input_value("[name=username]") == "member_a1"
    assert page.text_content("[data-status] [data-pending]").strip() == "待上传 1 条"

    # The app remembers that a login is needed: a reload still asks for it, record kept.
    page.reload()
    phone.ready()
    page.wait_for_selector("body[data-view=login] form[data-form=login] .msg.warn")
    page.wait_for_selector("[data-status] [data-pending='1']")
    assert pushed == []
    session.rollback()
    assert session.exec(select(Mutation).where(Mutation.id == record_id)).all() == []

    # Logging in again sends the record, once.
    page.fill("[name=password]", PASSWORD)
    page.click("form[data-form=login] button[type=submit]")
    page.wait_for_selector("body[data-view=home]")
    phone.wait_synced()
    page.wait_for_selector(f"[data-records] [data-record='{record_id}'][data-state=synced]")

    assert [ids for ids in pushed if record_id in ids] == [[record_id]]
    session.rollback()
    assert len(session.exec(select(Mutation).where(Mutation.id == record_id)).all()) == 1
    hazards = session.exec(select(Hazard).where(Hazard.description == DESCRIPTION)).all()
    assert len(hazards) == 1
    assert hazards[0].id == record_id

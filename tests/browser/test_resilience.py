"""Nothing pending is lost to an app update or a server outage, and nothing is duplicated."""

import json

from sqlmodel import select

from app.gate.models import GateCheck
from app.hazards.models import Hazard
from app.sync.models import Mutation


def make_pending_records(phone, n_hazards=2):
    page = phone.page
    page.goto(f"{phone.base}/#/hazard")
    page.wait_for_selector("form[data-form=hazard]")
    for i in range(n_hazards):
        page.fill("textarea[name=description]", f"校门口消防通道被占用 {i}")
        page.click("form[data-form=hazard] button[type=submit]")
        page.wait_for_function(f"() => window.patrolApp.store.state.pending === {i + 1}")
    page.goto(f"{phone.base}/#/gate")
    page.locator("[data-window]").first.locator("[data-action=check-in]").click()
    page.wait_for_function(f"() => window.patrolApp.store.state.pending === {n_hazards + 1}")


def test_a_new_app_version_deployed_while_records_are_pending_loses_none(
    phone, pwa_dir, session, town
):
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    make_pending_records(phone)
    old_cache = page.evaluate("caches.keys()")
    [old_shell] = [c for c in old_cache if c.startswith("patrol-shell-")]

    # Deploy a new version: one shell file changes; the server derives the new version from it.
    css = pwa_dir / "css" / "app.css"
    css.write_text(css.read_text() + "\n.deployed-v999 { display: block; }\n")

    # Pushes fail while the update happens, so the records stay pending across it.
    page.context.route("**/api/sync/push", lambda route: route.abort())
    phone.context.set_offline(False)
    page.reload()
    phone.ready()
    # The old document is marked: the update reloads the page, and until the reload has happened
    # the old page still says it is ready (reading its state then races the reload).
    page.evaluate("window.__beforeUpdate = true")
    page.click("[data-action=update]", timeout=60_000)  # a new shell installs slowly on a busy box
    page.wait_for_function(
        "() => !window.__beforeUpdate && document.body.dataset.ready === '1'"
        " && navigator.serviceWorker.controller !== null",
        polling=250,
        timeout=60_000,
    )
    page.wait_for_function(
        "(old) => caches.keys().then(k => k.some(c => c.startsWith('patrol-shell-') && c !== old))",
        arg=old_shell,
        polling=200,
        timeout=60_000,
    )
    caches = page.evaluate("caches.keys()")
    [new_shell] = [c for c in caches if c.startswith("patrol-shell-")]
    assert new_shell != old_shell
    assert not set(old_cache) & set(caches) - {c for c in caches if c.startswith("patrol-lazy")}
    css_now = page.evaluate("fetch('/css/app.css').then(r => r.text())")
    assert ".deployed-v999" in css_now  # the new shell is the one answering
    assert page.evaluate("window.patrolApp.store.state.pending") == 3
    session.rollback()
    assert session.exec(select(Mutation)).all() == []  # nothing was handed in before the update

    # The new version still has every record, and hands them in once.
    page.context.unroute("**/api/sync/push")
    phone.sync()
    phone.wait_synced()
    session.rollback()
    assert len(session.exec(select(Hazard)).all()) == 2
    assert len(session.exec(select(GateCheck)).all()) == 1
    assert len(session.exec(select(Mutation)).all()) == 3


def test_a_server_answering_500_then_recovering_loses_nothing_and_duplicates_nothing(
    phone, session, town
):
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    make_pending_records(phone, n_hazards=3)

    calls = []

    def flaky(route):
        calls.append(route.request.post_data_json)
        if len(calls) == 1:
            # The server applied the batch but the answer was lost on the way.
            route.fetch()
            route.fulfill(status=500, body=json.dumps({"error": {"code": "internal"}}))
        elif len(calls) <= 3:
            route.fulfill(status=500, body=json.dumps({"error": {"code": "internal"}}))
        else:
            route.continue_()

    # The route goes in before the phone is back online: going online starts a sync at once.
    page.context.route("**/api/sync/push", flaky)
    phone.context.set_offline(False)
    for _ in range(3):
        phone.sync()
        page.wait_for_function("() => !window.patrolApp.store.state.syncing")
        assert page.evaluate("window.patrolApp.store.state.pending") == 4
    assert page.locator("[data-sync-error]").count() == 1
    phone.sync()
    phone.wait_synced()

    # Every attempt carried its own sent_at and the outbox depth; the ids never changed.
    assert len(calls) == 4
    assert len({c["sent_at"] for c in calls}) == 4
    assert all(c["outbox_depth"] == 4 for c in calls)
    assert len({tuple(m["id"] for m in c["mutations"]) for c in calls}) == 1

    session.rollback()
    assert len(session.exec(select(Hazard)).all()) == 3
    assert len(session.exec(select(GateCheck)).all()) == 1
    assert len(session.exec(select(Mutation)).all()) == 4
    page.goto(f"{phone.base}/#/home")
    page.wait_for_selector("[data-records] li[data-record]")
    states = page.eval_on_selector_all(
        "[data-records] li[data-record]", "els => els.map(e => e.dataset.state)"
    )
    assert states == ["synced"] * 4

"""The phone's own storage: persistence asked for and shown, a save on a full disk refused
whole with a clear message, a database the browser cleared under the open app recovered (a
real clear, through Chromium's DevTools protocol), and the pending outbox exported to a file
that an admin imports on the server exactly once.

A full disk is simulated: Chromium 156 accepts DevTools' Storage.overrideQuotaForOrigin but
neither navigator.storage.estimate() nor IndexedDB writes heed it (a 300 KB save under a quota
50 KB above usage succeeded), so the init script below makes IndexedDB refuse the outbox row
with the QuotaExceededError a full disk gives, and reports a small quota to estimate()."""

import json

import httpx
from sqlalchemy import func
from sqlmodel import select

from app.hazards.models import Hazard
from app.photos.models import Photo
from app.sync.models import Mutation
from tests.factories import PASSWORD

# Saves one hazard report with a photo of about `kb` KB through the app's outbox; resolves with
# the error's name, or "saved".
SAVE_WITH_PHOTO_JS = """async (kb) => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  const side = Math.round(Math.sqrt(kb * 1024 / 0.9));
  const canvas = new OffscreenCanvas(side, side);
  const g = canvas.getContext('2d');
  const img = g.createImageData(side, side);
  for (let j = 0; j < img.data.length; j++) {
    img.data[j] = (j % 4 === 3) ? 255 : Math.random() * 256;
  }
  g.putImageData(img, 0, 0);
  const blob = await canvas.convertToBlob({type: 'image/jpeg', quality: 0.9});
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  try {
    await outbox.add(state.session.user.id, 'hazard.report',
      {site_id: state.bootstrap.sites[0].id, category: 'fire', description: '配电箱老化',
       photos: [sha256]}, [{sha256, blob}]);
    window.patrolApp.store.touch();
    return 'saved';
  } catch (e) {
    return e.name;
  }
}"""

OUTBOX_ROWS_JS = """async () => {
  const { tx, req } = await import('/js/db.js');
  return tx(['outbox', 'photos'], 'readonly', async (s) =>
    [await req(s.outbox.count()), await req(s.photos.count())]);
}"""

USAGE_JS = "() => navigator.storage.estimate().then((e) => e.usage)"

# window.__diskFull: the outbox row of a save is refused (after its photo was written in the
# same transaction, so the photo must be rolled back with it); window.__quota: estimate()
# reports that quota.
DISK_JS = """(() => {
  const add = IDBObjectStore.prototype.add;
  IDBObjectStore.prototype.add = function (...args) {
    if (globalThis.__diskFull && this.name === 'outbox') {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return add.apply(this, args);
  };
  const estimate = StorageManager.prototype.estimate;
  StorageManager.prototype.estimate = async function () {
    const real = await estimate.call(this);
    return globalThis.__quota ? { ...real, quota: globalThis.__quota } : real;
  };
})();"""


def cdp(phone):
    return phone.context.new_cdp_session(phone.page)


def disk_phone(phone):
    phone.init_scripts.append(DISK_JS)
    phone.open()
    return phone.login("member_a1")


def test_the_app_asks_for_persistent_storage_and_shows_whether_it_was_granted(phone):
    phone.open()
    page = phone.login("member_a1")
    granted = page.evaluate("() => navigator.storage.persisted()")
    shown = page.locator("[data-persisted]")
    shown.wait_for()
    assert shown.get_attribute("data-persisted") == str(granted).lower()
    assert phone.state("storagePersisted") is granted


def test_a_save_on_a_full_disk_is_refused_whole_with_a_clear_message(phone, session):
    page = disk_phone(phone)
    phone.context.set_offline(True)
    before = page.evaluate(OUTBOX_ROWS_JS)
    page.evaluate("() => { window.__diskFull = true; }")
    assert page.evaluate(SAVE_WITH_PHOTO_JS, 300) == "QuotaExceededError"
    # nothing of it was written: neither the record nor the photo put before it
    assert page.evaluate(OUTBOX_ROWS_JS) == before
    error = page.locator("[data-save-error='quota']")
    error.wait_for()
    assert "没有保存" in error.inner_text()
    # room again: the next save works and the message goes
    page.evaluate("() => { window.__diskFull = false; }")
    assert page.evaluate(SAVE_WITH_PHOTO_JS, 300) == "saved"
    page.wait_for_function("() => !document.querySelector('[data-save-error]')")
    assert page.evaluate(OUTBOX_ROWS_JS) == [before[0] + 1, before[1] + 1]


def test_the_status_bar_warns_while_the_outbox_nears_the_quota(phone):
    page = disk_phone(phone)
    phone.context.set_offline(True)
    assert page.locator("[data-storage-near-full]").count() == 0
    usage = page.evaluate(USAGE_JS)
    page.evaluate("(q) => { window.__quota = q; }", usage + 150_000)
    assert page.evaluate(SAVE_WITH_PHOTO_JS, 100) == "saved"  # usage now past 80% of quota
    page.locator("[data-storage-near-full]").wait_for(timeout=10_000)


def test_when_the_browser_clears_storage_under_the_open_app_it_warns_and_keeps_working(
    phone, session
):
    phone.open()
    page = phone.login("member_a1")
    cdp(phone).send(
        "Storage.clearDataForOrigin", {"origin": phone.base, "storageTypes": "indexeddb"}
    )
    lost = page.locator("[data-storage-lost]")
    lost.wait_for(timeout=10_000)
    assert "清除" in lost.inner_text()
    # the app goes on: a new record is saved in the recreated database and synced
    assert page.evaluate(SAVE_WITH_PHOTO_JS, 50) == "saved"
    phone.sync()
    phone.wait_synced()
    session.rollback()
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 1
    # the session was written back: a reload opens the app, not the login screen
    page.wait_for_function("() => window.patrolApp.store.state.storageRecovered")
    page.reload()
    phone.ready()
    assert page.evaluate("document.body.dataset.view") == "home"


def _admin_headers(base: str) -> dict:
    res = httpx.post(
        f"{base}/api/auth/login",
        json={"username": "admin", "password": PASSWORD, "device_id": "admin-desk"},
    )
    res.raise_for_status()
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def test_an_exported_outbox_imported_by_an_admin_arrives_once_and_the_phone_then_syncs_duplicates(
    phone, session, tmp_path
):
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    for _ in range(2):
        assert page.evaluate(SAVE_WITH_PHOTO_JS, 40) == "saved"
    # polled on a timer: the count is settled by an IndexedDB read after each save
    page.wait_for_function(
        "() => window.patrolApp.store.state.pending === 2", polling=250, timeout=60_000
    )
    with page.expect_download() as info:
        page.click("[data-action=export-outbox]")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    doc = json.loads(path.read_text())
    assert (doc["username"], len(doc["mutations"]), len(doc["photos"])) == ("member_a1", 2, 2)
    page.locator("[data-exported]").wait_for()

    admin = _admin_headers(phone.base)
    first = httpx.post(f"{phone.base}/api/sync/import", json=doc, headers=admin)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["applied", "applied"]
    again = httpx.post(f"{phone.base}/api/sync/import", json=doc, headers=admin)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]

    # the phone comes back: its records are answered duplicate, its photos already there
    phone.context.set_offline(False)
    phone.sync()
    phone.wait_synced()
    session.rollback()
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 2
    assert session.exec(select(func.count()).select_from(Mutation)).one() == 2
    assert session.exec(select(func.count()).select_from(Photo)).one() == 2

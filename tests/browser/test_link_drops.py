"""A phone with a backlog syncs over a link that drops every few seconds (tests/browser/
link_relay.py cuts every open connection): the photos go up in resumable chunks that resume
from what the server holds, pushes and chunks shrink to what fits between two drops, and
everything arrives exactly once.

The bounded runs are here (100 records, 3 photos); the full scenario of the field report
(300 scans, 20 photos of ~300 KB) is marked slow and runs with `make test-link-long`, which
prints its figures."""

import os
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.hazards.models import Hazard
from app.photos.models import Photo, RecordPhoto
from app.shifts.models import CheckpointScan, PatrolShift
from app.sync.models import Mutation
from tests.browser.conftest import Phone
from tests.browser.link_relay import LinkRelay, LinkShape

# A slow rural link (the field report: 400 ms, 25 KB/s up).
RURAL = {"up_bps": 25_000, "down_bps": 60_000, "latency_s": 0.2}

# Fills the outbox offline: one shift with `scans` scans, `photos` hazard reports with a
# photo of about `kb` KB each (noise does not compress: the JPEG stays that large).
FILL_JS = """async ([scans, photos, kb]) => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  const user = state.session.user.id;
  const site = state.bootstrap.sites.find((s) => s.checkpoints.length);
  const group = state.bootstrap.groups.find((g) => g.site_ids.includes(site.id));
  const shift = await outbox.add(user, 'shift.start',
    {site_id: site.id, group_id: group.id, member_ids: group.members.map((m) => m.id).slice(0, 4)});
  for (let i = 0; i < scans; i++) {
    const cp = site.checkpoints[i % site.checkpoints.length];
    await outbox.add(user, 'shift.scan',
      {shift_id: shift.id, checkpoint_code: cp.code, method: 'typed'});
  }
  const side = Math.round(Math.sqrt(kb * 1024 / 0.9));
  const sizes = [];
  for (let i = 0; i < photos; i++) {
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
    await outbox.add(user, 'hazard.report',
      {site_id: site.id, category: 'fire', severity: 'medium', description: '消防通道堵塞 ' + i,
       photos: [sha256]}, [{sha256, blob}]);
    sizes.push(blob.size);
  }
  return {ids: (await outbox.listMine(user)).map((e) => e.id), sizes};
}"""

DONE_JS = """() => { const s = window.patrolApp.store.state;
  return !s.syncing && s.pending === 0 && s.photosPending === 0 && s.lastSyncAt > arguments[0]; }"""


@pytest.fixture
def relay(server):
    port = int(server.rsplit(":", 1)[1])
    r = LinkRelay(port)
    r.start()
    yield r
    r.stop()


@pytest.fixture
def rural_phone(playwright, relay, tmp_path):
    p = Phone(playwright, f"http://127.0.0.1:{relay.port}", tmp_path / "profile")
    yield p
    p.close()


def sync_backlog_over(phone: Phone, relay: LinkRelay, shape: LinkShape, scans, photos, kb):
    """Logs in on a good link, records the backlog offline, then syncs it over `shape`;
    returns the mutation ids made, the photo sizes and the chunk requests seen."""
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    made = page.evaluate(FILL_JS, [scans, photos, kb])
    chunks = []
    page.on(
        "request",
        lambda r: chunks.append(r.url) if r.method == "PATCH" and "/api/photos/" in r.url else None,
    )
    relay.set(shape)
    before = page.evaluate("() => window.patrolApp.store.state.lastSyncAt")
    phone.context.set_offline(False)  # the `online` event starts the sync
    page.wait_for_function(
        """(before) => { const s = window.patrolApp.store.state;
          return !s.syncing && s.pending === 0 && s.photosPending === 0 && s.lastSyncAt
            && s.lastSyncAt !== before; }""",
        arg=before,
        timeout=int(os.environ.get("PATROL_LINK_TIMEOUT_S", "300")) * 1000,
        polling=500,
    )
    return made, chunks


def assert_all_arrived_once(session, made, scans, photos):
    session.rollback()
    ids = made["ids"]
    assert len(ids) == 1 + scans + photos
    logged = session.exec(select(Mutation.id, Mutation.status)).all()
    assert sorted(i for i, _ in logged) == sorted(ids)  # every record, none twice
    assert {s for _, s in logged} == {"applied"}
    assert session.exec(select(func.count()).select_from(PatrolShift)).one() == 1
    assert session.exec(select(func.count()).select_from(CheckpointScan)).one() == scans
    assert session.exec(select(func.count()).select_from(Hazard)).one() == photos
    stored = session.exec(select(Photo)).all()
    assert sorted(p.size for p in stored) == sorted(made["sizes"])
    linked = {r.sha256 for r in session.exec(select(RecordPhoto)).all()}
    assert linked == {p.sha256 for p in stored}


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("up_s", "down_s"),
    [(4.0, 3.0), (1.5, 1.5)],
    ids=["4s-up-3s-down", "1.5s-up-1.5s-down"],
)
def test_a_backlog_with_photos_syncs_completely_and_once_over_a_link_that_keeps_dropping(
    rural_phone, relay, session, up_s, down_s
):
    shape = LinkShape(**RURAL, up_for_s=up_s, down_for_s=down_s)
    made, chunks = sync_backlog_over(rural_phone, relay, shape, scans=100, photos=3, kb=120)
    assert_all_arrived_once(session, made, scans=100, photos=3)
    # The link really cut requests, and photos went up in chunks resumed past their start.
    assert relay.stats.cut_connections >= 1
    assert any("offset=0" not in url for url in chunks)
    page = rural_phone.page
    # The status bar tells the sync worked: no stale failure is left on it.
    assert page.locator("[data-sync-error]").count() == 0
    assert page.locator("[data-pending='0']").count() == 1


def test_a_photo_cut_mid_upload_goes_on_from_what_the_server_holds(rural_phone, relay, session):
    """Without drops but with a cut forced after the first chunk: the next chunk starts at the
    server's offset, so no byte is sent twice beyond the one chunk in flight."""
    rural_phone.open()
    page = rural_phone.login("member_a1")
    rural_phone.context.set_offline(True)
    made = page.evaluate(FILL_JS, [0, 1, 200])
    offsets = []

    def on_request(r):
        if r.method == "PATCH" and "/api/photos/" in r.url:
            offsets.append(int(r.url.split("offset=")[1].split("&")[0]))

    page.on("request", on_request)
    calls = {"n": 0}

    def cut_second_chunk(route):
        calls["n"] += 1
        if calls["n"] == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/photos/*?offset=*", cut_second_chunk)
    rural_phone.context.set_offline(False)
    rural_phone.sync()
    rural_phone.wait_synced()
    session.rollback()
    [photo] = session.exec(select(Photo)).all()
    assert photo.size == made["sizes"][0]
    # after the cut the upload resumed at the end of the first chunk, not at 0
    assert offsets[0] == 0 and offsets[1] > 0 and offsets[2] == offsets[1]
    assert all(b > a for a, b in zip(offsets[2:], offsets[3:], strict=False))


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.skipif(not os.environ.get("PATROL_LINK_LONG"), reason="make test-link-long")
@pytest.mark.parametrize(
    ("up_s", "down_s"),
    [(4.0, 3.0), (1.5, 1.5)],
    ids=["4s-up-3s-down", "1.5s-up-1.5s-down"],
)
def test_the_field_reports_backlog_of_300_scans_and_20_photos_syncs_completely_and_once(
    rural_phone, relay, session, capsys, up_s, down_s
):
    shape = LinkShape(**RURAL, up_for_s=up_s, down_for_s=down_s)
    t0 = time.monotonic()
    made, chunks = sync_backlog_over(rural_phone, relay, shape, scans=300, photos=20, kb=300)
    elapsed = time.monotonic() - t0
    assert_all_arrived_once(session, made, scans=300, photos=20)
    photo_bytes = sum(made["sizes"])
    with capsys.disabled():
        print(
            f"\nlink {up_s}s up/{down_s}s down, 25 KB/s up, 400 ms RTT: 301 records + 20 photos"
            f" ({photo_bytes / 1e6:.1f} MB) in {elapsed:.0f} s; {relay.stats.bytes_up / 1e6:.1f} MB"
            f" sent up, {relay.stats.cut_connections} connections cut, {len(chunks)} chunks,"
            f" sizes at the end {rural_phone.page.evaluate('window.patrolApp.linkSizes()')}"
        )


def test_a_failed_sync_message_leaves_the_status_bar_once_a_sync_gets_through(phone):
    phone.open()
    page = phone.login("member_a1")
    phone.context.set_offline(True)
    page.evaluate(FILL_JS, [3, 0, 0])
    page.route(
        "**/api/sync/push",
        lambda route: route.fulfill(status=500, body='{"error": {"code": "internal"}}'),
    )
    phone.context.set_offline(False)
    phone.sync()
    page.locator("[data-sync-error]").wait_for()
    assert "同步失败" in page.locator("[data-sync-error]").inner_text()
    page.unroute("**/api/sync/push")
    phone.sync()
    phone.wait_synced()
    assert page.locator("[data-sync-error]").count() == 0

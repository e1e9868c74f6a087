"""Measures the PWA on a phone-like budget (390x844, Chromium's CPU throttled 4x through the
DevTools protocol): app-shell size (what the service worker precaches, without the lazily
loaded QR decoder), the time to open the app offline (reload, and a cold browser start), the
time to save a record to the outbox (p95) and the time to sync an outbox of 2,000 records
with 50 photos.

    .venv/bin/python -m bench.pwa_open [--runs 10]

Prints one JSON object. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shell_files() -> list[str]:
    from app.pwa_shell import shell_urls

    return [u for u in shell_urls(PWA) if u != "/"] + ["/sw.js"]


def shell_size() -> dict:
    raw = gz = 0
    for url in shell_files():
        data = (PWA / url.lstrip("/")).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, 9))
    jsqr = PWA / "node_modules/jsqr/dist/jsQR.js"
    return {
        "files": len(shell_files()),
        "bytes": raw,
        "gzip_bytes": gz,
        "lazy_qr_decoder_bytes": jsqr.stat().st_size if jsqr.exists() else None,
    }


# Saves n hazard reports through the app's own outbox module; returns each save's ms.
SAVE_JS = """async (n) => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  const site = state.bootstrap.sites[0].id;
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await outbox.add(state.session.user.id, 'hazard.report',
      {site_id: site, category: 'fire', severity: 'low', description: 'bench ' + i});
    times.push(performance.now() - t0);
  }
  return times;
}"""

# Fills the outbox with n records, `photos` of them with a distinct JPEG each.
FILL_JS = """async ([n, photos]) => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  const site = state.bootstrap.sites[0].id;
  for (let i = 0; i < n; i++) {
    const shots = [];
    if (i < photos) {
      const canvas = new OffscreenCanvas(1600, 1200);
      const g = canvas.getContext('2d');
      g.fillStyle = `rgb(${i * 5 % 255}, 120, ${255 - i * 5 % 255})`;
      g.fillRect(0, 0, 1600, 1200);
      g.fillStyle = '#fff';
      g.fillText('photo ' + i, 40, 40);
      const blob = await canvas.convertToBlob({type: 'image/jpeg', quality: 0.8});
      const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      const hex = (b) => b.toString(16).padStart(2, '0');
      const sha256 = [...new Uint8Array(digest)].map(hex).join('');
      shots.push({sha256, blob});
    }
    await outbox.add(state.session.user.id, 'hazard.report',
      {site_id: site, category: 'traffic', severity: 'medium', description: 'backlog ' + i,
       photos: shots.map((p) => p.sha256)}, shots);
  }
}"""

BACKLOG_DONE_JS = """async () => {
  const outbox = await import('/js/outbox.js');
  const state = window.patrolApp.store.state;
  const photos = await outbox.photosToUpload(state.session.user.id);
  return state.pending === 0 && !state.syncing && photos.length === 0;
}"""


def sync_backlog(page, ctx, n: int, photos: int) -> dict:
    """Offline, the outbox fills with n records (photos of them with a photo); back online,
    the time until every record and photo is acknowledged."""
    page.evaluate(FILL_JS, [n - 200, photos])  # 200 are already there from the save run
    ctx.set_offline(False)
    t0 = time.perf_counter()
    page.evaluate("window.patrolApp.syncNow()")
    deadline = t0 + 600
    while time.perf_counter() < deadline:
        if page.evaluate(BACKLOG_DONE_JS):
            break
        time.sleep(0.2)
    else:
        return {"records": n, "photos": photos, "error": "not done within 600 s"}
    seconds = time.perf_counter() - t0
    return {
        "records": n,
        "photos": photos,
        "seconds": round(seconds, 1),
        "records_per_s": round(n / seconds, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--cpu-throttle", type=float, default=4.0)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--photos", type=int, default=50)
    opts = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pwa_bench_"))
    os.environ.setdefault("PATROL_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
    os.environ.setdefault("PATROL_ARGON2_MEMORY_KIB", "1024")
    os.environ["PATROL_DATABASE_URL"] = f"sqlite:///{tmp / 'patrol.db'}"
    os.environ["PATROL_UPLOAD_DIR"] = str(tmp / "uploads")

    import logging

    import uvicorn
    from alembic import command
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session

    from app import db
    from app.cli import alembic_config
    from app.main import create_app
    from tests.factories import PASSWORD, build_town

    logging.disable(logging.INFO)  # the request log would drown the result
    command.upgrade(alembic_config(os.environ["PATROL_DATABASE_URL"]), "head")
    engine = db.make_engine(os.environ["PATROL_DATABASE_URL"])
    db.use_engine(engine)
    with Session(engine) as s:
        build_town(s)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    reloads, cold, saves, outbox_sync = [], [], [], {}
    try:
        with sync_playwright() as p:

            def open_ctx():
                return p.chromium.launch_persistent_context(
                    str(tmp / "profile"),
                    executable_path="/usr/bin/chromium",
                    args=ARGS,
                    headless=True,
                    viewport={"width": 390, "height": 844},
                )

            def throttle(page):
                cdp = page.context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": opts.cpu_throttle})
                return cdp

            ctx = open_ctx()
            page = ctx.pages[0]
            throttle(page)
            page.goto(base)
            page.wait_for_selector("body[data-ready='1']")
            page.fill("[name=username]", "member_a1")
            page.fill("[name=password]", PASSWORD)
            page.click("form[data-form=login] button[type=submit]")
            page.wait_for_selector("body[data-view=home]")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.wait_for_function("() => window.patrolApp.store.state.lastSyncAt")
            ctx.set_offline(True)
            saves = page.evaluate(SAVE_JS, 200)
            for _ in range(opts.runs):
                t0 = time.perf_counter()
                page.reload()
                page.wait_for_selector("body[data-ready='1'][data-view=home]")
                reloads.append((time.perf_counter() - t0) * 1000)
            outbox_sync = sync_backlog(page, ctx, opts.records, opts.photos)
            ctx.close()
            for _ in range(max(3, opts.runs // 3)):
                ctx = open_ctx()
                ctx.set_offline(True)
                page = ctx.pages[0]
                throttle(page)
                t0 = time.perf_counter()
                page.goto(base)
                page.wait_for_selector("body[data-ready='1'][data-view=home]")
                cold.append((time.perf_counter() - t0) * 1000)
                ctx.close()
    finally:
        server.should_exit = True
        thread.join(10)
        db.use_engine(None)
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)

    def summary(xs):
        return {
            "runs": len(xs),
            "median_ms": round(statistics.median(xs), 1),
            "min_ms": round(min(xs), 1),
            "max_ms": round(max(xs), 1),
        }

    print(
        json.dumps(
            {
                "shell": shell_size(),
                "cpu_throttle": opts.cpu_throttle,
                "offline_reload": summary(reloads),
                "offline_cold_start": summary(cold),
                "save_to_outbox": {
                    **summary(saves),
                    "p95_ms": round(statistics.quantiles(saves, n=20)[-1], 1),
                },
                "outbox_sync": outbox_sync,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

"""Measures the PWA: app-shell size (what the service worker precaches, without the lazily
loaded QR decoder) and the time to open the app offline (reload, and a cold browser start).

    .venv/bin/python -m bench.pwa_open [--runs 10]

Prints one JSON object. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
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
    sw = (PWA / "sw.js").read_text()
    return [u for u in re.findall(r"^  '(/[^']*)',$", sw, re.M) if u != "/"] + ["/sw.js"]


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
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
    reloads, cold = [], []
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

            ctx = open_ctx()
            page = ctx.pages[0]
            page.goto(base)
            page.wait_for_selector("body[data-ready='1']")
            page.fill("[name=username]", "member_a1")
            page.fill("[name=password]", PASSWORD)
            page.click("form[data-form=login] button[type=submit]")
            page.wait_for_selector("body[data-view=home]")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.wait_for_function("() => window.patrolApp.store.state.lastSyncAt")
            ctx.set_offline(True)
            for _ in range(opts.runs):
                t0 = time.perf_counter()
                page.reload()
                page.wait_for_selector("body[data-ready='1'][data-view=home]")
                reloads.append((time.perf_counter() - t0) * 1000)
            ctx.close()
            for _ in range(max(3, opts.runs // 3)):
                ctx = open_ctx()
                ctx.set_offline(True)
                page = ctx.pages[0]
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
                "offline_reload": summary(reloads),
                "offline_cold_start": summary(cold),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

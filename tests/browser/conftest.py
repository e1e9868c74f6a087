"""Browser tests: the real app served by uvicorn on a free port, driven by headless Chromium.

The server logic is tested on SQLite and Postgres elsewhere; here SQLite is enough.
"""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PWA = ROOT / "pwa"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCHOOL_A_GPS = {"latitude": 30.5005, "longitude": 114.3005}  # ~70 m from 东风小学

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    return request.param


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pwa_dir(tmp_path) -> Path:
    """A copy of pwa/ that a test may change (to deploy a new version). StaticFiles does not
    follow symlinks out of its directory, so node_modules is copied too (it is small)."""
    dest = tmp_path / "pwa"
    shutil.copytree(PWA, dest)
    return dest


@pytest.fixture
def server(engine, town, pwa_dir, monkeypatch) -> Iterator[str]:
    """The real app (engine already in use via app.db.use_engine) on 127.0.0.1:<free port>."""
    import app.main as main_module

    monkeypatch.setattr(main_module, "PWA_DIR", pwa_dir)
    application = main_module.create_app()
    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


class Phone:
    """One phone: a persistent browser profile that can be closed and opened again."""

    def __init__(self, playwright: Playwright, base: str, profile: Path):
        self.playwright = playwright
        self.base = base
        self.profile = profile
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.dialogs: list[str] = []
        self.init_scripts: list[str] = []

    def open(self, *, offline: bool = False) -> Page:
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
            headless=True,
            viewport=PHONE,
            device_scale_factor=1,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation=SCHOOL_A_GPS,
            permissions=["geolocation"],
            service_workers="allow",
        )
        for script in self.init_scripts:
            self.context.add_init_script(script)
        self.context.set_default_timeout(30_000)  # a loaded 2-core machine runs servers too
        if offline:
            self.context.set_offline(True)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("dialog", self._on_dialog)
        return self.page

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        if dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    def goto(self, route: str = "") -> Page:
        self.page.goto(f"{self.base}/{('#/' + route) if route else ''}")
        self.ready()
        return self.page

    def ready(self) -> None:
        self.page.wait_for_selector("body[data-ready='1']")

    def login(self, username: str) -> Page:
        page = self.goto()
        page.fill("[name=username]", username)
        page.fill("[name=password]", PASSWORD)
        page.click("form[data-form=login] button[type=submit]")
        page.wait_for_selector("body[data-view=home]")
        # The shell is precached and controls the page; reference data arrived. The first
        # install fetches the whole shell, which takes longer than 15 s on a loaded machine.
        page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", polling=250, timeout=60_000
        )
        self.wait_synced()
        return page

    def wait_synced(self) -> None:
        self.page.wait_for_function(
            "() => { const s = window.patrolApp.store.state;"
            " return s.bootstrap && !s.syncing && s.lastSyncAt && s.pending === 0"
            " && s.photosPending === 0; }",
            timeout=30_000,
        )

    def sync(self) -> None:
        self.page.evaluate("() => window.patrolApp.syncNow()")

    def state(self, key: str):
        return self.page.evaluate(f"() => window.patrolApp.store.state[{key!r}]")

    def close(self) -> None:
        if self.context:
            self.context.close()
        self.context = None
        self.page = None


@pytest.fixture
def phone(playwright, server, tmp_path) -> Iterator[Phone]:
    p = Phone(playwright, server, tmp_path / "profile")
    yield p
    p.close()

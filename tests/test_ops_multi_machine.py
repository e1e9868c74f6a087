"""Several app machines behind a reverse proxy, on one Postgres: nginx (Debian's) in front of
two `patrol serve` processes on loopback ports with upload folders of their own. A phone's
journey crosses them: it logs in through one, pushes, pulls and refreshes through the other;
failed logins count once for both; nginx's X-Forwarded-For is believed, a phone's own is not.

Which app machine nginx hands a request to is chosen by the test (an `X-Test-Machine` header
mapped in nginx.conf), so "the other machine" is certain; without the header it balances.

Also asserted: a photo uploaded through A is read through B (the machines share the `database`
photo store, each with an upload folder of its own that stays empty), and a town admin of one
town, logged in through A, is blind to another town's site through B.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlmodel import Session

from app.auth.models import LoginFailure
from app.cli import alembic_config
from tests.conftest import PG_SERVER
from tests.factories import PASSWORD, build_town
from tests.sync_helpers import mut

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multi-machine-secret-key-0123456789abcdef"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_ADDRESS = "127.0.0.2"  # nginx connects to the apps from here: the one trusted proxy
PHONE_ADDRESS = "127.0.0.3"  # the test's phone connects to nginx from here
FAILURES_PER_ACCOUNT = 4

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format upstream '$upstream_addr';
    access_log {work}/nginx-access.log upstream;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    client_max_body_size 12m;
    upstream apps {{ server 127.0.0.1:{port_a}; server 127.0.0.1:{port_b}; }}
    upstream app_a {{ server 127.0.0.1:{port_a}; }}
    upstream app_b {{ server 127.0.0.1:{port_b}; }}
    map $http_x_test_machine $pick {{ default apps; a app_a; b app_b; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://$pick;
            proxy_bind {proxy_address};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Deployment:
    def __init__(self, url: str, base: str, work: Path, ports: dict[str, int]):
        self.url, self.base, self.work, self.ports = url, base, work, ports

    def upstreams(self) -> list[str]:
        """The app machine of every request nginx passed on so far, in order."""
        return (self.work / "nginx-access.log").read_text().split()

    def client(self) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=PHONE_ADDRESS)
        return httpx.Client(base_url=self.base, transport=transport, timeout=60)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make nginx` installs Debian's package")
        pytest.skip("nginx is not installed (make nginx)")
    work = tmp_path_factory.mktemp("machines")
    name = f"patrol_machines_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    procs: list[subprocess.Popen] = []
    try:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session:
            build_town(session)
        engine.dispose()
        ports, uploads = {}, {}
        for machine in ("a", "b"):
            ports[machine], uploads[machine] = _free_port(), work / f"uploads-{machine}"
            env = dict(
                os.environ,
                PATROL_ENV="test",
                PATROL_DATABASE_URL=url,
                PATROL_SECRET_KEY=SECRET,
                PATROL_ARGON2_MEMORY_KIB="1024",
                PATROL_UPLOAD_DIR=str(uploads[machine]),
                PATROL_PHOTO_STORE="database",  # shared by both machines (app.photos.store)
                PATROL_TRUSTED_PROXIES=PROXY_ADDRESS,
                PATROL_LOGIN_FAILURES_PER_ACCOUNT=str(FAILURES_PER_ACCOUNT),
            )
            log = work / f"app-{machine}.log"
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "serve", "--port", str(ports[machine])],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
            _wait_for(f"http://127.0.0.1:{ports[machine]}/readyz", procs[-1], log)
        port = _free_port()
        conf = work / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                work=work,
                port=port,
                port_a=ports["a"],
                port_b=ports["b"],
                proxy_address=PROXY_ADDRESS,
            )
        )
        log = work / "nginx-error.log"
        log.touch()
        procs.append(
            subprocess.Popen(
                [NGINX, "-c", str(conf), "-p", str(work)],
                stdout=subprocess.DEVNULL,
                stderr=(work / "nginx-stderr.log").open("wb"),
            )
        )
        _wait_for(f"http://127.0.0.1:{port}/healthz", procs[-1], work / "nginx-stderr.log")
        yield Deployment(url, f"http://127.0.0.1:{port}", work, ports)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on(machine: str, headers: dict | None = None) -> dict:
    return {"X-Test-Machine": machine, **(headers or {})}


def _login(c: httpx.Client, machine: str, username: str, password: str = PASSWORD):
    return c.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        headers=on(machine),
    )


def test_a_phones_journey_crosses_the_app_machines(deployment):
    with deployment.client() as c:
        res = _login(c, "a", "member_a1")
        assert res.status_code == 200, res.text
        tokens = res.json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        boot = c.get("/api/sync/bootstrap", headers=on("b", bearer)).json()
        site_id = next(s["id"] for s in boot["sites"] if s["name"] == "东风小学")
        m = mut(
            "hazard.report",
            {"site_id": site_id, "category": "fire", "description": "跨机器的隐患"},
        )
        body = {"sent_at": m["occurred_at"], "outbox_depth": 1, "mutations": [m]}
        pushed = c.post("/api/sync/push", json=body, headers=on("a", bearer))
        assert pushed.json()["results"][0]["status"] == "applied"
        # The same push again through the other machine: one mutation log for both.
        again = c.post("/api/sync/push", json=body, headers=on("b", bearer))
        assert again.json()["results"][0]["status"] == "duplicate"
        pulled = c.get("/api/sync/pull", params={"limit": 100}, headers=on("b", bearer)).json()
        assert [ch["id"] for ch in pulled["changes"] if ch["entity"] == "hazard"] == [m["id"]]
        refreshed = c.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, headers=on("b")
        )
        assert refreshed.status_code == 200, refreshed.text
        # The phone got its new pair (it refreshes with it through the first machine), so the
        # rotated token, replayed through the first machine, is refused as a reuse.
        onward = c.post(
            "/api/auth/refresh",
            json={"refresh_token": refreshed.json()["refresh_token"]},
            headers=on("a"),
        )
        assert onward.status_code == 200, onward.text
        replay = c.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, headers=on("a")
        )
        assert replay.status_code == 401


def test_a_town_admin_is_blind_to_another_towns_site_through_either_machine(deployment):
    from app.sites.models import Site
    from app.towns.service import add_town

    engine = create_engine(deployment.url)
    with Session(engine) as session:
        other = add_town(session, code="xishan", name="西山镇")
        site = Site(name="西山小学", town_id=other.id)
        session.add(site)
        session.commit()
        site_id = site.id
    engine.dispose()
    with deployment.client() as c:
        res = _login(c, "a", "admin")
        assert res.status_code == 200, res.text
        bearer = {"Authorization": f"Bearer {res.json()['access_token']}"}
        listed = c.get("/api/sites", headers=on("b", bearer)).json()
        assert listed and site_id not in {s["id"] for s in listed}
        for machine in ("a", "b"):
            res = c.get(f"/api/sites/{site_id}", headers=on(machine, bearer))
            assert res.status_code == 404, res.text
            res = c.patch(
                f"/api/sites/{site_id}", json={"name": "改名"}, headers=on(machine, bearer)
            )
            assert res.status_code == 404, res.text


def test_failed_logins_through_either_machine_count_toward_one_limit(deployment):
    with deployment.client() as c:
        answers = [
            _login(c, machine, "member_b2", "wrong-password").status_code
            for machine in ["a", "b", "a", "b", "a"]
        ]
    assert answers == [401] * FAILURES_PER_ACCOUNT + [429]


def test_the_limit_counts_the_phones_address_from_nginx_not_a_forged_one(deployment):
    with deployment.client() as c:
        c.post(
            "/api/auth/login",
            json={"username": "member_b3", "password": "wrong-password"},
            headers=on("a", {"X-Forwarded-For": "203.0.113.9"}),
        )
    engine = create_engine(deployment.url)
    try:
        with Session(engine) as session:
            addresses = session.exec(
                select(LoginFailure.address).where(LoginFailure.username == "member_b3")
            ).all()
    finally:
        engine.dispose()
    assert [a for (a,) in addresses] == [PHONE_ADDRESS]


def test_requests_without_a_chosen_machine_are_balanced_over_both(deployment):
    seen = len(deployment.upstreams())
    with deployment.client() as c:
        for _ in range(4):
            assert c.get("/healthz").status_code == 200
    deadline = time.monotonic() + 10  # nginx logs a request just after its answer
    while len(deployment.upstreams()) < seen + 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    used = set(deployment.upstreams()[seen:])
    assert used == {f"127.0.0.1:{p}" for p in deployment.ports.values()}


def test_a_photo_uploaded_through_one_machine_is_read_through_the_other(deployment):
    import hashlib
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buf, "JPEG", quality=80)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    with deployment.client() as c:
        token = _login(c, "a", "member_a2").json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        put = c.put(f"/api/photos/{sha}", content=data, headers=on("a", bearer))
        assert put.status_code in (200, 201), put.text
        got = c.get(f"/api/photos/{sha}", headers=on("b", bearer))
    assert got.status_code == 200
    assert got.content == data

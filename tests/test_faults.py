"""Faults: the server SIGKILLed during pushes, the database dropping the app's connections
under load, the photo storage full. Phones retry until acknowledged; afterwards nothing
acknowledged is lost and nothing is stored twice."""

import errno
import io
import os
import random
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, func, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from app import db
from app.hazards.models import Hazard
from app.photos.models import Photo
from app.sync.models import Mutation, SyncChange
from tests.conftest import PG_SERVER
from tests.factories import PASSWORD
from tests.hardening_server import Phone, Server
from tests.hardening_world import sha
from tests.sync_helpers import mut, push

KILLS = 5
TERMINATIONS = 5


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _login(base_url: str, username: str, device_id: str) -> dict:
    res = httpx.post(
        f"{base_url}/api/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device_id},
        timeout=30,
    )
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def _assert_exactly_once(url: str, phones: list[Phone]) -> dict:
    """Every acknowledged record is stored, each once, and nothing else."""
    created = [m for p in phones for m in p.created]
    acknowledged = set().union(*(p.acknowledged for p in phones))
    assert len(created) == len(set(created))
    assert acknowledged == set(created), "every batch was retried until acknowledged"
    engine = db.make_engine(url)
    try:
        with Session(engine) as s:
            stored = s.exec(select(Hazard.id)).all()
            in_log = s.exec(select(Mutation.id)).all()
            feed = s.exec(select(SyncChange.entity_id).where(SyncChange.entity == "hazard")).all()
    finally:
        engine.dispose()
    lost = acknowledged - set(stored)
    assert not lost, f"{len(lost)} acknowledged records lost"
    assert len(stored) == len(set(stored)) == len(created)
    assert sorted(in_log) == sorted(created)  # each mutation logged once
    assert sorted(feed) == sorted(created)  # each record in the pull feed once
    return {"records": len(created), "lost": len(lost)}


def _push_while(phone: Phone, done: threading.Event, batch: int = 20) -> None:
    with httpx.Client() as http:
        for _ in range(5000):
            if done.is_set():
                break
            phone.push_until_acknowledged(http, phone.batch(batch))
        for _ in range(3):  # and a few after the last fault
            phone.push_until_acknowledged(http, phone.batch(batch))


def test_sigkill_during_pushes_loses_nothing_and_doubles_nothing(engine, town, tmp_path, capsys):
    rng = random.Random(int(os.environ.get("PATROL_FAULT_SEED", "7")))
    server = Server(_url(engine), tmp_path / "uploads", tmp_path / "server.log")
    done = threading.Event()
    kills: list[float] = []
    try:
        server.start()
        phones = [
            Phone(server.url, _login(server.url, name, f"phone-kill-{name}"), town.sites[k].id)
            for name, k in (("member_a1", "a"), ("member_b1", "b"))
        ]
        pushers = [threading.Thread(target=_push_while, args=(p, done)) for p in phones]
        for t in pushers:
            t.start()
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 1.5))
                server.kill()
                kills.append(time.monotonic())
                server.start()
        finally:
            done.set()
            for t in pushers:
                t.join(timeout=300)
        assert not any(t.is_alive() for t in pushers)
    finally:
        server.stop()
    assert len(kills) == KILLS and server.starts == KILLS + 1
    # the kills did hit the phones: each left at least one push without an answer
    assert sum(p.failed_attempts for p in phones) >= KILLS
    figures = _assert_exactly_once(_url(engine), phones)
    with capsys.disabled():
        print(
            f"\nSIGKILL x{KILLS}: {figures['records']} records pushed, "
            f"{sum(p.failed_attempts for p in phones)} unanswered attempts retried, "
            f"{figures['lost']} lost, 0 doubled"
        )


def _terminate_backends(dbname: str) -> int:
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": dbname},
                ).all()
            )
    finally:
        admin.dispose()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_app_recovers_when_postgres_drops_its_connections_under_load(
    engine, town, tmp_path, capsys
):
    """A full Postgres restart is simulated by terminating every backend of this run's
    database (restarting the shared server would disturb other test runs): pool_pre_ping
    replaces the dead connections, the phones' retries complete, no process is restarted."""
    rng = random.Random(11)
    dbname = engine.url.database
    server = Server(_url(engine), tmp_path / "uploads", tmp_path / "server.log")
    done = threading.Event()
    terminated = 0
    try:
        server.start()
        phones = [
            Phone(server.url, _login(server.url, name, f"phone-pg-{name}"), town.sites[k].id)
            for name, k in (("member_a1", "a"), ("member_b1", "b"))
        ]
        pushers = [threading.Thread(target=_push_while, args=(p, done)) for p in phones]
        for t in pushers:
            t.start()
        try:
            for _ in range(TERMINATIONS):
                time.sleep(rng.uniform(0.2, 1.0))
                terminated += _terminate_backends(dbname)
        finally:
            done.set()
            for t in pushers:
                t.join(timeout=300)
        assert not any(t.is_alive() for t in pushers)
        assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
        assert server.proc.poll() is None and server.starts == 1  # recovered by itself
    finally:
        server.stop()
    assert terminated >= TERMINATIONS  # connections were really cut each time
    errors = sum((p.server_errors for p in phones), start=Counter())
    # a request whose connection was cut is answered 503 (retry), never a bare 500
    assert set(errors) <= {503}, errors
    figures = _assert_exactly_once(_url(engine), phones)
    with capsys.disabled():
        print(
            f"\npg_terminate_backend x{TERMINATIONS} ({terminated} connections): "
            f"{figures['records']} records, {errors[503]} answers 503 and "
            f"{sum(p.failed_attempts for p in phones)} dropped attempts retried, "
            f"{figures['lost']} lost"
        )


def _noisy_png(size=(200, 200)) -> bytes:
    """Incompressible pixels: a PNG far larger than the tiny file system."""
    img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def full_upload_dir(engine):
    """PATROL_UPLOAD_DIR on a 64 kB tmpfs (as root); otherwise every write fails ENOSPC."""
    from app.config import get_settings

    root = Path(get_settings().upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    mounted = (
        shutil.which("mount") is not None
        and os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root)], capture_output=True
        ).returncode
        == 0
    )
    if mounted:
        try:
            yield root
        finally:
            subprocess.run(["umount", "-l", str(root)], check=False)
        return
    real_open = open

    def _full(path, mode="r", *a, **kw):
        if str(path).startswith(str(root)) and ("w" in mode or "a" in mode):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **kw)

    import builtins

    builtins.open = _full
    try:
        yield root
    finally:
        builtins.open = real_open


def test_a_full_photo_store_answers_507_and_the_record_stays_pending(
    client, town, login, session, full_upload_dir
):
    headers = login("member_a1")
    photo = _noisy_png()
    assert len(photo) > 64 * 1024
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "collapse",
            "description": "宿舍楼墙体裂缝",
            "photos": [sha(photo)],
        },
    )
    [r] = push(client, headers, [report])
    assert r["status"] == "applied"  # the record itself goes in
    res = client.put(f"/api/photos/{sha(photo)}", content=photo, headers=headers)
    assert res.status_code == 507, res.text
    err = res.json()["error"]
    assert err["code"] == "storage_full" and "full" in err["message"]
    # resumable upload: the chunk that does not fit is refused the same way
    res = client.patch(
        f"/api/photos/{sha(photo)}",
        params={"offset": 0, "total": len(photo)},
        content=photo,
        headers=headers,
    )
    assert res.status_code == 507, res.text
    # the photo is still missing, for the phone and for the supervisor
    for who in (headers, login("supervisor")):
        missing = client.get("/api/photos/missing", headers=who).json()
        assert [(m["record_id"], m["sha256"]) for m in missing] == [(report["id"], sha(photo))]
    session.rollback()
    assert session.get(Hazard, report["id"]) is not None
    assert session.exec(select(func.count()).select_from(Photo)).one() == 0
    leftovers = [p.name for p in full_upload_dir.rglob("*") if p.is_file()]
    assert not [n for n in leftovers if n.endswith(".tmp") or n == sha(photo)], leftovers


def test_after_space_is_freed_the_retried_upload_completes(client, town, login, session, engine):
    """The other half of the story: the same upload, retried with room, is stored."""
    headers = login("member_a1")
    photo = _noisy_png()
    report = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "collapse",
            "description": "宿舍楼墙体裂缝",
            "photos": [sha(photo)],
        },
    )
    push(client, headers, [report])
    assert client.put(f"/api/photos/{sha(photo)}", content=photo, headers=headers).status_code == (
        201
    )
    assert client.get("/api/photos/missing", headers=headers).json() == []
    assert client.get(f"/api/photos/{sha(photo)}", headers=headers).content == photo

"""Uploads under load and against strangers, and the photo stores every app machine can share:
no photo request blocks the event loop or keeps the write turn, partial uploads are their
uploader's, orphans are bounded and cleaned, lost bytes are listed and accepted again."""

import asyncio
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text
from sqlmodel import select

from app import db
from app.config import get_settings
from app.photos import service
from app.photos.models import Photo, PhotoUpload
from app.photos.store import DatabaseStore, LocalStore, S3Store, get_store, photo_key
from tests.factories import PASSWORD
from tests.hardening_server import Server
from tests.hardening_world import png_bytes, sha
from tests.sync_helpers import mut, push

STORES = ["local", "database", "s3"]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 in server mode on 127.0.0.1 (a real HTTP endpoint boto3 talks to)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def use_store(monkeypatch, kind: str, s3_url: str | None = None) -> None:
    monkeypatch.setenv("PATROL_PHOTO_STORE", kind)
    if kind == "s3":
        import boto3

        bucket = f"photos-{uuid.uuid4().hex[:10]}"
        for name, value in {
            "PATROL_S3_BUCKET": bucket,
            "PATROL_S3_ENDPOINT_URL": s3_url,
            "PATROL_S3_ACCESS_KEY": "test",
            "PATROL_S3_SECRET_KEY": "test",
        }.items():
            monkeypatch.setenv(name, value)
        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=bucket)
    get_settings.cache_clear()


@pytest.fixture(params=STORES)
def store_kind(request, engine, monkeypatch) -> str:
    use_store(
        monkeypatch,
        request.param,
        request.getfixturevalue("s3_server") if request.param == "s3" else None,
    )
    yield request.param
    get_settings.cache_clear()


def _chunk(client, headers, data: bytes, offset: int, size: int):
    return client.patch(
        f"/api/photos/{sha(data)}",
        params={"offset": offset, "total": len(data)},
        content=data[offset : offset + size],
        headers=headers,
    )


def _hazard_with(client, town, headers, shas):
    m = mut(
        "hazard.report",
        {
            "site_id": town.sites["a"].id,
            "category": "fire",
            "description": "灭火器过期",
            "photos": shas,
        },
    )
    [r] = push(client, headers, [m])
    assert r["status"] == "applied"
    return m["id"]


# --- the event loop and the write turn ------------------------------------------------


def test_no_photo_request_touches_the_database_or_the_store_on_the_event_loop(
    client, town, login, engine, monkeypatch
):
    """A blocking call on the event loop's thread holds up every request of the process."""
    on_loop: list[str] = []

    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def check_sql(conn, cursor, statement, *args):
        if _loop_running():
            on_loop.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", check_sql)
    for name in ("put", "get", "exists", "delete", "delete_prefix"):
        real = getattr(LocalStore, name)

        def checked(self, *a, _real=real, _name=name):
            if _loop_running():
                on_loop.append(f"store.{_name}")
            return _real(self, *a)

        monkeypatch.setattr(LocalStore, name, checked)
    try:
        headers = login("member_a1")
        data = png_bytes((64, 48))
        half = len(data) // 2
        _hazard_with(client, town, headers, [sha(data)])
        assert _chunk(client, headers, data, 0, half).status_code == 200
        assert client.get(f"/api/photos/{sha(data)}/upload", headers=headers).status_code == 200
        assert _chunk(client, headers, data, half, len(data)).json()["complete"] is True
        other = png_bytes((32, 24))
        assert client.put(f"/api/photos/{sha(other)}", content=other, headers=headers).is_success
        assert client.get(f"/api/photos/{sha(data)}", headers=headers).content == data
        assert client.get("/api/photos/missing", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", check_sql)
    assert on_loop == []


def test_no_photo_route_holds_a_write_session_for_the_whole_request():
    """A request-long write session is the process's SQLite write turn, held while bytes
    travel; the photo service takes short transactions of its own instead."""
    from fastapi.routing import APIRoute

    from app.db import get_write_session
    from app.photos.routes import router

    def calls(dependant):
        yield dependant.call
        for sub in dependant.dependencies:
            yield from calls(sub)

    routes = [r for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) == 5
    holding = [r.path for r in routes if get_write_session in set(calls(r.dependant))]
    assert holding == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_chunk_that_does_not_finish_the_photo_gives_the_write_turn_back(
    client, town, login, engine
):
    headers = login("member_a1")
    data = png_bytes((64, 48))
    assert _chunk(client, headers, data, 0, 100).json()["complete"] is False
    # the answer is sent: this thread's write must get the process's turn at once (were the
    # turn still held, it would wait 30 s and fail with "no write turn")
    done = threading.Event()

    def write():
        with db.write_session() as s:
            s.execute(text("UPDATE sync_state SET epoch = epoch WHERE id = 1"))
        done.set()

    worker = threading.Thread(target=write)
    worker.start()
    worker.join(timeout=25)
    assert done.is_set()


def _login_http(base: str, username: str, device: str) -> dict:
    res = httpx.post(
        f"{base}/api/auth/login",
        timeout=60,
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    res.raise_for_status()
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_eight_first_chunks_at_once_all_succeed_while_healthz_answers(engine, town, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    server = Server(url, tmp_path / "uploads", tmp_path / "server.log")
    server.start()
    try:
        headers = _login_http(server.url, "member_a1", "phone-chunks-01")
        photos = [png_bytes((200 + i, 150)) for i in range(8)]
        answers: list[int] = []
        health: list[int] = []
        uploading = threading.Event()

        def first_chunk(data: bytes):
            uploading.set()
            res = httpx.patch(
                f"{server.url}/api/photos/{sha(data)}",
                params={"offset": 0, "total": len(data)},
                content=data[: len(data) // 2],
                headers=headers,
                timeout=60,
            )
            answers.append(res.status_code)

        def probe():
            uploading.wait(timeout=30)
            for _ in range(5):
                health.append(httpx.get(f"{server.url}/healthz", timeout=60).status_code)

        threads = [threading.Thread(target=first_chunk, args=(p,)) for p in photos]
        threads.append(threading.Thread(target=probe))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert answers == [200] * 8
        assert health == [200] * 5
        # and every upload finishes from where the server says it stands
        for data in photos:
            state = httpx.get(
                f"{server.url}/api/photos/{sha(data)}/upload", headers=headers, timeout=30
            ).json()
            assert state["received"] == len(data) // 2
            res = httpx.patch(
                f"{server.url}/api/photos/{sha(data)}",
                params={"offset": state["received"], "total": len(data)},
                content=data[state["received"] :],
                headers=headers,
                timeout=60,
            )
            assert res.json()["complete"] is True
    finally:
        server.stop()


# --- partial uploads belong to their uploader --------------------------------------------


def test_a_stranger_cannot_destroy_or_overwrite_another_users_partial_upload(
    client, town, login, session
):
    owner, stranger = login("member_a1"), login("member_b1")
    data = png_bytes((120, 90))
    half = len(data) // 2
    assert _chunk(client, owner, data, 0, half).json()["received"] == half
    # junk from the middle, junk from the start, a wrong whole photo: none touches the owner's
    junk = bytes(len(data))
    for offset in (half, 0):
        client.patch(
            f"/api/photos/{sha(data)}",
            params={"offset": offset, "total": len(data)},
            content=junk[offset:],
            headers=stranger,
        )
    client.put(f"/api/photos/{sha(data)}", content=junk, headers=stranger)
    state = client.get(f"/api/photos/{sha(data)}/upload", headers=owner).json()
    assert state == {"sha256": sha(data), "received": half, "complete": False}
    done = _chunk(client, owner, data, half, len(data))
    assert done.json()["complete"] is True
    assert client.get(f"/api/photos/{sha(data)}", headers=owner).content == data
    session.rollback()
    assert session.get(Photo, sha(data)).uploaded_by == town.users["member_a1"].id


# --- orphans: bounded and cleaned ----------------------------------------------------


def test_photos_no_record_names_are_bounded_per_user(client, town, login, monkeypatch):
    headers = login("member_a1")
    photos = [png_bytes((64 + i, 48)) for i in range(4)]
    monkeypatch.setenv("PATROL_ORPHAN_PHOTO_QUOTA_BYTES", str(sum(map(len, photos[:3]))))
    get_settings.cache_clear()
    for data in photos[:3]:
        assert client.put(
            f"/api/photos/{sha(data)}", content=data, headers=headers
        ).status_code == (201)
    over = client.put(f"/api/photos/{sha(photos[3])}", content=photos[3], headers=headers)
    assert over.status_code == 429 and over.json()["error"]["code"] == "photo_quota"
    first = _chunk(client, headers, photos[3], 0, 10)
    assert first.status_code == 429
    # another user is not held up by this one's orphans
    other = login("member_a2")
    assert (
        client.put(f"/api/photos/{sha(photos[3])}", content=photos[3], headers=other).status_code
        == 201
    )
    # a photo a record waits for always goes in; and once records name them, room is back
    waited = png_bytes((90, 60))
    _hazard_with(client, town, headers, [sha(waited)] + [sha(p) for p in photos[:3]])
    assert client.put(
        f"/api/photos/{sha(waited)}", content=waited, headers=headers
    ).status_code == (201)
    extra = png_bytes((70, 50))
    assert (
        client.put(f"/api/photos/{sha(extra)}", content=extra, headers=headers).status_code == 201
    )


def test_clean_removes_old_orphans_and_stale_uploads_and_keeps_what_records_name(
    client, town, login, session
):
    headers = login("member_a1")
    named, orphan, partial = png_bytes((60, 40)), png_bytes((61, 40)), png_bytes((62, 40))
    _hazard_with(client, town, headers, [sha(named)])
    for data in (named, orphan):
        assert client.put(f"/api/photos/{sha(data)}", content=data, headers=headers).is_success
    assert _chunk(client, headers, partial, 0, 50).status_code == 200
    now = db.utcnow()
    # young orphans stay: the phone may be about to push the record naming them
    assert service.clean(now=now, older_than=timedelta(hours=72)) == {"uploads": 0, "photos": 0}
    later = now + timedelta(hours=73)
    assert service.clean(now=later, older_than=timedelta(hours=72)) == {"uploads": 1, "photos": 1}
    session.rollback()
    assert {p.sha256 for p in session.exec(select(Photo)).all()} == {sha(named)}
    assert session.exec(select(PhotoUpload)).all() == []
    store = get_store()
    assert store.exists(photo_key(sha(named))) and not store.exists(photo_key(sha(orphan)))
    root = Path(get_settings().upload_dir)
    assert [p for p in root.rglob("*") if p.is_file() and "partial" in p.parts] == []
    assert client.get(f"/api/photos/{sha(named)}", headers=headers).content == named


def test_patrol_photos_clean_is_a_command(engine, town, capsys):
    from app.cli import main

    main(["photos", "clean", "--hours", "1"])
    assert "removed 0 unfinished uploads and 0 unused photos" in capsys.readouterr().out


# --- stores --------------------------------------------------------------------------


def test_every_store_keeps_replaces_lists_and_removes_bytes(store_kind):
    store = get_store()
    assert isinstance(
        store, {"local": LocalStore, "database": DatabaseStore, "s3": S3Store}[store_kind]
    )
    assert store.get("ab/missing") is None and not store.exists("ab/missing")
    store.put("ab/one", b"first")
    store.put("ab/one", b"second")
    assert store.get("ab/one") == b"second" and store.exists("ab/one")
    for offset in (0, 5, 10):
        store.put(f"partial/7/abc/{offset:012d}", b"x" * 5)
    store.put("partial/7/abcd/000000000000", b"keep")
    store.delete_prefix("partial/7/abc")
    assert store.get("partial/7/abc/000000000005") is None
    assert store.get("partial/7/abcd/000000000000") == b"keep"
    store.delete("ab/one")
    store.delete("ab/one")
    assert store.get("ab/one") is None


def test_a_resumable_upload_works_the_same_through_every_store(
    store_kind, client, town, login, tmp_path
):
    headers = login("member_a1")
    data = png_bytes((300, 200))
    record = _hazard_with(client, town, headers, [sha(data)])
    step = len(data) // 3 + 1
    at = 0
    while at < len(data):
        res = _chunk(client, headers, data, at, step)
        assert res.status_code == 200, res.text
        at = res.json()["received"]
    assert res.json()["complete"] is True
    assert client.get(f"/api/photos/{sha(data)}", headers=headers).content == data
    assert client.get("/api/photos/missing", headers=headers).json() == []
    if store_kind != "local":  # nothing on this machine's disk: the store holds it all
        root = Path(get_settings().upload_dir)
        assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]
    assert record


def test_a_record_whose_photo_bytes_are_gone_is_listed_missing_and_accepts_the_upload_again(
    store_kind, client, town, login
):
    headers, sup = login("member_a1"), login("supervisor")
    data = png_bytes((80, 60))
    record = _hazard_with(client, town, headers, [sha(data)])
    assert client.put(f"/api/photos/{sha(data)}", content=data, headers=headers).status_code == 201
    get_store().delete(photo_key(sha(data)))  # a lost disk, a restore without photos
    # re-sending before anyone noticed stores it again (not "complete" with nothing stored)
    again = client.put(f"/api/photos/{sha(data)}", content=data, headers=headers)
    assert again.status_code == 201
    assert get_store().get(photo_key(sha(data))) == data
    # lost again, noticed by a read: listed missing, and the resumable upload takes it
    get_store().delete(photo_key(sha(data)))
    assert client.get(f"/api/photos/{sha(data)}", headers=sup).status_code == 404
    missing = client.get("/api/photos/missing", headers=sup).json()
    assert [(m["record_id"], m["sha256"]) for m in missing] == [(record, sha(data))]
    res = _chunk(client, headers, data, 0, len(data))
    assert res.json()["complete"] is True
    assert client.get(f"/api/photos/{sha(data)}", headers=sup).content == data
    # and a sweep of the whole store finds what no read has noticed
    get_store().delete(photo_key(sha(data)))
    assert service.verify() == 1
    assert len(client.get("/api/photos/missing", headers=sup).json()) == 1


# --- several app machines -----------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("kind", ["database", "s3"])
def test_an_upload_begun_on_one_app_machine_continues_and_reads_on_another(
    engine, town, tmp_path, kind, request, monkeypatch
):
    use_store(monkeypatch, kind, request.getfixturevalue("s3_server") if kind == "s3" else None)
    url = engine.url.render_as_string(hide_password=False)
    servers = [Server(url, tmp_path / f"uploads-{i}", tmp_path / f"server{i}.log") for i in (1, 2)]
    for server in servers:
        server.start()
    try:
        a, b = (s.url for s in servers)
        headers = _login_http(a, "member_a1", "phone-two-machines")
        data = png_bytes((400, 300))
        half = len(data) // 2
        first = httpx.patch(
            f"{a}/api/photos/{sha(data)}",
            params={"offset": 0, "total": len(data)},
            content=data[:half],
            headers=headers,
            timeout=30,
        )
        assert first.json()["received"] == half
        state = httpx.get(f"{b}/api/photos/{sha(data)}/upload", headers=headers, timeout=30)
        assert state.json()["received"] == half
        last = httpx.patch(
            f"{b}/api/photos/{sha(data)}",
            params={"offset": half, "total": len(data)},
            content=data[half:],
            headers=headers,
            timeout=30,
        )
        assert last.json()["complete"] is True
        for base in (a, b):
            res = httpx.get(f"{base}/api/photos/{sha(data)}", headers=headers, timeout=30)
            assert res.status_code == 200 and res.content == data
        whole = png_bytes((401, 300))
        put = httpx.put(f"{b}/api/photos/{sha(whole)}", content=whole, headers=headers, timeout=30)
        assert put.status_code == 201
        assert httpx.get(f"{a}/api/photos/{sha(whole)}", headers=headers, timeout=30).content == (
            whole
        )
    finally:
        for server in servers:
            server.stop()

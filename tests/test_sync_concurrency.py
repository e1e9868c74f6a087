"""Two app processes on one Postgres, concurrent pushers and pullers, transactions made to
commit out of the order they started in: no puller's stream ever misses a committed row."""

import threading
import uuid
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from tests.factories import PASSWORD
from tests.hardening_server import Server
from tests.sync_helpers import SHANGHAI

PUSHERS, BATCHES, PER_BATCH, PULLERS = 6, 12, 4, 3


@pytest.fixture
def backend():
    return "postgres"


def _login(base: str, username: str, device: str) -> dict:
    res = httpx.post(
        f"{base}/api/auth/login",
        timeout=30,
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    res.raise_for_status()
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def test_pullers_on_two_processes_never_miss_a_commit_made_out_of_order(
    engine, town, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATROL_CHAOS_DELAY_MS", "150")
    url = engine.url.render_as_string(hide_password=False)
    servers = [
        Server(
            url, tmp_path / "uploads", tmp_path / f"server{i}.log", app="tests.chaos_app:create_app"
        )
        for i in (1, 2)
    ]
    acknowledged: set[str] = set()
    streams: list[list[dict]] = [[] for _ in range(PULLERS)]
    errors: list[str] = []
    pushing_done = threading.Event()
    lock = threading.Lock()
    members = ["member_a1", "member_a2", "member_a3", "member_a4", "leader_a", "member_a1"]

    def pusher(n: int) -> None:
        base = servers[n % 2].url
        headers = _login(base, members[n], f"pusher-phone-{n:04d}")
        site = town.sites["a" if n % 2 else "a2"].id
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for _ in range(BATCHES):
                muts = [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "hazard.report",
                        "occurred_at": datetime.now(SHANGHAI).isoformat(),
                        "payload": {
                            "site_id": site,
                            "category": "traffic",
                            "description": f"pusher {n}",
                        },
                    }
                    for _ in range(PER_BATCH)
                ]
                res = http.post(
                    "/api/sync/push",
                    json={"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": muts},
                )
                if res.status_code != 200:
                    errors.append(res.text)
                    continue
                with lock:
                    acknowledged.update(
                        r["id"] for r in res.json()["results"] if r["status"] == "applied"
                    )

    def puller(n: int) -> None:
        headers = _login(servers[0].url, "supervisor", f"puller-device-{n:04d}")
        cursor, polls = None, 0
        while polls < 5000:  # bounded; ends soon after the pushers are done
            finished = pushing_done.is_set()
            base = servers[polls % 2].url  # alternate between the two processes
            polls += 1
            params = {"limit": 7}
            if cursor:
                params["cursor"] = cursor
            res = httpx.get(f"{base}/api/sync/pull", params=params, headers=headers, timeout=60)
            if res.status_code != 200:
                errors.append(res.text)
                return
            body = res.json()
            streams[n].extend(body["changes"])
            cursor = body["cursor"]
            if finished and not body["has_more"]:
                return

    try:
        for s in servers:
            s.start()
        pullers = [threading.Thread(target=puller, args=(i,)) for i in range(PULLERS)]
        pushers = [threading.Thread(target=pusher, args=(i,)) for i in range(PUSHERS)]
        for t in pullers + pushers:
            t.start()
        for t in pushers:
            t.join(timeout=300)
        pushing_done.set()
        for t in pullers:
            t.join(timeout=300)
    finally:
        for s in servers:
            s.stop()

    assert errors == []
    for s in servers:  # the pauses that put the commits out of order did happen
        log = s.log_path.read_text()
        assert "chaos pause before the version" in log and "chaos pause before the commit" in log
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT id FROM hazard")).scalars())
    assert len(acknowledged) == PUSHERS * BATCHES * PER_BATCH
    assert stored == acknowledged
    for stream in streams:
        ids = [c["id"] for c in stream]
        assert len(ids) == len(set(ids)), "a change was delivered twice"
        assert set(ids) == stored, f"missed {len(stored - set(ids))} committed rows"
        versions = [c["version"] for c in stream]
        assert versions == sorted(versions)

"""Sessions against a hostile insider: a device belongs to one user, logout ends the session at
once on every process, and login throttling holds under concurrency without letting a
stranger lock out the people who share an address."""

import threading

import httpx
import pytest

from app.auth import security
from app.config import get_settings
from tests.factories import PASSWORD
from tests.hardening_server import Server
from tests.hardening_world import bearer, login_tokens
from tests.test_refresh_grace import age_rotation

ME = "/api/auth/me"


def _attempt(client, username, password, device_id=None):
    body = {"username": username, "password": password}
    if device_id:
        body["device_id"] = device_id
    return client.post("/api/auth/login", json=body)


def test_logging_in_with_another_users_device_id_does_not_log_that_user_out(client, town):
    first = login_tokens(client, "member_a1", "phone-own-0001")
    taken = login_tokens(client, "member_b1", "phone-own-0001")  # the id, read off a report
    assert taken["device_id"] != "phone-own-0001"
    # the owner's session goes on: access and refresh both work
    assert client.get(ME, headers=bearer(first["access_token"])).json()["username"] == "member_a1"
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    # the other user has a device of their own, the same one at every login from that phone
    assert client.get(ME, headers=bearer(taken["access_token"])).json()["username"] == "member_b1"
    again = login_tokens(client, "member_b1", "phone-own-0001")
    assert again["device_id"] == taken["device_id"]
    assert login_tokens(client, "member_a1", "phone-own-0001")["device_id"] == "phone-own-0001"


def test_logout_ends_the_access_token_at_once(client, town):
    tokens = login_tokens(client, "member_a1", "phone-out-0001")
    headers = bearer(tokens["access_token"])
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    for url in (ME, "/api/sync/pull", "/api/photos/missing"):
        res = client.get(url, headers=headers)
        assert res.status_code == 401, (url, res.status_code)
    # logging in again on the same phone starts a new session that works
    again = login_tokens(client, "member_a1", "phone-out-0001")
    assert client.get(ME, headers=bearer(again["access_token"])).status_code == 200
    assert client.get(ME, headers=headers).status_code == 401


def test_a_refresh_token_used_twice_ends_the_access_tokens_too(client, town, engine):
    tokens = login_tokens(client, "member_a1", "phone-twice-001")
    rotated = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    # past the grace for a lost answer (tests/test_refresh_grace.py)
    age_rotation(engine, "phone-twice-001", get_settings().refresh_reuse_grace_seconds + 1)
    new_access = rotated.json()["access_token"]
    assert client.get(ME, headers=bearer(new_access)).status_code == 200
    replay = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 401
    assert client.get(ME, headers=bearer(new_access)).status_code == 401


def _concurrent_guesses(post, n: int) -> list[int]:
    answers: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def guess(i):
        start.wait(timeout=30)
        status = post(i)
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def test_forty_concurrent_guesses_get_at_most_the_limit_of_password_checks(
    client, town, monkeypatch
):
    checks: list[str] = []
    real = security.verify_password

    def counted(password, password_hash):
        checks.append(password)
        return real(password, password_hash)

    monkeypatch.setattr(security, "verify_password", counted)
    answers = _concurrent_guesses(
        lambda i: _attempt(client, "member_a1", f"guess-{i:04d}").status_code, 40
    )
    limit = get_settings().login_failures_per_account
    assert len(answers) == 40
    assert len(checks) <= limit
    assert answers.count(401) == len(checks) and answers.count(429) == 40 - len(checks)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_throttling_holds_across_two_app_processes(engine, town, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    servers = [Server(url, tmp_path / "up", tmp_path / f"server{i}.log") for i in (1, 2)]
    for s in servers:
        s.start()
    try:

        def post(i):
            res = httpx.post(
                f"{servers[i % 2].url}/api/auth/login",
                json={"username": "member_a1", "password": f"guess-{i:04d}"},
                timeout=60,
            )
            return res.status_code

        answers = _concurrent_guesses(post, 40)
        # every 401 is one password check; the rest were refused before any check
        assert answers.count(401) <= get_settings().login_failures_per_account
        assert answers.count(401) + answers.count(429) == 40
        # logout through one process ends the token on the other at once
        res = httpx.post(
            f"{servers[0].url}/api/auth/login",
            json={"username": "member_a2", "password": PASSWORD, "device_id": "phone-2proc-01"},
            timeout=60,
        )
        headers = bearer(res.json()["access_token"])
        assert httpx.get(f"{servers[1].url}{ME}", headers=headers, timeout=30).status_code == 200
        out = httpx.post(f"{servers[0].url}/api/auth/logout", headers=headers, timeout=30)
        assert out.status_code == 204
        assert httpx.get(f"{servers[1].url}{ME}", headers=headers, timeout=30).status_code == 401
    finally:
        for s in servers:
            s.stop()


def test_made_up_names_from_one_address_do_not_lock_out_real_users_on_their_phones(client, town):
    own = login_tokens(client, "member_a1", "phone-nat-0001")  # a phone used before
    assert own["device_id"] == "phone-nat-0001"
    settings = get_settings()
    for i in range(settings.login_failures_per_address + 5):
        res = _attempt(client, f"nobody-{i}", "guess")
        assert res.status_code in (401, 429)
    # the stranger is stopped ...
    assert _attempt(client, "nobody-else", "guess").status_code == 429
    # ... and the person behind the same address logs in on their own phone
    res = _attempt(client, "member_a1", PASSWORD, "phone-nat-0001")
    assert res.status_code == 200, res.text
    # while the account's own limit still holds for that phone
    for _ in range(settings.login_failures_per_account):
        assert _attempt(client, "member_a1", "wrong", "phone-nat-0001").status_code == 401
    assert _attempt(client, "member_a1", PASSWORD, "phone-nat-0001").status_code == 429

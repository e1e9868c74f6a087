"""Login, refresh rotation with reuse detection, revocation and rate limits."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlmodel import select

from app.auth.models import RefreshToken
from app.config import get_settings
from tests.test_refresh_grace import age_rotation

PW = "patrol-test-pw"


def _login(client, username, password=PW, device_id=None):
    body = {"username": username, "password": password}
    if device_id:
        body["device_id"] = device_id
    return client.post("/api/auth/login", json=body)


def test_login_returns_access_and_refresh_tokens_bound_to_the_device(client, town):
    res = _login(client, "member_a1", device_id="phone-0001")
    assert res.status_code == 200
    body = res.json()
    assert body["device_id"] == "phone-0001"
    claims = jwt.decode(body["access_token"], get_settings().secret_key, algorithms=["HS256"])
    assert claims["dev"] == "phone-0001"
    assert claims["sub"] == str(town.users["member_a1"].id)
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "member_a1"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, town):
    wrong = _login(client, "member_a1", password="nope-nope")
    unknown = _login(client, "nobody-here", password="nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_repeated_failed_logins_for_one_account_are_rate_limited(client, town):
    for _ in range(get_settings().login_failures_per_account):
        assert _login(client, "member_a1", password="bad-password").status_code == 401
    limited = _login(client, "member_a1")  # even the right password waits now
    assert limited.status_code == 429
    assert "try again" in limited.json()["error"]["message"]


def test_refresh_rotates_and_reuse_of_an_old_token_revokes_the_device(client, town, engine):
    first = _login(client, "member_a1", device_id="phone-0002").json()
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    # past the grace for a lost answer (tests/test_refresh_grace.py)
    age_rotation(engine, "phone-0002", get_settings().refresh_reuse_grace_seconds + 1)
    reuse = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    # the legitimate newer token is dead too: the whole family was revoked
    after = client.post("/api/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert after.status_code == 401


def test_refresh_still_works_after_a_week_offline(client, town, session):
    tokens = _login(client, "member_a1", device_id="phone-0003").json()
    row = session.exec(select(RefreshToken)).one()
    assert row.expires_at - row.issued_at >= timedelta(days=30)
    res = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert res.status_code == 200


def test_logout_revokes_the_devices_refresh_tokens(client, town):
    tokens = _login(client, "member_a1", device_id="phone-0004").json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    res = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert res.status_code == 401


def test_tokens_with_alg_none_wrong_key_or_expired_are_refused(client, town):
    user_id = str(town.users["member_a1"].id)
    _login(client, "member_a1", device_id="phone-0005")
    exp = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    claims = {"sub": user_id, "dev": "phone-0005", "scope": "all", "typ": "access", "exp": exp}
    none_alg = jwt.encode(claims, key=None, algorithm="none")
    wrong_key = jwt.encode(claims, "another-key-that-is-long-enough-for-hs256!", algorithm="HS256")
    expired = jwt.encode(
        {**claims, "exp": exp - 3600}, get_settings().secret_key, algorithm="HS256"
    )
    for token in (none_alg, wrong_key, expired, "garbage"):
        res = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 401, token
        assert res.json()["error"]["code"] == "not_authenticated"


def test_a_disabled_user_cannot_log_in_or_read(client, town, login):
    headers = login("member_a1", device_id="phone-0006")
    admin = login("admin")
    uid = town.users["member_a1"].id
    res = client.patch(f"/api/users/{uid}", json={"active": False}, headers=admin)
    assert res.status_code == 200, res.text
    assert client.get("/api/auth/me", headers=headers).status_code == 403
    assert _login(client, "member_a1").status_code == 403


def test_requests_without_a_token_get_401_with_json_error(client, town):
    res = client.get("/api/auth/me")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "not_authenticated"
    assert client.get("/healthz").json() == {"status": "ok"}

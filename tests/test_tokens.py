"""Access and refresh tokens under attack: forged, tampered, replayed, revoked, handed on."""

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlmodel import select

from app.auth.models import RefreshToken
from app.config import get_settings
from tests.hardening_world import bearer, expired_token, login_tokens

ME = "/api/auth/me"


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def _tampered(token: str, **changes) -> str:
    """The same header and signature over changed claims."""
    header, claims, signature = _parts(token)
    return f"{_b64(header)}.{_b64({**claims, **changes})}.{signature}"


def _refused(client, token: str) -> None:
    res = client.get(ME, headers=bearer(token))
    assert res.status_code == 401, (token[:40], res.status_code, res.text)
    assert res.json()["error"]["code"] == "not_authenticated"
    assert res.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def phone(client, town):
    tokens = login_tokens(client, "member_a1", "phone-tok-0001")
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200
    return tokens


def _hs512(claims: dict) -> str:
    """HS512 with the right key is still not the algorithm we issue."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjwt warns that the test key is short for SHA-512
        return jwt.encode(claims, get_settings().secret_key, algorithm="HS512")


def test_alg_none_and_algorithm_confusion_are_refused(client, phone):
    _, claims, _ = _parts(phone["access_token"])
    forged = [
        jwt.encode(claims, key=None, algorithm="none"),
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{_b64(claims)}.",
        f"{_b64({'alg': 'NONE'})}.{_b64(claims)}.{_parts(phone['access_token'])[2]}",
        _hs512(claims),
    ]
    for token in forged:
        _refused(client, token)


def test_a_token_signed_with_another_key_is_refused(client, phone):
    _, claims, _ = _parts(phone["access_token"])
    for key in ("another-key-that-is-long-enough-for-hs256!", get_settings().secret_key + "x"):
        _refused(client, jwt.encode(claims, key, algorithm="HS256"))


def test_an_expired_token_is_refused_with_a_hint_to_refresh(client, town, phone):
    token = expired_token(town.users["member_a1"].id, "phone-tok-0001")
    res = client.get(ME, headers=bearer(token))
    assert res.status_code == 401
    assert "expired" in res.json()["error"]["message"]


def test_tampered_claims_break_the_signature(client, town, phone):
    token = phone["access_token"]
    _, claims, _ = _parts(token)
    later = int((datetime.now(UTC) + timedelta(days=365)).timestamp())
    for changes in (
        {"sub": str(town.users["admin"].id)},  # become the admin
        {"sub": str(town.users["member_b1"].id)},
        {"dev": "someone-elses-phone"},
        {"exp": later},  # live forever
        {"typ": "refresh"},
    ):
        _refused(client, _tampered(token, **changes))
    # the untouched token still works, so the refusals above are the tampering's doing
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert claims["scope"] == "all"


def test_a_push_only_token_cannot_be_widened_to_read_everything(client, town, login):
    tokens = login_tokens(client, "member_a2", "phone-tok-0002")
    admin = login("admin")
    res = client.patch(
        f"/api/users/{town.users['member_a2'].id}", json={"active": False}, headers=admin
    )
    assert res.status_code == 200
    res = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert res.status_code == 200 and res.json()["scope"] == "push"
    push_only = res.json()["access_token"]
    assert client.get("/api/sync/pull", headers=bearer(push_only)).status_code == 403
    widened = _tampered(push_only, scope="all")
    assert client.get("/api/sync/pull", headers=bearer(widened)).status_code == 401
    # even re-signed with the right key (a leaked key is another story) the user is disabled
    _, claims, _ = _parts(push_only)
    resigned = jwt.encode({**claims, "scope": "all"}, get_settings().secret_key, "HS256")
    assert client.get("/api/sync/pull", headers=bearer(resigned)).status_code == 403


def test_garbage_and_wrong_schemes_are_refused(client, phone):
    token = phone["access_token"]
    for header in (
        {"Authorization": token},  # no scheme
        {"Authorization": f"Basic {token}"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": f"Bearer {phone['refresh_token']}"},  # a refresh token is no access
        {"Authorization": f"Bearer {token}.{token}"},
    ):
        res = client.get(ME, headers=header)
        assert res.status_code == 401, header


def test_refresh_reuse_after_rotation_revokes_every_token_of_the_device(client, town, session):
    first = login_tokens(client, "member_a1", "phone-tok-0003")
    other_login = login_tokens(client, "member_a1", "phone-tok-0003")  # a second family
    elsewhere = login_tokens(client, "member_a1", "phone-tok-0099")  # another phone
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    third = client.post("/api/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert third.status_code == 200
    # a thief replays the first, already rotated token
    replay = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "used twice" in replay.json()["error"]["message"]
    for token in (third.json()["refresh_token"], other_login["refresh_token"]):
        res = client.post("/api/auth/refresh", json={"refresh_token": token})
        assert res.status_code == 401
    session.rollback()
    rows = session.exec(
        select(RefreshToken).where(RefreshToken.device_id == "phone-tok-0003")
    ).all()
    assert len(rows) == 4 and all(r.revoked_at is not None for r in rows)
    # the user's other phone is untouched
    res = client.post("/api/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
    assert res.status_code == 200


def test_a_revoked_device_is_refused_for_access_refresh_and_login(client, town, login):
    tokens = login_tokens(client, "member_a1", "phone-tok-0004")
    headers = bearer(tokens["access_token"])
    assert client.get(ME, headers=headers).status_code == 200
    res = client.post("/api/devices/phone-tok-0004/revoke", headers=login("admin"))
    assert res.status_code == 200 and res.json()["revoked_at"]
    res = client.get(ME, headers=headers)
    assert res.status_code == 401 and "revoked" in res.json()["error"]["message"]
    push = {"sent_at": datetime.now(UTC).isoformat(), "mutations": []}
    assert client.post("/api/sync/push", json=push, headers=headers).status_code == 401
    res = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert res.status_code == 401
    res = client.post(
        "/api/auth/login",
        json={"username": "member_a1", "password": "patrol-test-pw", "device_id": "phone-tok-0004"},
    )
    assert res.status_code == 403
    # the same person on a new phone is fine: it was the phone that was cut off
    assert login_tokens(client, "member_a1", "phone-tok-0005")["access_token"]


def test_a_phone_handed_to_another_user_gets_them_a_device_of_their_own(client, town):
    before = login_tokens(client, "member_a1", "phone-tok-shared")
    after = login_tokens(client, "member_b1", "phone-tok-shared")
    assert after["device_id"] != "phone-tok-shared"
    me = client.get(ME, headers=bearer(after["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "member_b1"
    # member_a1 logs out on that phone when done with it; until then the session is theirs
    assert client.get(ME, headers=bearer(before["access_token"])).status_code == 200
    pull = client.get("/api/sync/pull", headers=bearer(after["access_token"]))
    assert pull.status_code == 200


def test_an_expired_refresh_token_is_refused(client, town, session, engine):
    tokens = login_tokens(client, "member_a1", "phone-tok-0006")
    from sqlmodel import Session

    with Session(engine) as s:
        row = s.exec(select(RefreshToken).where(RefreshToken.device_id == "phone-tok-0006")).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.add(row)
        s.commit()
    res = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert res.status_code == 401

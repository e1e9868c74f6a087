"""Trusted proxies: X-Forwarded-For names the client only when the peer is a proxy listed in
PATROL_TRUSTED_PROXIES; from anyone else it is ignored (the login limit counts the peer)."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import select

from app.auth.models import LoginFailure
from app.config import Settings, get_settings

PROXY = ("10.20.0.5", 41000)
PHONE = ("198.51.100.7", 52000)


@pytest.fixture
def app_with_proxies(engine, monkeypatch):
    monkeypatch.setenv("PATROL_TRUSTED_PROXIES", "10.20.0.0/24, 127.0.0.1")
    monkeypatch.setenv("PATROL_LOGIN_FAILURES_PER_ADDRESS", "3")
    get_settings.cache_clear()
    from app.main import create_app

    yield create_app()
    get_settings.cache_clear()


def _fail_login(app, peer, forwarded_for: str | None, username: str = "nobody"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    with TestClient(app, client=peer, raise_server_exceptions=False) as c:
        return c.post(
            "/api/auth/login", json={"username": username, "password": "wrong-pw"}, headers=headers
        )


def _addresses(session) -> list[str]:
    session.rollback()
    return list(session.exec(select(LoginFailure.address).order_by(LoginFailure.id)).all())


def test_forwarded_for_from_a_trusted_proxy_names_the_phone(app_with_proxies, session):
    res = _fail_login(app_with_proxies, PROXY, "198.51.100.7")
    assert res.status_code == 401
    assert _addresses(session) == ["198.51.100.7"]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app_with_proxies, session):
    res = _fail_login(app_with_proxies, PHONE, "10.20.0.99")
    assert res.status_code == 401
    assert _addresses(session) == ["198.51.100.7"]


def test_a_spoofed_header_does_not_escape_the_address_limit(app_with_proxies):
    answers = [
        _fail_login(app_with_proxies, PHONE, f"203.0.113.{i}", username=f"user{i}").status_code
        for i in range(4)
    ]
    assert answers == [401, 401, 401, 429]


def test_a_chain_through_the_proxy_takes_the_first_untrusted_hop(app_with_proxies, session):
    # The phone forged a first entry; nginx appended the real peer it saw.
    _fail_login(app_with_proxies, PROXY, "1.2.3.4, 198.51.100.7")
    assert _addresses(session) == ["198.51.100.7"]


def test_without_the_setting_the_header_is_ignored_even_from_loopback(client, session):
    client.post(
        "/api/auth/login",
        json={"username": "nobody", "password": "wrong-pw"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert _addresses(session) == ["testclient"]


def test_a_malformed_proxy_entry_is_refused_at_start():
    with pytest.raises(ValidationError, match="PATROL_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.local")

"""Browser-side defences: a strict CSP, nosniff, no referrer, and CORS closed by default."""

import os

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import create_app

ELSEWHERE = "https://evil.example"


def _csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


PATHS = ["/", "/index.html", "/healthz", "/api/auth/me", "/api/sync/pull", "/no-such-page"]


def test_every_answer_carries_a_csp_without_unsafe_inline_and_the_other_headers(client):
    for path in PATHS:
        _check_headers(client.get(path), path)


def _check_headers(res, path: str) -> None:
    csp = res.headers.get("content-security-policy")
    assert csp, (path, res.status_code)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = _csp_directives(csp)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] in ("no-referrer", "same-origin", "strict-origin")


def test_api_answers_are_not_cached(client, town, login):
    res = client.get("/api/auth/me", headers=login("member_a1"))
    assert res.status_code == 200
    assert res.headers["cache-control"] == "no-store"


def test_error_and_refusal_answers_carry_the_headers_too(client, town):
    # 401, 413 (answered by the body-limit middleware itself) and 405
    for res in (
        client.get("/api/users"),
        client.post(
            "/api/sync/push",
            content=b"x" * (9 * 1024 * 1024),
            headers={"content-type": "application/json"},
        ),
        client.delete("/api/sync/pull"),
    ):
        assert res.status_code in (401, 405, 413), res.status_code
        assert "unsafe-inline" not in res.headers["content-security-policy"]
        assert res.headers["x-content-type-options"] == "nosniff"


def test_cors_is_closed_by_default(client, town, login):
    headers = {**login("member_a1"), "Origin": ELSEWHERE}
    res = client.get("/api/auth/me", headers=headers)
    assert res.status_code == 200
    assert "access-control-allow-origin" not in res.headers
    preflight = client.options(
        "/api/sync/push",
        headers={
            "Origin": ELSEWHERE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code >= 400


@pytest.fixture
def cors_client(engine, monkeypatch):
    """The app started with PATROL_ALLOWED_ORIGINS naming one other origin."""
    monkeypatch.setenv("PATROL_ALLOWED_ORIGINS", '["https://console.example.gov.cn"]')
    get_settings.cache_clear()
    try:
        with TestClient(create_app(), raise_server_exceptions=False) as c:
            yield c
    finally:
        monkeypatch.delenv("PATROL_ALLOWED_ORIGINS")
        get_settings.cache_clear()
        assert "PATROL_ALLOWED_ORIGINS" not in os.environ


def test_an_allowed_origin_is_let_in_and_others_still_are_not(cors_client, town):
    allowed = "https://console.example.gov.cn"
    preflight = cors_client.options(
        "/api/sync/push",
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == allowed
    res = cors_client.get("/api/auth/me", headers={"Origin": allowed})
    assert res.headers["access-control-allow-origin"] == allowed
    assert res.status_code == 401  # CORS lets the browser read the answer; it grants nothing
    other = cors_client.get("/api/auth/me", headers={"Origin": ELSEWHERE})
    assert "access-control-allow-origin" not in other.headers
    assert "unsafe-inline" not in res.headers["content-security-policy"]

"""A phone on a dropping link loses the answer to its refresh and retries with the token it
just rotated (issue 15): within PATROL_REFRESH_REUSE_GRACE_SECONDS of that rotation, while the
pair it lost is unused, the retry gets a fresh pair; outside it, or once the lost pair was
used, the old token coming back is reuse and ends the device's session. The state is in the
database, so it holds across app processes."""

from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from app.auth.models import RefreshToken
from app.config import get_settings
from tests.hardening_server import Server
from tests.hardening_world import bearer, login_tokens

ME = "/api/auth/me"


def _refresh(client, token: str):
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def age_rotation(engine, device_id: str, seconds: float) -> None:
    """Moves the device's rotations `seconds` into the past (as if that long had passed)."""
    with Session(engine) as s:
        for row in s.exec(select(RefreshToken).where(RefreshToken.device_id == device_id)):
            if row.used_at is not None:
                row.used_at -= timedelta(seconds=seconds)
                row.issued_at -= timedelta(seconds=seconds)
                s.add(row)
        s.commit()


def test_the_grace_is_sixty_seconds_by_default_and_a_setting():
    assert get_settings().refresh_reuse_grace_seconds == 60


def test_a_retry_with_the_just_rotated_token_gets_a_fresh_pair_and_the_lost_pair_dies(client, town):
    first = login_tokens(client, "member_a1", "phone-grace-001")
    lost = _refresh(client, first["refresh_token"])  # the answer never reached the phone
    assert lost.status_code == 200
    retry = _refresh(client, first["refresh_token"])
    assert retry.status_code == 200, retry.text
    fresh = retry.json()
    assert fresh["refresh_token"] not in (first["refresh_token"], lost.json()["refresh_token"])
    assert fresh["device_id"] == "phone-grace-001"
    # the phone is still logged in: its new access token reads, its new refresh token rotates
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200
    assert client.get(ME, headers=bearer(first["access_token"])).status_code == 200
    # the pair whose answer was lost can no longer be used by anyone who caught it
    assert _refresh(client, lost.json()["refresh_token"]).status_code == 401
    # a second lost answer in a row is retried the same way
    again = _refresh(client, fresh["refresh_token"])
    assert again.status_code == 200
    assert _refresh(client, fresh["refresh_token"]).status_code == 200


def test_a_rotated_token_coming_back_after_the_grace_still_revokes_the_family(client, town, engine):
    first = login_tokens(client, "member_a1", "phone-grace-002")
    second = _refresh(client, first["refresh_token"])
    assert second.status_code == 200
    age_rotation(engine, "phone-grace-002", get_settings().refresh_reuse_grace_seconds + 1)
    replay = _refresh(client, first["refresh_token"])
    assert replay.status_code == 401
    assert "used twice" in replay.json()["error"]["message"]
    assert _refresh(client, second.json()["refresh_token"]).status_code == 401
    assert client.get(ME, headers=bearer(second.json()["access_token"])).status_code == 401


def test_a_rotated_token_coming_back_after_its_successor_was_used_is_reuse_within_the_grace(
    client, town
):
    first = login_tokens(client, "member_a1", "phone-grace-003")
    second = _refresh(client, first["refresh_token"])
    third = _refresh(client, second.json()["refresh_token"])  # the phone got and used it
    assert third.status_code == 200
    replay = _refresh(client, first["refresh_token"])  # so this is a copy
    assert replay.status_code == 401
    assert _refresh(client, third.json()["refresh_token"]).status_code == 401


def test_a_grace_of_zero_makes_every_reuse_end_the_session(client, town, monkeypatch):
    monkeypatch.setenv("PATROL_REFRESH_REUSE_GRACE_SECONDS", "0")
    get_settings.cache_clear()
    first = login_tokens(client, "member_a1", "phone-grace-004")
    assert _refresh(client, first["refresh_token"]).status_code == 200
    assert _refresh(client, first["refresh_token"]).status_code == 401


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_the_retry_through_another_app_process_gets_a_fresh_pair(engine, town, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    servers = [Server(url, tmp_path / "up", tmp_path / f"server{i}.log") for i in (1, 2)]
    for s in servers:
        s.start()
    try:
        a, b = (s.url for s in servers)
        first = login_tokens(httpx.Client(base_url=a, timeout=60), "member_a1", "phone-grace-005")
        body = {"refresh_token": first["refresh_token"]}
        lost = httpx.post(f"{a}/api/auth/refresh", json=body, timeout=60)
        assert lost.status_code == 200
        retry = httpx.post(f"{b}/api/auth/refresh", json=body, timeout=60)
        assert retry.status_code == 200, retry.text
        headers = bearer(retry.json()["access_token"])
        assert httpx.get(f"{a}{ME}", headers=headers, timeout=30).status_code == 200
        stale = {"refresh_token": lost.json()["refresh_token"]}
        assert httpx.post(f"{b}/api/auth/refresh", json=stale, timeout=60).status_code == 401
        # and outside the grace the same retry ends the session on both processes
        age_rotation(engine, "phone-grace-005", get_settings().refresh_reuse_grace_seconds + 1)
        replay = httpx.post(f"{a}/api/auth/refresh", json=body, timeout=60)
        assert replay.status_code == 401
        assert httpx.get(f"{b}{ME}", headers=headers, timeout=30).status_code == 401
    finally:
        for s in servers:
            s.stop()

"""The phone's clock at every contact, not only at a push: each request a phone makes (login,
bootstrap, pull, photo upload, ...) may carry `X-Device-Time`, the phone's clock when it sent
it (ISO 8601 with its offset). The server keeps the offset it saw (Device.last_clock_offset_s,
server time minus phone time) and when (last_seen_at), so the first push after a login is
compared with the login's clock and a clock set back while offline is flagged clock_changed
(app.sync.push), as it is between two pushes (docs/sync.md, "Clocks")."""

import logging
from datetime import UTC, datetime, timedelta

import anyio
import jwt
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.models import Device
from app.auth.security import decode_access_token
from app.config import get_settings
from app.db import read_session, utcnow, write_session

log = logging.getLogger("patrol.device_clock")

DEVICE_TIME_HEADER = "x-device-time"
# A contact that finds the same offset (within network delay) refreshes last_seen_at at most
# this often, so a phone polling the pull does not write on every request.
SEEN_EVERY = timedelta(seconds=60)
SAME_OFFSET_S = 2.0
# The push reads and writes the offset itself (from its sent_at), and login calls
# note_device_clock with the device it made: the middleware leaves both alone.
OWN_CLOCK_PATHS = frozenset({"/api/sync/push", "/api/auth/login"})


def parse_device_time(value: str | None) -> datetime | None:
    """The phone's clock from the header; None when absent, unreadable or without an offset
    (a time without its zone says nothing about the clock)."""
    if not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def clock_jumped(last_offset_s: float | None, offset_s: float) -> bool:
    """The phone's clock changed since the last contact: its offset moved by more than
    clock_jump_flag_seconds (120 s) from the last one known."""
    if last_offset_s is None:
        return False
    return abs(offset_s - last_offset_s) > get_settings().clock_jump_flag_seconds


def offset_to_keep(last_offset_s: float | None, offset_s: float) -> float:
    """What a contact other than a push records: the offset it saw, unless the clock jumped:
    then the last one stays, so the next push still sees the jump and flags the records made
    across it (a pull before that push must not hide it)."""
    return last_offset_s if clock_jumped(last_offset_s, offset_s) else offset_s


def note_device_clock(device: Device, header: str | None, received_at: datetime) -> bool:
    """Records the phone's clock on its device (the caller's session commits); False when the
    request carried no usable clock or nothing needs writing."""
    device_time = parse_device_time(header)
    if device_time is None:
        return False
    seen = round((received_at - device_time).total_seconds(), 3)
    keep = offset_to_keep(device.last_clock_offset_s, seen)
    unchanged = (
        device.last_clock_offset_s is not None
        and abs(keep - device.last_clock_offset_s) <= SAME_OFFSET_S
    )
    recent = device.last_seen_at is not None and received_at - device.last_seen_at < SEEN_EVERY
    if unchanged and recent:
        return False
    if not unchanged:
        device.last_clock_offset_s = keep
    device.last_seen_at = max(received_at, device.last_seen_at or received_at)
    return True


def _note_from_token(token: str, header: str, received_at: datetime) -> None:
    try:
        claims = decode_access_token(token)
    except jwt.InvalidTokenError:
        return  # the route has answered 401 already
    # Decided on a read first: on SQLite a write session takes the write lock, and most
    # contacts (a phone polling the pull) find nothing to write.
    with read_session() as session:
        device = _device(session, claims)
        if device is None or not note_device_clock(device, header, received_at):
            return
    with write_session() as session:
        device = _device(session, claims)
        if device is not None and note_device_clock(device, header, received_at):
            session.add(device)


def _device(session: Session, claims: dict) -> Device | None:
    device = session.get(Device, claims["dev"])
    if device is None or device.revoked_at is not None or str(device.user_id) != claims["sub"]:
        return None
    if claims.get("gen", 0) != device.session_generation:  # a logged-out session
        return None
    return device


class DeviceClockMiddleware:
    """Notes X-Device-Time of an authenticated request after it has been answered, in a short
    session of its own (the route's read-only session is not touched)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OWN_CLOCK_PATHS:
            await self.app(scope, receive, send)
            return
        received_at = utcnow()
        headers = {k: v for k, v in scope["headers"] if k in (b"authorization", b"x-device-time")}
        await self.app(scope, receive, send)
        clock = headers.get(b"x-device-time")
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if clock is None or scheme.lower() != "bearer" or not token:
            return
        try:
            await anyio.to_thread.run_sync(
                _note_from_token, token.strip(), clock.decode("latin-1"), received_at
            )
        except Exception:  # the answer is sent; a lost clock reading must not become a 500
            log.exception("device clock not recorded")

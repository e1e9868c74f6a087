"""Login, refresh-token rotation with reuse detection, revocation, login rate limits."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from app.auth import security
from app.auth.device_clock import note_device_clock
from app.auth.models import Device, LoginFailure, RefreshToken, User
from app.config import get_settings
from app.db import utcnow
from app.errors import Forbidden, NotAuthenticated, TooManyRequests
from app.towns.models import Town


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    device_id: str
    scope: str


def check_login_rate(session: Session, *, username: str, address: str) -> None:
    settings = get_settings()
    since = utcnow() - timedelta(minutes=settings.login_failure_window_minutes)
    by_account = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)
    ).one()
    by_address = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at >= since)
    ).one()
    if by_account >= settings.login_failures_per_account or (
        by_address >= settings.login_failures_per_address
    ):
        raise TooManyRequests(
            f"Too many failed logins; try again in {settings.login_failure_window_minutes} minutes."
        )


def login(
    session: Session, *, username: str, password: str, device_id: str | None, address: str
) -> TokenPair:
    check_login_rate(session, username=username, address=address)
    user = login_user(session, username)
    ok = security.verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        session.add(LoginFailure(username=username[:64], address=address[:64]))
        raise NotAuthenticated("Wrong username or password.", keep_changes=True)
    if not user.active:
        raise Forbidden("This account is disabled; ask your administrator.")
    session.exec(delete(LoginFailure).where(LoginFailure.username == username))
    device = _device_for(session, user=user, device_id=device_id)
    return _issue(session, user=user, device=device, family_id=str(uuid.uuid4()))


def login_user(session: Session, login_name: str) -> User | None:
    """`name@town-code` names the town; a bare name is enough while only one town has it
    (a one-town server, or a name nobody else uses). An ambiguous name finds nobody."""
    name, _, code = login_name.rpartition("@")
    if name and code:
        town = session.exec(select(Town.id).where(Town.code == code)).first()
        if town is not None:
            found = session.exec(
                select(User).where(User.town_id == town, User.username == name)
            ).first()
            if found is not None:
                return found
    same = session.exec(select(User).where(User.username == login_name).limit(2)).all()
    return same[0] if len(same) == 1 else None


def _device_for(session: Session, *, user: User, device_id: str | None) -> Device:
    """A phone keeps its id across logins; a device id belongs to one user at a time."""
    device_id = device_id or str(uuid.uuid4())
    device = session.get(Device, device_id)
    if device is None:
        device = Device(id=device_id, user_id=user.id)
        session.add(device)
    elif device.revoked_at is not None:
        raise Forbidden("This device has been revoked; ask your administrator.")
    elif device.user_id != user.id:
        # A shared phone changes hands: the old user's tokens on it end here.
        _revoke_device_tokens(session, device.id)
        device.user_id = user.id  # type: ignore[assignment]  # a stored user has an id
    device.last_seen_at = utcnow()
    session.flush()
    return device


def note_login_clock(session: Session, *, device_id: str, device_time: str | None) -> None:
    """The phone's clock at login (X-Device-Time), so its first push is compared with it."""
    device = session.get(Device, device_id)
    if device is not None:
        note_device_clock(device, device_time, utcnow())


def _issue(session: Session, *, user: User, device: Device, family_id: str) -> TokenPair:
    now = utcnow()
    token, token_hash = security.new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=token_hash,
            family_id=family_id,
            user_id=user.id,
            device_id=device.id,
            issued_at=now,
            expires_at=security.refresh_expiry(now),
        )
    )
    scope = security.SCOPE_ALL if user.active else security.SCOPE_PUSH
    access = security.create_access_token(user_id=user.id, device_id=device.id, scope=scope)
    return TokenPair(access, token, device.id, scope)


def refresh(session: Session, *, refresh_token: str) -> TokenPair:
    now = utcnow()
    row = session.exec(
        select(RefreshToken).where(
            RefreshToken.token_hash == security.hash_refresh_token(refresh_token)
        )
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("Your session has ended; please log in again.")
    if row.used_at is not None:
        # A rotated token came back: someone holds a copy. End every session of the device.
        _revoke_device_tokens(session, row.device_id)
        raise NotAuthenticated(
            "This login was used twice and has been ended; log in again.", keep_changes=True
        )
    device = session.get(Device, row.device_id)
    user = session.get(User, row.user_id)
    if device is None or device.revoked_at is not None or user is None:
        raise NotAuthenticated("This device has been revoked; ask your administrator.")
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # a concurrent refresh won the race: treat as reuse
        _revoke_device_tokens(session, row.device_id)
        raise NotAuthenticated(
            "This login was used twice and has been ended; log in again.", keep_changes=True
        )
    device.last_seen_at = now
    return _issue(session, user=user, device=device, family_id=row.family_id)


def _revoke_device_tokens(session: Session, device_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.device_id == device_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def logout(session: Session, *, device_id: str) -> None:
    _revoke_device_tokens(session, device_id)


def revoke_device(session: Session, *, device: Device) -> None:
    device.revoked_at = utcnow()
    _revoke_device_tokens(session, device.id)
    session.add(device)


def revoke_user_sessions(session: Session, *, user: User) -> None:
    """Disabling an account: reading stops at once; phones may only hand in pending records."""
    user.active = False
    user.disabled_at = utcnow()
    session.add(user)

"""Login, refresh-token rotation with reuse detection, revocation, login rate limits."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, text, update
from sqlmodel import Session, col, select

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


# The advisory-lock namespace of login attempts (Postgres): one lock per account name.
_LOGIN_LOCK_SPACE = 7_305_001


def _serialise_attempts(session: Session, username: str) -> None:
    """Attempts on one account take turns, across every process: each counts the failures
    the earlier ones committed, so N concurrent guesses get at most the limit of password
    checks. Postgres: a transaction-scoped advisory lock on the name. SQLite: the login's
    write transaction (BEGIN IMMEDIATE) already serialises every writer."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(f"SELECT pg_advisory_xact_lock({_LOGIN_LOCK_SPACE}, hashtext(:name))"),
            {"name": username},
        )


def _own_device(session: Session, *, username: str, device_id: str | None) -> bool:
    """The login comes from a phone this account has used before (and still may)."""
    if not device_id:
        return False
    device = session.get(Device, device_id)
    if device is None or device.revoked_at is not None:
        return False
    user = login_user(session, username)
    return user is not None and device.user_id == user.id


def check_login_rate(
    session: Session, *, username: str, address: str, device_id: str | None = None
) -> None:
    """Per account: a few failures in the window, then wait. Per address: many failures
    (any names) in the window stop logins from that address, except from a phone that is
    already the account's own: a stranger guessing names behind a school's one NAT does not
    lock out the people who work there."""
    settings = get_settings()
    _serialise_attempts(session, username)
    since = utcnow() - timedelta(minutes=settings.login_failure_window_minutes)
    by_account = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)
    ).one()
    refusal = TooManyRequests(
        f"Too many failed logins; try again in {settings.login_failure_window_minutes} minutes.",
        message_zh=f"登录失败次数过多，请 {settings.login_failure_window_minutes} 分钟后再试。",
    )
    if by_account >= settings.login_failures_per_account:
        raise refusal
    by_address = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at >= since)
    ).one()
    if by_address >= settings.login_failures_per_address and not _own_device(
        session, username=username, device_id=device_id
    ):
        raise refusal


def login(
    session: Session,
    *,
    username: str,
    password: str,
    device_id: str | None,
    address: str,
    device_label: str | None = None,
) -> TokenPair:
    check_login_rate(session, username=username, address=address, device_id=device_id)
    user = login_user(session, username)
    ok = security.verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        session.add(LoginFailure(username=username[:64], address=address[:64]))
        raise NotAuthenticated(
            "Wrong username or password.", message_zh="用户名或密码错误。", keep_changes=True
        )
    if not user.active:
        raise Forbidden(
            "This account is disabled; ask your administrator.",
            message_zh="账号已停用，请联系管理员。",
        )
    session.exec(delete(LoginFailure).where(LoginFailure.username == username))
    device = _device_for(session, user=user, device_id=device_id, label=device_label)
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


def _device_for(
    session: Session, *, user: User, device_id: str | None, label: str | None = None
) -> Device:
    """A phone keeps its id across logins; a device id belongs to one user. Another user
    logging in with it (a shared phone, or someone who read the id) gets a device of their
    own, whose id is derived from the phone's id and the user and told in the answer: the
    first user stays logged in, and the same phone gets the same id at every login. The
    label it sends (its browser's name) is kept, so the device list can name the phone."""
    device_id = device_id or str(uuid.uuid4())
    device = session.get(Device, device_id)
    if device is not None and device.user_id != user.id:
        device_id = _own_device_id(device_id, user)
        device = session.get(Device, device_id)
        if device is not None and device.user_id != user.id:
            device_id, device = str(uuid.uuid4()), None
    if device is None:
        device = Device(id=device_id, user_id=user.id)
        session.add(device)
    elif device.revoked_at is not None:
        raise Forbidden(
            "This device has been revoked; ask your administrator.",
            message_zh="此设备已被停用，请联系管理员。",
        )
    if label:
        device.label = label[:200]
    device.last_seen_at = utcnow()
    session.flush()
    return device


def _own_device_id(device_id: str, user: User) -> str:
    """Unguessable without the server's key, so nobody can take a user's id in advance."""
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"device:{device_id}:{user.id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16]))


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
    access = security.create_access_token(
        user_id=user.id, device_id=device.id, scope=scope, generation=device.session_generation
    )
    return TokenPair(access, token, device.id, scope)


def refresh(session: Session, *, refresh_token: str) -> TokenPair:
    now = utcnow()
    row = session.exec(
        select(RefreshToken).where(
            RefreshToken.token_hash == security.hash_refresh_token(refresh_token)
        )
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated(
            "Your session has ended; please log in again.", message_zh="登录已结束，请重新登录。"
        )
    if row.used_at is not None:
        if _lost_answer_retry(session, row, now):
            # The phone never got the pair this token was rotated to (the link dropped on
            # the way back): the unused successor is revoked and a fresh pair issued.
            device = session.get(Device, row.device_id)
            user = session.get(User, row.user_id)
            if device is not None and device.revoked_at is None and user is not None:
                device.last_seen_at = now
                return _issue(session, user=user, device=device, family_id=row.family_id)
        # A rotated token came back: someone holds a copy. End every session of the device.
        _revoke_device_tokens(session, row.device_id)
        raise NotAuthenticated(
            "This login was used twice and has been ended; log in again.",
            message_zh="该登录被使用了两次，已被终止，请重新登录。",
            keep_changes=True,
        )
    device = session.get(Device, row.device_id)
    user = session.get(User, row.user_id)
    if device is None or device.revoked_at is not None or user is None:
        raise NotAuthenticated(
            "This device has been revoked; ask your administrator.",
            message_zh="此设备已被停用，请联系管理员。",
        )
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # a concurrent refresh won the race: treat as reuse
        _revoke_device_tokens(session, row.device_id)
        raise NotAuthenticated(
            "This login was used twice and has been ended; log in again.",
            message_zh="该登录被使用了两次，已被终止，请重新登录。",
            keep_changes=True,
        )
    device.last_seen_at = now
    return _issue(session, user=user, device=device, family_id=row.family_id)


def _lost_answer_retry(session: Session, row: RefreshToken, now) -> bool:
    """A retry of a refresh whose answer was lost: the token was rotated less than
    PATROL_REFRESH_REUSE_GRACE_SECONDS ago (counted from its first rotation, so retries never
    stretch it), it is the family's latest rotated token (no token it was rotated to has been
    used since: else the phone did get the pair and this is a copy), and the unused token it
    was rotated to is revoked here, by this retry alone (a concurrent retry finds none left
    and counts as reuse). All of it is in the database, so it holds across app processes."""
    grace = get_settings().refresh_reuse_grace_seconds
    rotated_at = row.used_at
    if grace <= 0 or rotated_at is None or now - rotated_at > timedelta(seconds=grace):
        return False
    later_used = session.exec(
        select(func.count())
        .select_from(RefreshToken)
        .where(
            RefreshToken.family_id == row.family_id,
            RefreshToken.id != row.id,
            col(RefreshToken.used_at).is_not(None),
            col(RefreshToken.used_at) >= rotated_at,
        )
    ).one()
    if later_used:
        return False
    revoked = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == row.family_id,
            RefreshToken.id != row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.issued_at >= rotated_at - timedelta(seconds=1),
        )
        .values(revoked_at=now)
    )
    return revoked.rowcount >= 1


def _revoke_device_tokens(session: Session, device_id: str) -> None:
    """Ends the device's session: its refresh tokens, and (by moving its generation on) the
    access tokens already issued, at once, on every app process."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.device_id == device_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.execute(
        update(Device)
        .where(Device.id == device_id)
        .values(session_generation=Device.session_generation + 1)
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

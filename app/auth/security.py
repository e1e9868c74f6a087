"""Password hashing (argon2id) and signed access tokens (HS256 JWT)."""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings
from app.db import utcnow

ALGORITHM = "HS256"
SCOPE_ALL = "all"
SCOPE_PUSH = "push"  # a disabled user's phone may still hand in what it recorded


@lru_cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(memory_cost=get_settings().argon2_memory_kib)


@lru_cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Checks a dummy hash for unknown users, so timing does not reveal who exists."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def create_access_token(
    *, user_id: int, device_id: str, scope: str = SCOPE_ALL, generation: int = 0
) -> str:
    settings = get_settings()
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "dev": device_id,
        "scope": scope,
        "gen": generation,  # the device's session generation (app.auth.service.logout)
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_token_minutes)).timestamp()),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict:
    """Raises jwt.InvalidTokenError for anything not signed by us, expired or malformed."""
    claims = jwt.decode(
        token,
        get_settings().secret_key,
        algorithms=[ALGORITHM],
        options={"require": ["sub", "dev", "exp", "typ", "scope"]},
    )
    if claims.get("typ") != "access" or claims.get("scope") not in (SCOPE_ALL, SCOPE_PUSH):
        raise jwt.InvalidTokenError("not an access token")
    return claims


def new_refresh_token() -> tuple[str, str]:
    """An opaque token and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def refresh_expiry(now: datetime) -> datetime:
    return now + timedelta(days=get_settings().refresh_token_days)

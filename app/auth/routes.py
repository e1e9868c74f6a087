"""Login, token refresh, logout and the caller's own profile."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.auth import service
from app.auth.deps import AnyCaller, CurrentUser
from app.auth.device_clock import DEVICE_TIME_HEADER
from app.auth.models import UserPublic, user_public
from app.config import get_settings
from app.db import WriteSessionDep

public_router = APIRouter(prefix="/api/auth", tags=["auth"])
router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    device_id: str | None = Field(default=None, min_length=8, max_length=64)
    device_label: str | None = Field(default=None, max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    device_id: str
    scope: str


def _tokens(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=get_settings().access_token_minutes * 60,
        device_id=pair.device_id,
        scope=pair.scope,
    )


@public_router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, request: Request, session: WriteSessionDep) -> TokenResponse:
    address = request.client.host if request.client else "unknown"
    pair = service.login(
        session,
        username=body.username,
        password=body.password,
        device_id=body.device_id,
        device_label=body.device_label,
        address=address,
    )
    service.note_login_clock(
        session, device_id=pair.device_id, device_time=request.headers.get(DEVICE_TIME_HEADER)
    )
    return _tokens(pair)


@public_router.post("/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest, session: WriteSessionDep) -> TokenResponse:
    return _tokens(service.refresh(session, refresh_token=body.refresh_token))


@router.post("/logout", status_code=204)
def logout(caller: AnyCaller, session: WriteSessionDep) -> None:
    service.logout(session, device_id=caller.device.id)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return user_public(user)

"""Who is calling: bearer-token parsing, role checks and the typed dependency aliases."""

from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from sqlmodel import Session

from app.auth.models import Device, Role, User
from app.auth.security import SCOPE_ALL, decode_access_token
from app.db import read_session
from app.errors import Forbidden, NotAuthenticated


@dataclass
class Caller:
    user: User
    device: Device
    scope: str


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated(
            "Log in first: this needs an Authorization: Bearer token.",
            message_zh="请先登录：此操作需要 Authorization: Bearer 令牌。",
        )
    return token.strip()


def get_caller(request: Request) -> Caller:
    """Any valid token, including a disabled user's push-only one; see docs/sync.md.

    Looked up in a short read-only session of its own, closed before the endpoint runs: on
    SQLite a request must not hold the write lock (or a pooled connection) while it waits
    for another threadpool thread, or a hundred phones at once starve each other."""
    with read_session() as session:
        return lookup_caller(request, session)


def lookup_caller(request: Request, session: Session) -> Caller:
    try:
        claims = decode_access_token(_bearer(request))
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated(
            "Your session has expired; refresh or log in again.",
            message_zh="登录已过期，请刷新或重新登录。",
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated(
            "The access token is not valid; log in again.", message_zh="访问令牌无效，请重新登录。"
        ) from exc
    user = session.get(User, int(claims["sub"])) if claims["sub"].isdigit() else None
    device = session.get(Device, claims["dev"])
    if user is None or device is None or device.user_id != user.id:
        raise NotAuthenticated(
            "The access token is not valid; log in again.", message_zh="访问令牌无效，请重新登录。"
        )
    if device.revoked_at is not None:
        raise NotAuthenticated(
            "This device has been revoked; ask your administrator.",
            message_zh="此设备已被停用，请联系管理员。",
        )
    # The device row is read on every request anyway: comparing its session generation ends
    # a logged-out token at once, on every process, at no extra query.
    if claims.get("gen", 0) != device.session_generation:
        raise NotAuthenticated(
            "This session has ended (logged out); log in again.",
            message_zh="此次登录已结束（已退出），请重新登录。",
        )
    return Caller(user=user, device=device, scope=claims["scope"])


AnyCaller = Annotated[Caller, Depends(get_caller)]


def get_active_caller(caller: AnyCaller) -> Caller:
    if not caller.user.active or caller.scope != SCOPE_ALL:
        raise Forbidden(
            "This account is disabled; it can only hand in records already recorded.",
            message_zh="账号已停用，只能上传已经记录的数据。",
        )
    return caller


ActiveCaller = Annotated[Caller, Depends(get_active_caller)]


def get_current_user(caller: ActiveCaller) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role):
    """Dependency factory: the caller must hold one of the roles (admin passes everything)."""

    def _check(user: CurrentUser) -> User:
        if not user.has_role(Role.admin, *roles):
            names = ", ".join(r.value for r in roles) or "admin"
            raise Forbidden(
                f"This needs one of the roles: {names}.",
                message_zh=f"此操作需要以下角色之一：{names}。",
            )
        return user

    return _check


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
SupervisorUser = Annotated[User, Depends(require_role(Role.supervisor))]
LeaderOrSupervisor = Annotated[User, Depends(require_role(Role.leader, Role.supervisor))]

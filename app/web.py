"""HTTP plumbing: security headers and request body limits (413 with the limit named)."""

import json
import re
from collections.abc import Callable, Iterable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import CODE_ZH, error_body

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI at /docs needs its own inline bootstrap; it is an admin tool, not the app. Its
# assets come from this server (app.main.SWAGGER_ASSETS), so no other host is allowed.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        csp = DOCS_CSP if path == "/docs" else CSP

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(self), geolocation=(self)"),
                ]
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, _send)


class BodyLimitMiddleware:
    """Refuses bodies over the limit before reading them whole; photo chunks get their own."""

    def __init__(self, app: ASGIApp, *, default_limit: int, photo_limit: int):
        self.app = app
        self.default_limit = default_limit
        self.photo_limit = photo_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.photo_limit if scope["path"].startswith("/api/photos") else self.default_limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        refused = answered = False

        async def _receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    raise _BodyTooLarge()
            return message

        async def _send(message: Message) -> None:
            # FastAPI turns an exception while reading the body into its own 400 answer:
            # once the body went over the limit, that answer is replaced by the 413.
            nonlocal answered
            if refused:
                if not answered and message["type"] == "http.response.start":
                    answered = True
                    await _too_large(send, limit)
                return
            await send(message)

        try:
            await self.app(scope, _receive, _send)
        except _BodyTooLarge:
            if refused and not answered:
                answered = True
                await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    mib = limit / (1024 * 1024)
    body = json.dumps(
        error_body(
            "too_large",
            f"The request body is larger than the limit of {limit} bytes ({mib:.1f} MiB); "
            "send fewer records per batch or a smaller photo.",
            {"limit_bytes": limit},
            message_zh=f"请求内容超过 {limit} 字节（{mib:.1f} MiB）的上限，"
            "请每批少传一些记录，或换一张较小的照片。",
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ApiFallback:
    """What /api answers when no route took the request: 405 with the `Allow` of every route
    at that path (a path is often served by several routes, one per method), or 404. Without
    it the PWA's static files below take the request and answer `Allow: GET, HEAD`."""

    def __init__(self, routes: Callable[[], Iterable[tuple[str, set[str]]]]):
        self.routes = routes  # (path template, methods) of every API route
        self._compiled: list[tuple[re.Pattern[str], set[str]]] | None = None

    def _allowed(self, path: str) -> set[str]:
        if self._compiled is None:
            self._compiled = [(compile_path(p)[0], m) for p, m in self.routes()]
        allowed: set[str] = set()
        for regex, methods in self._compiled:
            if regex.match(path):
                allowed |= methods
        if "GET" in allowed:
            allowed.add("HEAD")
        return allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = self._allowed(scope["path"])
        if allowed:
            body, status = (
                error_body(
                    "method_not_allowed",
                    "Method Not Allowed",
                    message_zh=CODE_ZH["method_not_allowed"],
                ),
                405,
            )
            headers = [(b"allow", ", ".join(sorted(allowed)).encode())]
        else:
            body, status, headers = (
                error_body("not_found", "Not Found", message_zh=CODE_ZH["not_found"]),
                404,
                [],
            )
        payload = json.dumps(body).encode()
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

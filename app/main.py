"""The ASGI app: every /api route is authenticated unless it is on the named public list."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import text
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import db
from app.auth.deps import get_caller
from app.auth.device_clock import DeviceClockMiddleware
from app.config import get_settings
from app.errors import Unavailable, install_error_handlers
from app.logs import RequestLogMiddleware, configure_logging
from app.openapi import install_openapi
from app.pwa_shell import mount_pwa
from app.web import ApiFallback, BodyLimitMiddleware, SecurityHeadersMiddleware

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz")
def healthz() -> dict:
    """Liveness and database reachability, for the container HEALTHCHECK."""
    try:
        with db.get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise Unavailable("The database is not reachable.", message_zh="无法连接数据库。") from exc
    return {"status": "ok"}


@health_router.get("/readyz")
def readyz() -> dict:
    """Ready when the schema is migrated (the sync counter row exists)."""
    try:
        with db.get_engine().connect() as conn:
            conn.execute(text("SELECT version FROM sync_state WHERE id = 1")).one()
    except Exception as exc:
        raise Unavailable(
            "The database is not migrated or not reachable.",
            message_zh="数据库尚未迁移或无法连接。",
        ) from exc
    return {"status": "ready"}


def _routers() -> tuple[list[APIRouter], list[APIRouter]]:
    """(public, authenticated) routers; each authenticated route checks its own role."""
    import app.record_types  # noqa: F401  (the mutation types push accepts)
    from app.audit.routes import router as audit
    from app.auth.routes import public_router as auth_public
    from app.auth.routes import router as auth
    from app.boarding.routes import router as boarding
    from app.defences.routes import router as defences
    from app.drills.routes import router as drills

    # police at the gate and leadership duty (issue 19)
    from app.duty.routes import router as duty
    from app.gate.routes import router as gate
    from app.groups.routes import router as groups
    from app.hazards.routes import router as hazards
    from app.notices.routes import router as notices
    from app.photos.routes import router as photos
    from app.police.routes import router as police
    from app.reports.routes import router as reports
    from app.shifts.routes import router as shifts
    from app.sites.routes import router as sites
    from app.sync.routes import router as sync
    from app.users.routes import router as users
    from app.villages.routes import router as villages

    public = [health_router, auth_public]
    private = [
        auth,
        sites,
        users,
        groups,
        shifts,
        gate,
        hazards,
        boarding,
        notices,
        villages,
        drills,
        defences,
        police,  # police at the gate (护学岗)
        duty,  # leadership duty (领导值班和带班)
        photos,
        sync,
        reports,
        audit,
    ]
    # the towns within reach, a county admin adding one (office leftovers, issue 17)
    from app.sites.town_routes import router as towns

    private.append(towns)
    return public, private


# Swagger UI from npm `swagger-ui-dist` (pwa/package-lock.json), served by the PWA's static
# files: /docs works with no Internet, and its CSP names no CDN.
SWAGGER_ASSETS = "/node_modules/swagger-ui-dist"
# Compress text answers (JSON, CSV, the PWA's files); photos are JPEG/PNG/WebP, which the
# middleware leaves alone. Level 6: nearly level 9's size for much less CPU on a small box.
GZIP_MIN_BYTES, GZIP_LEVEL = 500, 6


def _docs_router(title: str, openapi_url: str) -> APIRouter:
    """/docs with its assets from this server; no /redoc (its bundle and fonts are CDN-only)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url="/icons/icon.svg",
        )

    @router.get("/docs/oauth2-redirect")
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    return router


def _api_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    return [
        (ctx.path, set(ctx.methods or ()))
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute) and ctx.path
    ]


def tune_gc() -> None:
    """After start-up nearly every object lives for the whole process (modules, models,
    compiled SQL): freezing them keeps the cyclic collector from re-scanning them, and a
    higher first threshold stops it running many times per push (bench/profile_push.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if get_settings().gc_tuning:
        tune_gc()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging()
    app = FastAPI(
        lifespan=_lifespan,
        title="School-safety patrol",
        version="0.1.0",
        description="Offline-first sync server for town school-safety patrols.",
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(_docs_router(app.title, app.openapi_url or "/openapi.json"))
    install_error_handlers(app)
    install_openapi(app, authenticated_by=get_caller)
    from app.groups.membership import scope_of

    app.state.resolve_scope = scope_of  # what app.access.ScopeDep computes, once a request
    public, private = _routers()
    for router in public + private:
        app.include_router(router)
    app.mount("/api", ApiFallback(lambda: _api_routes(app)), name="api-fallback")
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        photo_limit=settings.max_photo_bytes + 64 * 1024,
    )
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Device-Time"],
        )
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(DeviceClockMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestLogMiddleware)
    # Outermost: the client address every layer sees is the forwarded one only when the peer
    # is a trusted proxy (PATROL_TRUSTED_PROXIES); `patrol serve` turns uvicorn's own off.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if PWA_DIR.is_dir():
        mount_pwa(app, PWA_DIR)
    return app

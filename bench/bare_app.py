"""The patrol app plus one route that returns at once behind the same middleware and token
check: the floor a small request is compared with (issue 18). Benchmark-only."""

from fastapi.routing import APIRoute

from app.auth.deps import CurrentUser
from app.main import create_app as create_patrol_app

BARE_PATH = "/api/bench/bare"


def bare(user: CurrentUser) -> dict:
    return {"ok": True}


def create_app():
    app = create_patrol_app()
    # First in the route list, ahead of the PWA mounted at "/".
    app.router.routes.insert(0, APIRoute(BARE_PATH, bare, methods=["GET"]))
    return app

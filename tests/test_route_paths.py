"""Every route is reachable: a literal path (`/api/users/import`) is never taken by a route
with a parameter declared before it (`/api/users/{user_id}`), which would answer 422 or 404
for a request the literal route should take. Generated from the route list, so a new route
is checked the moment it exists."""

import re

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Match

from app.main import create_app

SAMPLE = {"int": "7", "sha256": "ab" * 32, "record_id": "0b9d6c2e-3f0a-4c55-9d1e-8c0f2b6a4d10"}


def _concrete(path_format: str, convertors: dict) -> str:
    """The path with each parameter filled by a value its convertor takes."""

    def fill(m: re.Match) -> str:
        convertor = convertors[m.group(1)]
        kind = type(convertor).__name__.removesuffix("Convertor").lower()
        return SAMPLE.get(kind, "x")

    return re.sub(r"{(\w+)}", fill, path_format)


def _api_routes() -> list[APIRoute]:
    """The app's routes with their full paths, in the order a request is matched against them."""
    return [
        ctx.route
        for ctx in iter_route_contexts(create_app().routes)
        if isinstance(ctx.route, APIRoute)
    ]


def _first_match(routes, path: str, method: str):
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
    return None


def test_every_route_is_the_first_full_match_for_its_own_path_and_method():
    routes = api_routes = _api_routes()
    assert len(api_routes) >= 30  # the enumeration itself works
    shadowed = []
    for route in api_routes:
        path = _concrete(route.path_format, route.param_convertors)
        for method in sorted(route.methods - {"HEAD"}):
            first = _first_match(routes, path, method)
            if first is not route:
                taken_by = getattr(first, "path", None)
                shadowed.append(f"{method} {route.path} (taken by {taken_by})")
    assert not shadowed, "routes a request can never reach:\n" + "\n".join(shadowed)

"""The OpenAPI description is the contract: every answer a route can give is in it.

FastAPI documents a route's success answer and a 422 in its own error shape. The other
answers come from plumbing every route shares, so they are added here, once, from what the
route is made of, rather than on each decorator:

- every route: 503 (database briefly unavailable, with Retry-After), see app.errors;
- parameters or a body: 422 (invalid input), in the project's error shape (app.errors);
- a body, or a write method: 400 (a body that cannot be parsed) and 413 (over the size
  limit, app.web.BodyLimitMiddleware);
- a write method: 409 (clashes with stored data; the IntegrityError safety net);
- authenticated (depends on the authenticating dependency): 401 and 403;
- path parameters, or a query parameter or body field that names rows by id: 404;
- a `format` query parameter offering csv or xlsx: the success answer also as that type;
- the few answers of one route only (throttling, a reset sync cursor, a full disk) from
  ROUTE_ANSWERS below.

Nothing documents a `default` answer, so an answer a route gives that is not listed here is
a contract failure (tests/test_openapi_contract.py).
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ERROR_SCHEMA_NAME = "ErrorResponse"
ERROR_SCHEMA = {
    "title": ERROR_SCHEMA_NAME,
    "description": "Every refusal and failure: app.errors.error_body.",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found"]},
                "message": {"type": "string"},
                "message_zh": {"type": "string", "description": "the Chinese text"},
                "details": {"description": "what was wrong, per field where there are fields"},
            },
        }
    },
}

DESCRIPTIONS = {
    400: "The body cannot be parsed (not JSON, or nested too deep).",
    401: "Not logged in, or the token is expired, revoked or not valid.",
    403: "The caller's role, group or account does not allow this.",
    404: "No such record, or one the caller may not see (existence is not disclosed).",
    409: "The change clashes with stored data (a duplicate, a state that forbids it).",
    410: "Gone: the client must start again (e.g. a sync cursor from before a reset).",
    413: "The body is larger than the limit named in details.",
    422: "Invalid input; details names each field.",
    429: "Too many attempts; try again later (Retry-After).",
    503: "The database is briefly unavailable; nothing was saved. Try again (Retry-After).",
    507: "The server's storage is full; nothing was saved.",
}

# Answers only one route gives: (method, path) -> extra status codes.
ROUTE_ANSWERS: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/auth/login"): frozenset({401, 403, 429}),
    ("POST", "/api/auth/refresh"): frozenset({401, 403, 429}),
    ("GET", "/api/sync/pull"): frozenset({410}),
    ("PUT", "/api/photos/{sha256}"): frozenset({507}),
    ("PATCH", "/api/photos/{sha256}"): frozenset({507}),
}

# Routes that read their body raw (not a model): what they take, for the description.
RAW_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/photos/{sha256}"): {
        "required": True,
        "description": "The photo's bytes (JPEG, PNG or WebP); their SHA-256 is the path.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    ("PATCH", "/api/photos/{sha256}"): {
        "required": False,  # an empty chunk changes nothing and answers what is held
        "description": "One chunk of the photo's bytes, starting at ?offset.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
}

# What a `?format=` export answers instead of JSON (app.reports.export writes them).
EXPORT_MEDIA_TYPES = {
    "csv": ("text/csv", "UTF-8 with BOM"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel sheet"),
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "description": "seconds"}}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def answers(
    route: APIRoute, method: str, path: str, authenticated_by: Callable[..., Any]
) -> set[int]:
    """The status codes besides the success answer that the route can give."""
    dependant = route.dependant
    codes = {503}
    write = method in WRITES
    if _has_params(dependant) or route.body_field is not None or write:
        codes.add(422)
    if route.body_field is not None or write:
        codes |= {400, 413}
    if write:
        codes.add(409)
    if authenticated_by in set(_calls(dependant)):
        codes |= {401, 403}
    if "{" in path or _names_records(dependant):
        codes.add(404)
    codes |= ROUTE_ANSWERS.get((method, path), frozenset())
    return codes


def _has_params(dependant: Dependant) -> bool:
    """Whether the route, or any dependency of it, reads a parameter or a body."""
    own = dependant.path_params or dependant.query_params or dependant.header_params
    return bool(own or dependant.body_params) or any(_has_params(d) for d in dependant.dependencies)


def _is_reference(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


def _names_records(dependant: Dependant) -> bool:
    """Whether a query parameter or a body field names stored rows by id (site_id, member_ids):
    a row that does not exist, or that the caller may not see, answers 404."""
    for param in dependant.query_params:
        if _is_reference(param.alias):
            return True
    for param in dependant.body_params:
        model = param.field_info.annotation
        fields = getattr(model, "model_fields", None) or {}
        if _is_reference(param.alias) or any(_is_reference(name) for name in fields):
            return True
    return any(_names_records(d) for d in dependant.dependencies)


def _error_response(code: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": DESCRIPTIONS.get(code, "An error."),
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}
        },
    }
    if code in (429, 503):
        body["headers"] = RETRY_AFTER
    return body


def _export_formats(operation: dict[str, Any]) -> list[str]:
    """The export formats a `format` query parameter offers (csv, xlsx)."""
    for param in operation.get("parameters", ()):
        if param.get("in") == "query" and param.get("name") == "format":
            offered = param.get("schema", {}).get("enum", ())
            return [f for f in EXPORT_MEDIA_TYPES if f in offered]
    return []


def document(schema: dict[str, Any], app: FastAPI, authenticated_by: Callable[..., Any]) -> None:
    """Adds every route's other answers to the generated description, in place."""
    schema.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    paths = schema.get("paths", {})
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        path = ctx.path
        if not isinstance(route, APIRoute) or not route.include_in_schema or path is None:
            continue
        for method in (ctx.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(answers(route, method, path, authenticated_by)):
                documented = responses.get(str(code))
                if documented is None or _is_fastapi_validation(documented):
                    responses[str(code)] = _error_response(code)
            if (method, path) in RAW_BODIES and "requestBody" not in operation:
                operation["requestBody"] = RAW_BODIES[(method, path)]
            for fmt in _export_formats(operation):
                media_type, description = EXPORT_MEDIA_TYPES[fmt]
                for status, answer in responses.items():
                    if status.startswith("2"):
                        answer.setdefault("content", {})[media_type] = {
                            "schema": {"type": "string", "description": description}
                        }
    schemas = schema["components"]["schemas"]
    if not _still_referenced(schema, "HTTPValidationError"):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    return ref == "#/components/schemas/HTTPValidationError"


def _still_referenced(schema: dict[str, Any], name: str) -> bool:
    target = f"#/components/schemas/{name}"

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return node.get("$ref") == target or any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    return walk(schema.get("paths", {}))


def install_openapi(app: FastAPI, *, authenticated_by: Callable[..., Any]) -> None:
    """Wraps app.openapi so the description, built once, documents every answer."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            document(schema, app, authenticated_by)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Schemathesis against the app's own OpenAPI schema, authenticated, every operation:
no 5xx, and every documented answer matches its schema.

The bounded run is part of `make test`; `make fuzz` (PATROL_FUZZ_LONG=1, marker `slow`) runs
many more examples per operation, valid and invalid data both."""

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import update
from sqlmodel import Session

from app.auth.models import Device, User
from app.main import create_app
from tests.hardening_world import build_world

LONG = os.environ.get("PATROL_FUZZ_LONG") == "1"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _heal(engine, world) -> None:
    """Fuzzed admin calls may disable, demote or revoke the fuzzing accounts themselves:
    put them back so every operation is fuzzed by a caller who may call it."""
    town = world.town
    with Session(engine) as s:
        for name, roles in (("admin", "admin"), ("member_a1", "member")):
            s.execute(
                update(User)
                .where(User.id == town.users[name].id)
                .values(active=True, disabled_at=None, roles=roles)
            )
        s.execute(
            update(Device)
            .where(Device.id.in_([world.devices["admin"], world.devices["member_a"]]))
            # a fuzzed logout ends the session: its access tokens were issued at generation 0
            .values(revoked_at=None, user_id=Device.user_id, session_generation=0)
        )
        s.commit()


def _describe(exc: BaseException) -> str:
    parts = [str(exc)]
    for sub in getattr(exc, "exceptions", ()):
        parts.append(_describe(sub))
    return "\n".join(parts)


def _runner(op, mode, headers, max_examples: int, figures: Counter):
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=not LONG,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        figures["cases"] += 1
        figures[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run


def fuzz(engine, world, *, max_examples: int, modes: list[GenerationMode]) -> Counter:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    figures: Counter = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for identity in ("admin", "member_a"):
        headers = world.headers[identity]
        for op in operations:
            for mode in modes:
                label = f"{op.method.upper()} {op.path} as {identity} ({mode.value})"

                run = _runner(op, mode, headers, max_examples, figures)
                try:
                    run()
                except Unsatisfiable:
                    figures["no cases"] += 1  # e.g. no invalid input exists for GET /healthz
                except (Exception, BaseExceptionGroup) as exc:  # collect all, then fail
                    text = _describe(exc)
                    if os.environ.get("PATROL_FUZZ_DEBUG"):
                        print(label, text)
                    failures.append(f"{label}: {text[:1500]}")
                _heal(engine, world)
    figures["operations"] = len(operations)
    assert not failures, "\n\n".join(failures)
    return figures


@pytest.fixture
def world(client, town):
    return build_world(client, town)


def test_fuzz_every_operation_bounded(engine, world, capsys):
    figures = fuzz(
        engine,
        world,
        max_examples=3,
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    )
    with capsys.disabled():
        print(f"\nfuzz (bounded): {dict(figures)}")
    assert figures["5xx"] == 0


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="the long fuzz run: make fuzz (PATROL_FUZZ_LONG=1)")
def test_fuzz_every_operation_long(engine, world, capsys):
    examples = int(os.environ.get("PATROL_FUZZ_EXAMPLES", "100"))
    figures = fuzz(
        engine,
        world,
        max_examples=examples,
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    )
    with capsys.disabled():
        print(f"\nfuzz (long, {examples} examples per operation and mode): {dict(figures)}")
    assert figures["5xx"] == 0

"""The OpenAPI description is the contract: schemathesis with every check it has, as each of
the five roles (admin, supervisor, leader, member, gate), finds no server error and no answer
the description does not document (status code, media type, body, headers).

Path parameters are real ids of the seeded town (tests/hardening_world.py) most of the time,
so the cases reach the routes' own answers and not only 404. `make test` runs a bounded number
of examples on SQLite; `make contract` (PATROL_CONTRACT_LONG=1, marker `slow`) runs many more
on both backends and prints the figures."""

import os
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from app import db
from tests.hardening_world import World, bearer, build_world, login_tokens

LONG = os.environ.get("PATROL_CONTRACT_LONG") == "1"
# The five roles, each as the user who holds it (the leader and the member are in group A).
ROLES = {
    "admin": "admin",
    "supervisor": "supervisor",
    "leader": "leader_a",
    "member": "member_a1",
    "gate": "gate_a",
}
# What fuzzed admin calls may change about the fuzzing accounts and their town: put back
# after every operation, so each operation meets the seeded town.
HEALED = ("app_user", "device", "site", "gate_window", "checkpoint", "patrol_group")
LINKS = ("group_member", "group_site")
# Failed logins the fuzzing itself made (made-up names from the one test address): cleared,
# or the throttle they trip would refuse the fuzzing accounts' own logins.
CLEARED = ("login_failure",)


# Valid-by-schema input the server still refuses with 422 for a rule no JSON Schema can say:
# an id that names no row, an end before its start, a CSV file's rows, a photo whose bytes
# do not match its SHA; and 410 for a sync cursor the server never issued (an opaque token:
# a made-up one means "start again"); and 413 for a photo whose declared total is over the
# configured size limit (a setting, not in the schema). These answers are documented;
# positive data is otherwise held to schemathesis' defaults.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "410", "413", "422", "429"]
            }
        }
    }
)


def all_checks() -> list:
    """Every check schemathesis registers (what `schemathesis run --checks all` runs)."""
    load_all_checks()
    return list(CHECKS.get_all())


class Seed:
    """The seeded rows the fuzzing may disturb, saved once and written back."""

    def __init__(self, engine):
        self.engine = engine
        with Session(engine) as s:
            self.rows = {
                name: [dict(r._mapping) for r in s.execute(select(db.metadata.tables[name]))]
                for name in HEALED + LINKS
            }

    def heal(self) -> None:
        with Session(self.engine) as s:
            for name in HEALED:
                table = db.metadata.tables[name]
                for row in self.rows[name]:
                    s.execute(update(table).where(table.c.id == row["id"]).values(**row))
            for name in LINKS:
                table = db.metadata.tables[name]
                have = {tuple(r) for r in s.execute(select(*table.primary_key.columns))}
                pk = [c.name for c in table.primary_key.columns]
                missing = [r for r in self.rows[name] if tuple(r[c] for c in pk) not in have]
                if missing:
                    s.execute(insert(table), missing)
            for name in CLEARED:
                s.execute(delete(db.metadata.tables[name]))
            s.commit()


def real_ids(world: World) -> dict[str, list[Any]]:
    """Path parameter name -> ids of the town's real records, group A's first."""
    a, b, spare = world.ids["a"], world.ids["b"], world.spare
    return {
        "site_id": [a["site"], b["site"], spare["site"]],
        "window_id": [a["window"], b["window"], spare["window"]],
        "checkpoint_id": [a["checkpoint"], b["checkpoint"], spare["checkpoint"]],
        "user_id": [a["member"], b["member"], a["leader"], spare["user"]],
        "device_id": [world.devices["member_a"], spare["device"]],
        "group_id": [a["group"], b["group"], spare["group"]],
        "roster_id": [a["roster"], b["roster"]],
        "shift_id": [a["shift"], b["shift"], a["roster_shift"]],
        "hazard_id": [a["hazard"], b["hazard"]],
        "sha256": [a["photo"], b["photo"]],
        "village_id": [a["village"], b["village"]],
    }


def _describe(exc: BaseException) -> str:
    parts = [str(exc)]
    for sub in getattr(exc, "exceptions", ()):
        parts.append(_describe(sub))
    return "\n".join(parts)


class Contract:
    def __init__(self, client, engine, world: World, role: str):
        self.client, self.world, self.role = client, world, role
        self.seed = Seed(engine)
        self.ids = real_ids(world)
        self.checks = all_checks()
        self.figures: Counter = Counter()
        self.failures: list[str] = []
        self.login()

    def login(self) -> None:
        username = ROLES[self.role]
        tokens = login_tokens(self.client, username, f"dev-contract-{username}")
        self.headers = bearer(tokens["access_token"])

    def _runner(self, op, mode: GenerationMode, max_examples: int):
        real = self.ids

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=not LONG,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=op.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            if mode is GenerationMode.POSITIVE and case.path_parameters:
                for name in case.path_parameters:
                    if name in real and data.draw(st.integers(0, 3)) > 0:
                        case.path_parameters[name] = data.draw(st.sampled_from(real[name]))
            response = case.call(headers=self.headers)
            self.figures["cases"] += 1
            self.figures[str(response.status_code)] += 1
            case.validate_response(response, checks=self.checks, headers=self.headers)

        return run

    def run(self, max_examples: int) -> None:
        schema = schemathesis.openapi.from_asgi("/openapi.json", self.client.app, config=CONFIG)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 30  # the enumeration itself works
        self.figures["operations"] = len(operations)
        for op in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                label = f"{op.method.upper()} {op.path} as {self.role} ({mode.value})"
                try:
                    self._runner(op, mode, max_examples)()
                except Unsatisfiable:
                    self.figures["no cases"] += 1  # e.g. no invalid input for GET /healthz
                except (Exception, BaseExceptionGroup) as exc:  # collect all, then fail
                    self.failures.append(f"{label}: {_describe(exc)[:2500]}")
                self.seed.heal()
                self.login()


@pytest.fixture
def world(client, town):
    return build_world(client, town)


def _run(client, engine, world, role: str, max_examples: int, capsys) -> Contract:
    contract = Contract(client, engine, world, role)
    contract.run(max_examples)
    with capsys.disabled():
        print(f"\ncontract as {role} ({max_examples} examples): {dict(contract.figures)}")
    return contract


@pytest.mark.timeout(900)  # a role takes about a minute alone, several on a loaded machine
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_answer_is_documented_bounded(client, engine, world, role, capsys):
    examples = int(os.environ.get("PATROL_CONTRACT_EXAMPLES", "3"))
    contract = _run(client, engine, world, role, examples, capsys)
    assert not contract.failures, "\n\n".join(contract.failures)
    assert contract.figures["cases"] > 0


@pytest.mark.slow
@pytest.mark.timeout(0)
@pytest.mark.skipif(
    not LONG, reason="the long contract run: make contract (PATROL_CONTRACT_LONG=1)"
)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_answer_is_documented_long(client, engine, world, role, capsys):
    examples = int(os.environ.get("PATROL_CONTRACT_EXAMPLES", "25"))
    contract = _run(client, engine, world, role, examples, capsys)
    assert not contract.failures, "\n\n".join(contract.failures)
    assert contract.figures["cases"] > 0


# --- the description itself --------------------------------------------------------------


def _operations(app) -> dict:
    return {
        (method.upper(), path): op
        for path, item in app.openapi()["paths"].items()
        for method, op in item.items()
    }


def test_every_error_answer_has_the_project_error_shape(client):
    operations = _operations(client.app)
    assert len(operations) >= 30
    for (method, path), op in operations.items():
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorResponse", (method, path, status)
        assert "default" not in op["responses"], (method, path)
    assert "HTTPValidationError" not in client.app.openapi()["components"]["schemas"]


def test_answers_follow_from_what_a_route_is_made_of(client):
    ops = _operations(client.app)

    def codes(method, path):
        return set(ops[(method, path)]["responses"])

    assert {"401", "403", "404", "409", "413", "422", "503"} <= codes(
        "PATCH", "/api/sites/{site_id}"
    )
    assert {"401", "403"} <= codes("GET", "/api/sites")
    assert "404" not in codes("GET", "/api/auth/me") and "409" not in codes("GET", "/api/sites")
    assert "401" not in codes("GET", "/healthz")
    assert {"401", "429"} <= codes("POST", "/api/auth/login")
    assert "410" in codes("GET", "/api/sync/pull")
    assert "404" in codes("POST", "/api/rosters")  # the body names a group by id
    csv = ops[("GET", "/api/reports/coverage")]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(csv)
    assert "requestBody" in ops[("PUT", "/api/photos/{sha256}")]


def test_gate_window_times_are_declared_as_the_local_times_they_are(client, town, login):
    """Was `format: time` (RFC 3339 needs an offset) while the answer is "07:30:00"."""
    schema = client.app.openapi()["components"]["schemas"]["GateWindowPublic"]["properties"]
    assert "format" not in schema["starts"] and "pattern" in schema["starts"]
    admin = login("admin")
    site = town.sites["a"].id
    res = client.get(f"/api/sites/{site}/gate-windows", headers=admin)
    assert res.status_code == 200, res.text
    assert all(re.fullmatch(schema["starts"]["pattern"], w["starts"]) for w in res.json())
    body = {"name": "午间", "kind": "arrival", "starts": "12:00:00Z", "ends": "13:00:00"}
    res = client.post(f"/api/sites/{site}/gate-windows", json=body, headers=admin)
    assert res.status_code == 422, res.text
    assert res.json()["error"]["details"][0]["field"] == "starts"
    body["starts"] = "12:00"
    res = client.post(f"/api/sites/{site}/gate-windows", json=body, headers=admin)
    assert res.status_code == 201, res.text
    assert res.json()["starts"] == "12:00:00"


def test_a_visitor_register_day_is_a_plausible_date(client, town, login):
    """`?day=0` was read as 1970-01-01 (a Unix time) and answered 200."""
    site = town.sites["a"].id
    res = client.get(f"/api/sites/{site}/visitors?day=0", headers=login("gate_a"))
    assert res.status_code == 422, res.text
    assert res.json()["error"]["details"][0]["field"] == "query.day"


def test_a_push_outbox_depth_is_a_count_not_a_boolean(client, town, login):
    """`"outbox_depth": false` was read as 0 and the push answered 200."""
    body = {"sent_at": "2026-12-01T00:00:00Z", "outbox_depth": False, "mutations": []}
    res = client.post("/api/sync/push", json=body, headers=login("member_a1"))
    assert res.status_code == 422, res.text
    assert res.json()["error"]["details"][0]["field"] == "outbox_depth"


def test_a_method_no_api_route_takes_answers_405_with_what_the_path_allows(client):
    """The PWA's static files took these and answered `Allow: GET, HEAD` (schemathesis'
    allow_header_conformance and unsupported_method checks), and 405 for no route at all."""
    res = client.options("/api/auth/login")
    assert (res.status_code, res.headers["allow"]) == (405, "POST")
    assert res.json()["error"]["code"] == "method_not_allowed"
    res = client.post(f"/api/photos/{'0' * 64}")
    assert (res.status_code, res.headers["allow"]) == (405, "GET, HEAD, PATCH, PUT")
    res = client.put("/api/no-such-route")
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    assert client.get("/index.html").status_code == 200  # the PWA is still served


def test_a_route_giving_an_undocumented_answer_fails_the_contract():
    """The contract run catches an answer nobody documented: here a GET that answers 409,
    which no rule of app.openapi gives a read."""
    from fastapi import FastAPI

    from app.errors import Conflict, install_error_handlers
    from app.openapi import install_openapi

    app = FastAPI()
    install_error_handlers(app)
    install_openapi(app, authenticated_by=lambda: None)

    @app.get("/api/probe")
    def probe() -> dict:
        raise Conflict("undocumented")

    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    [op] = [result.ok() for result in schema.get_all_operations()]
    checks = all_checks()

    @settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case):
        case.validate_response(case.call(), checks=checks)

    with pytest.raises(BaseException, match="Undocumented status code"):
        run()

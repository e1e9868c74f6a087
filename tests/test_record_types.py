"""The record-type registry is complete, matches the protocol's table, and the layers hold:
the kernel imports no field domain and not sync, the domains never import sync or reports,
and sync never imports the domains (they meet in app.record_types)."""

import ast
import re
from pathlib import Path

import pytest

import app.record_types  # noqa: F401  (fills the registry)
from app.records.authz import Permission
from app.records.errors import Rule
from app.records.models import Entity
from app.records.registry import ENTITY_TYPES, MUTATION_TYPES

ROOT = Path(__file__).resolve().parent.parent
FIELD_DOMAINS = (
    "app.shifts",
    "app.gate",
    "app.hazards",
    "app.boarding",
    "app.villages",
    "app.drills",
    "app.defences",
)


def _documented_types() -> dict[str, tuple[str | None, set[str]]]:
    """docs/sync.md, "Mutation types": type -> (the entity it creates, those it changes)."""
    text = (ROOT / "docs" / "sync.md").read_text()
    section = text.split("### Mutation types", 1)[1].split("\n| type |", 1)[1]
    table = {}
    for line in section.split("\n\n", 1)[0].splitlines()[2:]:
        name, _payload, writes = (cell.strip() for cell in line.strip("|").split("|"))
        creates = None if writes.startswith("(") else re.match(r"`(\w+)`", writes).group(1)
        changes = set(re.findall(r"`(\w+)`", writes.partition("(")[2]))
        table[name.strip("`")] = (creates, changes)
    return table


def test_every_mutation_type_in_the_protocol_is_registered_as_documented():
    documented = _documented_types()
    assert set(documented) == set(MUTATION_TYPES)
    for name, kind in MUTATION_TYPES.items():
        assert (kind.creates, set(kind.changes)) == documented[name], name


def test_every_entity_is_registered_once_with_its_table():
    assert set(ENTITY_TYPES) == set(Entity)
    tables = [ENTITY_TYPES[e].model.__table__.name for e in Entity]
    assert len(set(tables)) == len(tables)
    for kind in MUTATION_TYPES.values():
        assert {kind.creates, *kind.changes} - {None} <= set(ENTITY_TYPES), kind.name


def test_every_rule_belongs_to_a_mutation_type():
    declared = {rule for kind in MUTATION_TYPES.values() for rule in kind.rules}
    for kind in MUTATION_TYPES.values():  # who may send it: app.records.authz
        rows = [kind.who] if isinstance(kind.who, Permission) else kind.who.values()
        declared.update(rule for row in rows for rule in row.rules)
    # id_reused is the sync log's own; not_your_site the scope check of every record;
    # not_your_group the group a shift is for (app.shifts.rules.patrol_group)
    assert declared == set(Rule) - {Rule.id_reused, Rule.not_your_site, Rule.not_your_group}


def _imports(package: str) -> dict[str, set[str]]:
    """module file -> the app modules it imports (anywhere in it, also inside functions)."""
    found = {}
    for path in (ROOT / Path(*package.split("."))).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.startswith("app.")}
    return found


def _offending(package: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    def hits(name: str) -> bool:
        return any(name == f or name.startswith(f + ".") for f in forbidden)

    return {
        module: {name for name in names if hits(name)}
        for module, names in _imports(package).items()
        if any(hits(name) for name in names)
    }


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("app.records", (*FIELD_DOMAINS, "app.sync", "app.photos", "app.reports")),
        *[(domain, ("app.sync", "app.reports", "app.record_types")) for domain in FIELD_DOMAINS],
        ("app.sync", (*FIELD_DOMAINS, "app.record_types")),
        ("app.photos", (*FIELD_DOMAINS, "app.sync")),
    ],
)
def test_the_layers_hold(package, forbidden):
    assert _offending(package, forbidden) == {}

"""The packages of app/ import in one direction only. import-linter (make lint) checks the
layers written in pyproject.toml; these tests check, on the source (every import, also those
inside functions), that there is no cycle at all and that no package escapes the layers.

    auth -> towns;  access -> auth;  audit -> access, auth;  sites -> access, audit, auth;
    users -> access, audit, auth, sites;  groups -> access, audit, auth, sites, towns
(and all of them -> the plumbing modules config, db, errors, fields, csv_upload)."""

import ast
import tomllib
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
ORGANISATION = {"access", "auth", "users", "sites", "groups", "audit", "towns"}
PLUMBING = {"config", "db", "errors", "fields", "csv_upload", "logs", "web"}


def _unit(module: str) -> str | None:
    """app.sites.service -> sites; app.db -> db."""
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP.parent)
        if rel.name == "__init__.py" and rel.parent == Path("app"):
            continue
        source = rel.parts[1].removesuffix(".py")
        edges = graph.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from app import db" imports the module app.db
                names = [
                    f"{node.module}.{a.name}" if node.module == "app" else node.module
                    for a in node.names
                ]
            else:
                continue
            for name in names:
                target = _unit(name)
                if target and target != source:
                    edges.add(target)
    return graph


def _cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """One import cycle among `nodes`, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, set()) & nodes):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(nodes):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_organisation_packages_have_no_import_cycle():
    graph = import_graph()
    assert graph.keys() >= ORGANISATION
    assert _cycle(graph, ORGANISATION | PLUMBING) is None


def test_access_and_the_packages_below_groups_do_not_import_groups():
    graph = import_graph()
    for package in ("access", "auth", "audit", "sites", "users", "towns"):
        assert "groups" not in graph[package], package
    assert graph["access"] - PLUMBING == {"auth"}
    assert not graph["auth"] - PLUMBING - {"towns"}  # login names a town
    assert not graph["towns"] - PLUMBING
    assert not graph["db"] - {"config"}


def test_no_package_of_app_imports_in_a_cycle():
    graph = import_graph()
    assert _cycle(graph, set(graph)) is None


def test_every_package_of_app_stands_in_one_layer_of_the_import_contract():
    config = tomllib.loads((APP.parent / "pyproject.toml").read_text(encoding="utf-8"))
    [layers] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    listed = [
        name.strip().removeprefix("app.") for row in layers["layers"] for name in row.split("|")
    ]
    assert sorted(listed) == sorted(set(listed))
    assert set(listed) == set(import_graph())


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}, {"a", "b", "c"}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}, {"a", "b", "c"}) is None

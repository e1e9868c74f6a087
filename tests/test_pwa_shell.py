"""The service worker's version is derived from the shell's content: a changed shell file is a
new version on every phone without anyone bumping a number, and the shell list matches the
files that exist."""

import re
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.pwa_shell import VERSION_MARKER, build_shell, mount_pwa, shell_urls

PWA = Path(__file__).resolve().parent.parent / "pwa"
NOT_SHELL = {"sw.js", "package.json", "package-lock.json"}


@pytest.fixture
def pwa_copy(tmp_path) -> Path:
    dest = tmp_path / "pwa"
    shutil.copytree(PWA, dest, ignore=shutil.ignore_patterns("node_modules"))
    return dest


def served_version(client: TestClient) -> str:
    res = client.get("/sw.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert VERSION_MARKER not in res.text
    return re.search(r"const VERSION = 'patrol-shell-([0-9a-f]+)';", res.text).group(1)


def app_for(directory: Path) -> TestClient:
    app = FastAPI()
    mount_pwa(app, directory)
    return TestClient(app)


def test_the_service_worker_precaches_every_shell_file_and_nothing_else():
    listed = set(shell_urls(PWA))
    on_disk = {
        "/" + p.relative_to(PWA).as_posix()
        for p in PWA.rglob("*")
        if p.is_file() and "node_modules" not in p.parts and p.name not in NOT_SHELL
    }
    assert listed - {"/"} == on_disk


def test_changing_any_shell_file_changes_the_served_version(pwa_copy):
    client = app_for(pwa_copy)
    first = served_version(client)
    assert served_version(client) == first  # stable while nothing changes
    assert first == build_shell(pwa_copy).version
    seen = {first}
    for name in ("css/app.css", "js/views/hazard.js", "index.html", "sw.js"):
        path = pwa_copy / name
        path.write_text(path.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
        version = served_version(client)
        assert version not in seen, name
        seen.add(version)


def test_a_file_outside_the_shell_does_not_change_the_version(pwa_copy):
    client = app_for(pwa_copy)
    first = served_version(client)
    (pwa_copy / "package.json").write_text("{}", encoding="utf-8")
    assert served_version(client) == first


def test_a_shell_entry_without_its_file_stops_the_start(pwa_copy):
    (pwa_copy / "js" / "vocabulary.js").unlink()
    with pytest.raises(RuntimeError, match="vocabulary.js"):
        app_for(pwa_copy)


def test_the_real_app_serves_the_derived_worker_with_the_security_headers(client):
    res = client.get("/sw.js")
    assert res.status_code == 200
    assert f"patrol-shell-{build_shell(PWA).version}" in res.text
    assert res.headers["cache-control"] == "no-cache"
    assert "unsafe-inline" not in res.headers["content-security-policy"]
    assert client.get("/js/app.js").status_code == 200  # the other files as before

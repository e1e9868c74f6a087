"""Serves the PWA: its static files, and its service worker with the shell's version filled in.

The version is a hash of every file the service worker precaches (its SHELL list) and of the
service worker itself, so any change to the app shell is a new version on every phone, and no
one has to remember to bump a number. It is computed at start-up (a SHELL entry with no file
stops the start: every phone's install would fail on it) and again only when a shell file's
size or modification time changed, so files replaced under a running server still bump it.
"""

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

SERVICE_WORKER = "sw.js"
VERSION_MARKER = "__SHELL_VERSION__"  # in sw.js: const VERSION = 'patrol-shell-__SHELL_VERSION__'
_SHELL_LIST = re.compile(r"^const SHELL = \[\n(.*?)^\];", re.M | re.S)
_ENTRY = re.compile(r"^\s*'(/[^']*)',?\s*$")


def shell_urls(pwa_dir: Path) -> list[str]:
    """The URLs the service worker precaches, as its SHELL list names them."""
    found = _SHELL_LIST.search((pwa_dir / SERVICE_WORKER).read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"{SERVICE_WORKER} has no `const SHELL = [...];` list")
    urls = []
    for line in found.group(1).splitlines():
        entry = _ENTRY.match(line)
        if entry is None:
            raise RuntimeError(f"{SERVICE_WORKER}: SHELL entries are one '/path' a line: {line!r}")
        urls.append(entry.group(1))
    return urls


def _file_of(pwa_dir: Path, url: str) -> Path:
    return pwa_dir / ("index.html" if url == "/" else url.lstrip("/"))


def _files(pwa_dir: Path) -> list[Path]:
    """The service worker and every file it precaches, in its order."""
    return [pwa_dir / SERVICE_WORKER, *(_file_of(pwa_dir, u) for u in shell_urls(pwa_dir))]


def _signature(files: list[Path]) -> tuple:
    def stamp(f: Path) -> tuple[int, int] | None:
        try:
            st = f.stat()
        except FileNotFoundError:
            return None  # build_shell names it
        return st.st_size, st.st_mtime_ns

    return tuple((f, stamp(f)) for f in files)


@dataclass(frozen=True)
class Shell:
    version: str  # the hash of the shell's content
    script: bytes  # the service worker with its version filled in


def build_shell(pwa_dir: Path) -> Shell:
    files = _files(pwa_dir)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise RuntimeError(f"the service worker precaches files that do not exist: {missing}")
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(pwa_dir).as_posix().encode() + b"\0")
        digest.update(f.read_bytes() + b"\0")
    version = digest.hexdigest()[:16]
    template = (pwa_dir / SERVICE_WORKER).read_text(encoding="utf-8")
    if template.count(VERSION_MARKER) != 1:
        raise RuntimeError(f"{SERVICE_WORKER} must name {VERSION_MARKER} exactly once")
    return Shell(version=version, script=template.replace(VERSION_MARKER, version).encode())


class ShellCache:
    """The current Shell of a directory; rebuilt only when a shell file changed on disk."""

    def __init__(self, pwa_dir: Path):
        self.pwa_dir = pwa_dir
        self._lock = threading.Lock()
        self._signature = _signature(_files(pwa_dir))
        self._shell = build_shell(pwa_dir)

    def current(self) -> Shell:
        signature = _signature(_files(self.pwa_dir))
        if signature != self._signature:
            with self._lock:
                if signature != self._signature:
                    self._shell = build_shell(self.pwa_dir)
                    self._signature = signature
        return self._shell


def mount_pwa(app: FastAPI, pwa_dir: Path) -> None:
    """/sw.js with its version, then every other file as it is on disk. Both are static
    files, public like the app's page, so they are plain routes and not part of the API."""
    shell = ShellCache(pwa_dir)

    def service_worker(request: Request) -> Response:
        return Response(
            shell.current().script,
            media_type="text/javascript; charset=utf-8",
            headers={"cache-control": "no-cache"},
        )

    app.router.add_route(f"/{SERVICE_WORKER}", service_worker, methods=["GET"])
    app.mount("/", StaticFiles(directory=pwa_dir, html=True), name="pwa")

"""A real uvicorn server process for fault injection, and phones that retry until acknowledged."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from tests.sync_helpers import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m uvicorn app.main:create_app --factory` on 127.0.0.1 (or another app factory,
    e.g. tests.chaos_app:create_app); always stopped by stop()."""

    def __init__(
        self, database_url: str, upload_dir: Path, log_path: Path, app: str = "app.main:create_app"
    ):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PATROL_DATABASE_URL": database_url,
            "PATROL_UPLOAD_DIR": str(upload_dir),
            "PATROL_DB_POOL_SIZE": "3",
        }
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                self.app,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, like a power cut of the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class Phone:
    """Pushes batches of new hazard reports and retries each batch until it is answered."""

    base_url: str
    headers: dict
    site_id: int
    created: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    failed_attempts: int = 0
    server_errors: Counter = field(default_factory=Counter)  # status -> answers retried

    def batch(self, n: int) -> list[dict]:
        muts = []
        for _ in range(n):
            mid = str(uuid.uuid4())
            self.created.append(mid)
            muts.append(
                {
                    "id": mid,
                    "type": "hazard.report",
                    "occurred_at": datetime.now(SHANGHAI).isoformat(),
                    "payload": {
                        "site_id": self.site_id,
                        "category": "fire",
                        "description": f"灭火器过期 {mid[:8]}",
                    },
                }
            )
        return muts

    def push_until_acknowledged(self, client: httpx.Client, muts: list[dict], max_attempts=600):
        for _ in range(max_attempts):
            body = {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": muts}
            try:
                res = client.post(
                    f"{self.base_url}/api/sync/push", json=body, headers=self.headers, timeout=20
                )
            except httpx.TransportError:
                self.failed_attempts += 1
                time.sleep(0.1)
                continue
            if res.status_code >= 500:
                self.server_errors[res.status_code] += 1
                assert res.json()["error"]["message"], res.text
                time.sleep(0.1)
                continue
            assert res.status_code == 200, res.text
            results = res.json()["results"]
            assert [r["id"] for r in results] == [m["id"] for m in muts]
            for r in results:
                assert r["status"] in ("applied", "duplicate"), r
                assert r.get("original_status") in (None, "applied"), r
                self.acknowledged.add(r["id"])
            return
        raise AssertionError("a batch was never acknowledged")

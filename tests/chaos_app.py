"""The app with a test-only random pause around the feed version, so that transactions that
started earlier commit later (tests/test_sync_concurrency.py): a pause before a push takes
its version and another before it commits. Served as `tests.chaos_app:create_app`; the
longest pause in ms comes from PATROL_CHAOS_DELAY_MS. Each pause is logged on stderr, so the
test can see that it happened."""

import os
import random
import sys
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.main import create_app as create_patrol_app

TOOK_VERSION = "chaos_took_version"


def _pause(max_ms: int, where: str) -> None:
    print(f"chaos pause {where}", file=sys.stderr, flush=True)
    time.sleep(random.uniform(0, max_ms) / 1000)


def install(max_ms: int) -> None:
    """Listeners on every engine of this process (the app makes its own)."""

    @event.listens_for(Engine, "before_cursor_execute")
    def _before_version(conn, cursor, statement, parameters, context, executemany):
        if "UPDATE sync_state SET version" in statement:
            _pause(max_ms, "before the version")
            conn.info[TOOK_VERSION] = True

    @event.listens_for(Engine, "commit")
    def _before_commit(conn):
        if conn.info.pop(TOOK_VERSION, False):
            _pause(max_ms, "before the commit")

    @event.listens_for(Engine, "rollback")
    def _on_rollback(conn):
        conn.info.pop(TOOK_VERSION, None)


def create_app():
    install(int(os.environ["PATROL_CHAOS_DELAY_MS"]))
    return create_patrol_app()

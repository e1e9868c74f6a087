"""Replicas that start together: two `patrol db upgrade` processes on one empty Postgres
database both succeed, one after the other (an advisory lock in migrations/env.py)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_SERVER

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_LOCK = 0x706174726F6C  # migrations/env.py


def _upgrade(url: str) -> subprocess.Popen:
    env = dict(os.environ, PATROL_DATABASE_URL=url, PATROL_ENV="test")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def empty_pg_url():
    name = f"patrol_lock_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _waiting_for_lock(conn) -> int:
    return conn.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ).scalar_one()


def test_two_upgrades_started_together_on_an_empty_database_both_succeed(empty_pg_url):
    engine = create_engine(empty_pg_url)
    try:
        with engine.connect() as holder:
            # Hold the migration lock so both processes are sure to meet at it.
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            procs = [_upgrade(empty_pg_url), _upgrade(empty_pg_url)]
            with engine.connect() as probe:
                deadline = time.monotonic() + 60
                while _waiting_for_lock(probe) < 2 and time.monotonic() < deadline:
                    assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
                    time.sleep(0.2)
                    probe.rollback()
                assert _waiting_for_lock(probe) == 2, "both upgrades should wait for the lock"
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            holder.commit()
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            counter = conn.execute(text("SELECT count(*) FROM sync_state")).scalar_one()
        assert len(heads) == 1
        assert counter == 1
    finally:
        engine.dispose()


def test_two_upgrades_without_a_held_lock_both_succeed(empty_pg_url):
    procs = [_upgrade(empty_pg_url), _upgrade(empty_pg_url)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

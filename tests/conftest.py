"""Every database test runs on SQLite and on a real Postgres, each test on a clean schema."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PATROL_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("PATROL_ARGON2_MEMORY_KIB", "1024")
os.environ["PATROL_ENV"] = "test"
# The collector tuning is for a long-lived server (app.main.tune_gc); a test process starts
# hundreds of apps, and a full collection at each start would cost minutes.
os.environ.setdefault("PATROL_GC_TUNING", "false")

from alembic import command  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import db  # noqa: E402
from app.cli import alembic_config  # noqa: E402
from app.config import get_settings  # noqa: E402
from tests.factories import Town, build_town  # noqa: E402

PG_SERVER = os.environ.get("PATROL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of its own for this run, so parallel runs and helpers never collide."""
    name = f"patrol_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    command.upgrade(alembic_config(url), "head")
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


@pytest.fixture(scope="session")
def pg_engine(pg_url) -> Iterator[Engine]:
    engine = db.make_engine(pg_url)
    yield engine
    engine.dispose()


def _seed_default_town(conn) -> None:
    """The rows migration 0004_towns seeds: the default county and its default town."""
    conn.execute(
        text(
            "INSERT INTO county (id, code, name, created_at)"
            " VALUES (1, 'county', '县', CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO town (id, county_id, code, name, created_at)"
            " VALUES (1, 1, 'town', '镇', CURRENT_TIMESTAMP)"
        )
    )
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    if bind.dialect.name == "postgresql":
        conn.execute(text("SELECT setval('county_id_seq', 1), setval('town_id_seq', 1)"))


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO sync_state (id, version, epoch) VALUES (1, 0, :e)"),
            {"e": str(uuid.uuid4())},
        )
        _seed_default_town(conn)


def wipe_database(engine: Engine) -> None:
    """Empties every table on either backend (for tests that need many fresh starts)."""
    with Session(engine) as s:
        for table in reversed(db.metadata.sorted_tables):
            s.execute(table.delete())
        s.execute(
            text("INSERT INTO sync_state (id, version, epoch) VALUES (1, 0, :e)"),
            {"e": str(uuid.uuid4())},
        )
        _seed_default_town(s)
        s.commit()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine(backend, request, tmp_path) -> Iterator[Engine]:
    """A freshly migrated, empty database on the parametrized backend."""
    if backend == "postgres":
        engine = request.getfixturevalue("pg_engine")
        _reset_postgres(engine)
        url = engine.url.render_as_string(hide_password=False)
    else:
        path = tmp_path / "patrol.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        engine = db.make_engine(url)
    os.environ["PATROL_DATABASE_URL"] = url
    os.environ["PATROL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    get_settings.cache_clear()
    db.use_engine(engine)
    yield engine
    db.use_engine(None)
    get_settings.cache_clear()
    if backend == "sqlite":
        engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """The test's own view of the database. Deferred BEGIN, so an open read never holds
    SQLite's write lock against the app; call session.rollback() to see the app's later
    commits (a SQLite read transaction keeps its snapshot)."""
    with Session(engine.execution_options(read_only=True), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client(engine) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def town(session) -> Town:
    """Two patrol groups (A, B) with their sites, members, leaders, gate staff, a supervisor."""
    return build_town(session)


@pytest.fixture
def login(client):
    """login("member_a") -> headers with a bearer token for that user's phone."""

    def _login(username: str, device_id: str | None = None) -> dict:
        body = {"username": username, "password": "patrol-test-pw"}
        if device_id:
            body["device_id"] = device_id
        res = client.post("/api/auth/login", json=body)
        assert res.status_code == 200, res.text
        return {"Authorization": f"Bearer {res.json()['access_token']}"}

    return _login

"""Engine and session plumbing shared by every domain module.

The transaction rule, for every package:
- Services flush, never commit or roll back: a service's changes are part of its caller's
  transaction, so two services called by one route succeed or fail together.
- The caller owns the transaction. A route that writes takes `WriteSessionDep`: it commits
  once the route has returned (and its answer is built), and rolls back if anything raised.
  The commit runs before the answer is sent, so a failed commit becomes an error answer
  (409, 503, 500), never a success answer for changes that were lost. A refusal that is
  itself a fact to keep (a failed login counts toward the rate limit) is raised with
  `keep_changes=True` (app.errors.AppError): the changes so far are committed, then the
  error is answered.
- Code that runs without a request (the CLI, the demo seed) opens `write_session()`, which
  applies the same rule to a `with` block.
- A route that only reads takes `ReadSessionDep`; code that only reads outside a route opens
  `read_session()`. On SQLite neither takes the write lock.
- Long jobs that must commit in steps (the push's savepoints, the report cache warm-up)
  manage their own short transactions and say so in their docstring.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Table, TypeDecorator, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Field, Session, SQLModel, create_engine

from app.config import get_settings

# Explicit constraint names so Alembic migrations are stable on SQLite and Postgres.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "factory": _SQLiteConnection},
            **_JSON_CODEC,
        )
        _sqlite_pragmas(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=get_settings().db_pool_size,
        max_overflow=10,
        **_JSON_CODEC,
    )


def _json_text(value: Any) -> str:
    # Times as pydantic writes them (UTC as "Z"), so feed rows may hold datetimes as they are.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z).decode()


# JSON columns (the pull feed's records, audit snapshots) through orjson: a push writes one
# feed row per record and a pull reads them back, and the standard json module was a tenth
# of a push's time. Same JSON, several times faster.
_JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


class _SQLiteConnection(sqlite3.Connection):
    """Gives back this process's write turn (see _sqlite_pragmas) when its transaction ends."""

    write_turn: Any = None  # the engine's threading.Lock while this connection holds it

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        turn, self.write_turn = self.write_turn, None
        if turn is not None:
            turn.release()


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL + foreign keys; writers use BEGIN IMMEDIATE so they queue on the lock up front
    instead of failing with "database is locked" when upgrading a read to a write.

    Within the process, writers first take turns on a lock: SQLite's busy handler waits by
    sleeping in steps of up to 100 ms, which under a hundred phones at once was most of a
    push's latency; a waiting thread wakes as soon as the lock is free. Other processes
    (the CLI, a second server) are still held off by SQLite's own lock and busy_timeout."""
    write_turn = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("read_only", False):
            conn.exec_driver_sql("BEGIN")
            return
        if not write_turn.acquire(timeout=30):
            raise sqlite3.OperationalError("database is locked (no write turn in 30 s)")
        dbapi_connection = conn.connection.dbapi_connection
        dbapi_connection.write_turn = write_turn
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection._end_turn()
            raise


_engine_override: Engine | None = None


@lru_cache
def _default_engine() -> Engine:
    return make_engine(get_settings().database_url)


def get_engine() -> Engine:
    return _engine_override or _default_engine()


def use_engine(engine: Engine | None) -> None:
    """Point the app at another engine (tests, benchmarks); None restores the default."""
    global _engine_override
    _engine_override = engine


@contextmanager
def read_session() -> Iterator[Session]:
    """A session that only reads: on SQLite it never takes the write lock, so a read waits
    for no writer (WAL) and holds no writer up. Every transaction it opens is read-only."""
    with Session(get_engine().execution_options(read_only=True), expire_on_commit=False) as s:
        yield s


@contextmanager
def write_session() -> Iterator[Session]:
    """A unit of work: commits when the block ends normally, rolls back when it raises
    (see the module docstring for `keep_changes`)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except Exception as exc:
            if getattr(exc, "keep_changes", False):
                session.commit()
            else:
                session.rollback()
            raise
        session.commit()


def get_read_session() -> Iterator[Session]:
    with read_session() as session:
        yield session


def get_write_session() -> Iterator[Session]:
    with write_session() as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session)]
# scope="function": the commit runs when the route returns, before the answer is sent (with
# the default scope FastAPI would run it after the answer, and a failed commit would be lost).
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany handed straight to the driver. SQLAlchemy's per-row parameter handling
    cost more than the database's own write (bench/profile_push.py); the values still go
    through each column's bind processor for the dialect, so what is stored is what an ORM
    insert would store. Every row must have the same keys."""
    if not rows:
        return
    connection = session.connection()
    sql, names, processors = _insert_plan(table, connection.dialect, tuple(rows[0]))
    steps = list(zip(names, processors, strict=True))
    params = [tuple(row[n] if p is None else p(row[n]) for n, p in steps) for row in rows]
    if connection.dialect.name == "postgresql":
        # COPY, as the benchmark's direct write does: several times executemany's speed.
        columns = ", ".join(f'"{n}"' for n in names)
        statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor, cursor.copy(statement) as copy:
                for values in params:
                    copy.write_row(values)
        except connection.dialect.loaded_dbapi.Error as exc:
            # The raw cursor bypasses SQLAlchemy's error wrapping: a clash with a row another
            # process committed meanwhile must reach the caller as the IntegrityError an
            # executemany would raise (push answers "duplicate"), not as a psycopg error (500).
            raise DBAPIError.instance(
                statement, None, exc, connection.dialect.loaded_dbapi.Error
            ) from exc
        return
    connection.exec_driver_sql(sql, params)


_PLANS: dict[tuple, tuple[str, tuple[str, ...], tuple[Any, ...]]] = {}


def _insert_plan(table: Table, dialect: Dialect, keys: tuple[str, ...]):
    """The INSERT text for these columns and their bind processors, compiled once."""
    plan_key = (table.name, dialect.name, keys)
    plan = _PLANS.get(plan_key)
    if plan is None:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
        names = tuple(compiled.positiontup) if compiled.positiontup else keys
        processors = tuple(
            table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        )
        plan = _PLANS[plan_key] = (str(compiled), names, processors)
    return plan


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (same on SQLite and Postgres) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("naive datetime given to a UTC column")
        return (value - offset).replace(tzinfo=None)  # as astimezone(UTC), a third the time

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect):
        """On SQLite, straight to SQLAlchemy's stored text (microseconds always written, so
        stored times compare as text); a push binds several times per record."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_utc = self.process_bind_param

        def process(value: datetime | None) -> str | None:
            return None if value is None else to_utc(value, dialect).isoformat(" ", "microseconds")

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_field(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


# A 64-bit autoincrement key; SQLite only autoincrements a column declared INTEGER.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")

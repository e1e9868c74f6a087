"""Engine and session plumbing shared by every domain module."""

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=get_settings().db_pool_size, max_overflow=10
    )


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL + foreign keys; writers use BEGIN IMMEDIATE so they queue on the lock up front
    instead of failing with "database is locked" when upgrading a read to a write."""

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
        read_only = conn.get_execution_options().get("read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def get_read_session() -> Iterator[Session]:
    """For read-only routes (pull, reports): on SQLite they must not take the write lock."""
    with Session(get_engine(), expire_on_commit=False) as session:
        session.connection(execution_options={"read_only": True})
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (same on SQLite and Postgres) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_field(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


# A 64-bit autoincrement key; SQLite only autoincrements a column declared INTEGER.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")

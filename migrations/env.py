"""Alembic environment: the URL comes from the app's settings; SQLite uses batch mode; on
Postgres one upgrade at a time (replicas that start together all run `patrol db upgrade`)."""

from alembic import context
from sqlalchemy import text
from sqlmodel.sql.sqltypes import AutoString

import app.models  # noqa: F401  (registers every table)
from app.config import get_settings
from app.db import UTCDateTime, make_engine, metadata

# The advisory-lock key of schema migrations (any fixed 64-bit number; "patrol" in ASCII).
MIGRATION_LOCK = 0x706174726F6C


def _render_item(type_, obj, autogen_context):
    """Render our column types as plain SQLAlchemy ones so migrations stay static."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, AutoString):
        length = getattr(obj.impl, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = make_engine(context.config.attributes.get("url") or get_settings().database_url)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
    )
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (copy, drop, rename); dropping one whose rows others
        # reference fails while foreign keys are enforced, so they are off for the migration
        # (on the raw connection: the pragma is ignored inside a transaction) and checked after.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held to the end of this transaction: a second upgrade waits here, then reads the
            # version table the first one committed and finds nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()
    if sqlite:
        raw = connection.connection.driver_connection
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        raw.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migration left rows with broken references: {broken[:5]}")


run_migrations()

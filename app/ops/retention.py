"""Retention of the tables that only grow (README "Retention"): `patrol maintain`.

Each step is a run of short transactions of at most CHUNK rows, and every step only deletes
rows that no reader can still need, so the command is safe from any machine, while phones
sync, and twice at once (the second run finds the rows gone and deletes nothing).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.engine import Engine

import app.auth.models  # noqa: F401  (refresh_token, login_failure in the metadata)
import app.sync.models  # noqa: F401  (sync_change, mutation)
from app.config import Settings
from app.db import metadata

CHUNK = 5000


@dataclass
class RetentionReport:
    feed_rows: int = 0  # superseded sync_change rows removed
    mutations: int = 0  # mutation log rows older than PATROL_MUTATION_KEEP_DAYS
    refresh_tokens: int = 0  # expired refresh tokens
    login_failures: int = 0  # failed logins older than the limit's window and the keep

    def __str__(self) -> str:
        return (
            f"retention: {self.feed_rows} superseded feed rows, {self.mutations} mutation log "
            f"rows, {self.refresh_tokens} expired refresh tokens, {self.login_failures} old "
            f"failed logins removed"
        )


def run_retention(engine: Engine, *, now: datetime, settings: Settings) -> RetentionReport:
    """Every retention step, each committed in chunks of its own."""
    failures_kept = max(
        timedelta(days=settings.login_failure_keep_days),
        timedelta(minutes=settings.login_failure_window_minutes),
    )
    return RetentionReport(
        feed_rows=compact_feed(engine),
        mutations=_delete_older(
            engine, "mutation", "received_at", now - timedelta(days=settings.mutation_keep_days)
        ),
        refresh_tokens=_delete_older(
            engine,
            "refresh_token",
            "expires_at",
            now - timedelta(days=settings.refresh_token_keep_days),
        ),
        login_failures=_delete_older(engine, "login_failure", "at", now - failures_kept),
    )


def compact_feed(engine: Engine) -> int:
    """Removes each feed row that a newer row of the same record at the same site follows.

    Why no phone can skip a change: pull returns rows after a cursor (version, id) in order,
    and a phone keeps a record's latest pulled state. A removed row R has a committed newer
    row N of the same record and site, with N after R; every cursor before R is also before
    N, so the phone still gets the record's state at N or later. A cursor already past R is
    unaffected. Rows of a record's latest state per site stay, deletions (tombstones) too, so
    a phone scoped to one site still sees what it saw before, and a new phone gets everything.
    """
    feed = metadata.tables["sync_change"]
    newer = feed.alias("newer")
    superseded = exists().where(
        newer.c.entity == feed.c.entity,
        newer.c.entity_id == feed.c.entity_id,
        newer.c.site_id == feed.c.site_id,
        newer.c.version > feed.c.version,
    )
    removed = 0
    with engine.connect() as conn:
        top = conn.execute(select(func.max(feed.c.id))).scalar()
    if top is None:
        return 0
    for low in range(0, top + 1, CHUNK):
        with engine.begin() as conn:
            result = conn.execute(
                delete(feed).where(feed.c.id >= low, feed.c.id < low + CHUNK, superseded)
            )
        removed += result.rowcount or 0
    return removed


def _delete_older(engine: Engine, name: str, column: str, cutoff: datetime) -> int:
    """Rows whose `column` is before `cutoff`, in chunks of CHUNK (by the column's index)."""
    table = metadata.tables[name]
    removed = 0
    while True:
        with engine.begin() as conn:
            ids = select(table.c.id).where(table.c[column] < cutoff).limit(CHUNK)
            result = conn.execute(delete(table).where(table.c.id.in_(ids.scalar_subquery())))
        count = result.rowcount or 0
        removed += count
        if count < CHUNK:
            return removed

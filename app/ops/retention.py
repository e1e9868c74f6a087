"""Retention of the tables that only grow (README "Retention"): `patrol maintain`.

Each step is a run of short transactions of at most CHUNK rows, and every step only deletes
rows that no reader can still need, so the command is safe from any machine, while phones
sync, and twice at once (the second run finds the rows gone and deletes nothing).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.auth.models import LoginFailure, RefreshToken
from app.config import Settings
from app.sync.models import Mutation, SyncChange

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
    return RetentionReport(
        feed_rows=compact_feed(engine),
        mutations=_delete_older(
            engine,
            Mutation,
            Mutation.received_at,
            now - timedelta(days=settings.mutation_keep_days),
        ),
        refresh_tokens=_delete_older(
            engine,
            RefreshToken,
            RefreshToken.expires_at,
            now - timedelta(days=settings.refresh_token_keep_days),
        ),
        login_failures=_delete_older(
            engine,
            LoginFailure,
            LoginFailure.at,
            now
            - max(
                timedelta(days=settings.login_failure_keep_days),
                timedelta(minutes=settings.login_failure_window_minutes),
            ),
        ),
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
    newer = aliased(SyncChange)
    superseded = exists().where(
        and_(
            newer.entity == SyncChange.entity,
            newer.entity_id == SyncChange.entity_id,
            newer.site_id == SyncChange.site_id,
            newer.version > SyncChange.version,
        )
    )
    removed = 0
    with Session(engine) as session:
        top = session.execute(select(func.max(SyncChange.id))).scalar()
    if top is None:
        return 0
    for low in range(0, top + 1, CHUNK):
        with Session(engine) as session:
            result = session.execute(
                delete(SyncChange).where(
                    SyncChange.id >= low, SyncChange.id < low + CHUNK, superseded
                )
            )
            removed += result.rowcount or 0
            session.commit()
    return removed


def _delete_older(engine: Engine, model, column, cutoff: datetime) -> int:
    """Rows whose `column` is before `cutoff`, in chunks of CHUNK (by the column's index)."""
    removed = 0
    while True:
        with Session(engine) as session:
            ids = select(model.id).where(column < cutoff).limit(CHUNK).scalar_subquery()
            result = session.execute(delete(model).where(model.id.in_(ids)))
            session.commit()
        count = result.rowcount or 0
        removed += count
        if count < CHUNK:
            return removed

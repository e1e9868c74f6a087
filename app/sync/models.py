"""The sync log: every mutation a phone pushed, the change feed phones pull, its counter."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from app.db import BigIntKey, utc_field


class MutationStatus(StrEnum):
    applied = "applied"
    conflict = "conflict"
    rejected = "rejected"


# One processed mutation. Its id makes a retry a duplicate instead of a second record.
class Mutation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(max_length=64, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    type: str = Field(max_length=40)
    payload_hash: str = Field(max_length=64)
    status: str = Field(max_length=16)
    rule: str | None = Field(default=None, max_length=64)  # the conflict rule that decided
    message: str | None = Field(default=None, max_length=500)
    record_id: str | None = Field(default=None, max_length=36)
    device_time: datetime = utc_field()
    sent_at: datetime = utc_field()
    received_at: datetime = utc_field(index=True)
    clock_offset_s: float = 0.0
    clock_flag: str | None = Field(default=None, max_length=64)
    version: int | None = Field(default=None, sa_type=BigInteger)


# A row of the pull feed: the state of one record after a committed change.
class SyncChange(SQLModel, table=True):
    __tablename__ = "sync_change"
    __table_args__ = (
        Index("ix_sync_change_version_id", "version", "id"),
        Index("ix_sync_change_site_version", "site_id", "version", "id"),
        # Retention (app.ops.retention) finds the rows a newer row of the same record supersedes.
        Index("ix_sync_change_record", "entity", "entity_id", "site_id", "version"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    version: int = Field(sa_type=BigInteger)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=36)
    site_id: int = Field(foreign_key="site.id")
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


# A single row whose counter every writing transaction bumps: version order = commit order.
class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)
    epoch: str = Field(max_length=36)  # changes when the feed is reset; stale cursors restart

"""Append-only audit trail of what admins, leaders and supervisors changed."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.db import BigIntKey, utc_field, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    at: datetime = utc_field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    town_id: int | None = Field(default=None, foreign_key="town.id", index=True)  # whose change
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32, index=True)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    town_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

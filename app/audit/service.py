"""Writing the audit trail; called inside the same transaction as the change it records."""

from collections.abc import Set
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, SQLModel

from app.audit.models import AuditEvent


def snapshot(obj: SQLModel | BaseModel | None, *, exclude: Set[str] = frozenset()) -> dict | None:
    """A JSON-safe copy of a row for the before/after columns (never a password hash)."""
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude={"password_hash", *exclude})


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )

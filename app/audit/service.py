"""Writing the audit trail; called inside the same transaction as the change it records."""

from collections.abc import Set
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, SQLModel

from app.audit.models import AuditEvent
from app.auth.models import User


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
    town_id: int | None = None,
) -> None:
    """town_id: the town whose thing changed; by default the actor's (a phone's change is in
    its own town). A change without a town (the CLI's) is seen by county accounts only."""
    if town_id is None and actor_id is not None:
        actor = session.get(User, actor_id)
        town_id = actor.town_id if actor is not None else None
    session.add(
        AuditEvent(
            actor_id=actor_id,
            town_id=town_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )

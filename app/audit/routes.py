"""Reading the audit trail (supervisors, admins). It is append-only: there is deliberately
no route to edit or delete an event."""

from datetime import datetime

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement
from sqlmodel import col, or_, select

from app.access import ScopeDep
from app.audit.models import AuditEvent, AuditEventPublic
from app.auth.deps import SupervisorUser
from app.db import ReadSessionDep
from app.errors import Invalid

router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit", response_model=list[AuditEventPublic])
def list_audit(
    session: ReadSessionDep,
    _: SupervisorUser,
    scope: ScopeDep,
    entity: str | None = Query(default=None, max_length=32, description="e.g. site, roster"),
    entity_id: str | None = Query(default=None, max_length=64),
    actor_id: int | None = None,
    action: str | None = Query(default=None, max_length=64, description="e.g. site.update"),
    since: datetime | None = None,
    before_id: int | None = Query(default=None, ge=1, description="page: ids below this one"),
    limit: int = Query(default=100, ge=1, le=500),
):
    """Newest first, of the caller's towns (a county account also sees the CLI's changes,
    which have no town). Page with before_id = the last id you received."""
    in_reach: ColumnElement[bool] = col(AuditEvent.town_id).in_(scope.town_ids)
    if scope.county_wide:
        in_reach = or_(in_reach, col(AuditEvent.town_id).is_(None))
    query = select(AuditEvent).where(in_reach).order_by(col(AuditEvent.id).desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        if since.tzinfo is None:
            raise Invalid(
                "since needs a UTC offset, e.g. 2026-12-01T08:00:00+08:00.",
                message_zh="since 须带时区偏移，例如 2026-12-01T08:00:00+08:00。",
                details=[
                    {"field": "since", "message": "no UTC offset", "message_zh": "缺少时区偏移"}
                ],
            )
        query = query.where(AuditEvent.at >= since)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return session.exec(query).all()

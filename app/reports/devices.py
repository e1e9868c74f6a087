"""Device health: when each phone or browser last synced or was seen, and its clock."""

from datetime import UTC, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.access import Scope
from app.auth.models import Device, User
from app.reports.models import DeviceRow
from app.reports.scope import scoped_people


def devices(session: Session, *, reach: Scope) -> list[DeviceRow]:
    """Per device: last sync, outbox depth then, clock offsets seen; never-synced first."""
    stmt = sa_select(Device, User.display_name).join(User, User.id == Device.user_id)
    stmt = stmt.where(col(Device.user_id).in_(scoped_people(session, reach=reach)))
    rows = session.execute(stmt).all()
    epoch0 = datetime.min.replace(tzinfo=UTC)
    rows = sorted(rows, key=lambda r: (r[0].last_sync_at or epoch0, r[0].id))
    return [
        DeviceRow(
            id=d.id,
            label=d.label,
            user_id=d.user_id,
            user_name=name,
            last_sync_at=d.last_sync_at,
            last_seen_at=d.last_seen_at,
            last_outbox_depth=d.last_outbox_depth,
            last_clock_offset_s=d.last_clock_offset_s,
            max_abs_clock_offset_s=d.max_abs_clock_offset_s,
            revoked=d.revoked_at is not None,
        )
        for d, name in rows
    ]

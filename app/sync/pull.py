"""Pull: the changes after a cursor, in commit order, of the sites the caller's phone needs
(docs/sync.md, "Pull" and "Why the cursor cannot skip a row")."""

import uuid

from sqlalchemy import select as sa_select
from sqlalchemy import text, tuple_
from sqlmodel import Session, select

from app.access import Scope
from app.config import get_settings
from app.db import utcnow
from app.errors import Gone, Invalid
from app.sync.models import SyncChange, SyncState
from app.sync.schemas import ChangeOut, PullResponse

CURSOR_PREFIX = "v1"


def _epoch(session: Session) -> str:
    return session.exec(select(SyncState.epoch).where(SyncState.id == 1)).one()


def _parse_cursor(cursor: str | None, epoch: str) -> tuple[int, int]:
    if not cursor:
        return (0, 0)
    parts = cursor.split(".")
    if len(parts) != 4 or parts[0] != CURSOR_PREFIX or not all(p.isdigit() for p in parts[2:]):
        raise Gone(
            "This sync position is not valid; start again from the beginning.",
            message_zh="同步位置无效，请从头重新同步。",
            code="cursor_reset",
        )
    if parts[1] != epoch:
        raise Gone(
            "The server's records were reset or restored; pull everything again.",
            message_zh="服务器数据已重置或恢复，请重新下载全部数据。",
            code="cursor_reset",
        )
    return int(parts[2]), int(parts[3])


def pull(session: Session, *, scope: Scope, cursor: str | None, limit: int) -> PullResponse:
    settings = get_settings()
    if not 1 <= limit <= settings.pull_page_max:
        raise Invalid(
            f"limit must be between 1 and {settings.pull_page_max}.",
            message_zh=f"limit 须在 1 到 {settings.pull_page_max} 之间。",
        )
    epoch = _epoch(session)
    after = _parse_cursor(cursor, epoch)
    query = (
        sa_select(SyncChange)
        .where(tuple_(SyncChange.version, SyncChange.id) > tuple_(*after))
        .order_by(SyncChange.version, SyncChange.id)
        .limit(limit + 1)
    )
    # What the phone needs, not all it may read: a county account reads the towns' reports
    # on the server and never pulls a county's records into IndexedDB (Scope.feed_site_filter).
    sites = scope.feed_site_filter()
    if not sites:
        return PullResponse(changes=[], cursor=cursor, has_more=False, server_time=utcnow())
    query = query.where(SyncChange.site_id.in_(sites))
    rows = session.execute(query).scalars().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        ChangeOut(
            entity=r.entity, id=r.entity_id, site_id=r.site_id, version=r.version, data=_data(r)
        )
        for r in rows
    ]
    next_cursor = f"{CURSOR_PREFIX}.{epoch}.{rows[-1].version}.{rows[-1].id}" if rows else cursor
    return PullResponse(
        changes=changes, cursor=next_cursor, has_more=has_more, server_time=utcnow()
    )


def _data(row: SyncChange) -> dict:
    """A record's state as stored in the feed, with its version: the row's, which the push
    stamped after writing the data (app.sync.push._publish)."""
    data = row.data
    if data.get("version", row.version) != row.version:
        data = {**data, "version": row.version}
    return data


def reset_feed(session: Session) -> None:
    """A new epoch: every phone's cursor gets 410 and it pulls everything again."""
    session.execute(text("UPDATE sync_state SET epoch = :e WHERE id = 1"), {"e": str(uuid.uuid4())})

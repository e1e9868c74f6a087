"""Push (exactly-once, per-mutation outcomes), pull (gap-free cursor) and bootstrap. The record
types come from the registry (app.records.registry), filled by app.record_types."""

import hashlib
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy import text, tuple_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from app.auth.models import Device, User
from app.config import get_settings
from app.db import insert_many, utcnow
from app.errors import (
    UNSTORABLE_MESSAGE,
    AppError,
    Gone,
    Invalid,
    NotAuthenticated,
    TooLarge,
)
from app.groups.service import visible_site_ids
from app.records.errors import Conflicted, Rejected
from app.records.registry import MUTATION_TYPES, serialize
from app.records.store import PushContext
from app.sync.models import Mutation, MutationStatus, SyncChange, SyncState
from app.sync.schemas import (
    ChangeOut,
    MutationIn,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
)

log = logging.getLogger("patrol.sync")
CURSOR_PREFIX = "v1"


def payload_hash(type_name: str, occurred_at: datetime, payload: dict) -> str:
    """What makes a retry identical: type, time and payload (not sent_at, which changes)."""
    try:
        canonical = orjson.dumps(
            [type_name, occurred_at.isoformat(), payload], option=orjson.OPT_SORT_KEYS
        )
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the standard form
        return legacy_payload_hash(type_name, occurred_at, payload)
    return hashlib.sha256(canonical).hexdigest()


def legacy_payload_hash(type_name: str, occurred_at: datetime, payload: dict) -> str:
    """The form of mutations stored before 2026-11-30 (json module; numbers such as 1e-05
    are written differently): a retry of one of those is compared with this as well."""
    canonical = json.dumps(
        [type_name, occurred_at.isoformat(), payload],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _clock_flags(device: Device, offset_s: float) -> tuple[str, ...]:
    settings = get_settings()
    flags = []
    if abs(offset_s) > settings.clock_skew_flag_seconds:
        flags.append("skew")
    last = device.last_clock_offset_s
    if last is not None and abs(offset_s - last) > settings.clock_jump_flag_seconds:
        flags.append("clock_changed")
    return tuple(flags)


def _error_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "payload"
        parts.append(f"{loc}: {err.get('msg')}")
    return "; ".join(parts)


@dataclass
class Incoming:
    """One mutation as received, checked before the write transaction starts: validation and
    hashing need no lock, and on SQLite every other push waits while one holds it."""

    id: str  # the mutation's id, or "#<index>" when it has none
    m: MutationIn | None  # None: too malformed to log
    payload: BaseModel | None = None
    digest: str = ""
    refusal: str | None = None  # why it can never apply, decided without the database


def prepare(request: PushRequest) -> list[Incoming]:
    if not MUTATION_TYPES:
        raise RuntimeError("No record types are registered: import app.record_types first.")
    settings = get_settings()
    if len(request.mutations) > settings.max_batch_mutations:
        raise TooLarge(
            f"A push may carry at most {settings.max_batch_mutations} mutations; "
            f"this one has {len(request.mutations)}. Send them in smaller batches.",
            details={"limit": settings.max_batch_mutations},
        )
    return [_check(raw, index) for index, raw in enumerate(request.mutations)]


def _check(raw: dict, index: int) -> Incoming:
    raw_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index}"
    try:
        m = MutationIn.model_validate(raw)
    except ValidationError as exc:
        return Incoming(raw_id, None, refusal=f"Malformed mutation: {_error_text(exc)}")
    item = Incoming(m.id, m, digest=payload_hash(m.type, m.occurred_at, m.payload))
    registration = MUTATION_TYPES.get(m.type)
    if registration is None:
        item.refusal = f"Unknown mutation type {m.type!r}; update the app."
        return item
    try:
        item.payload = registration.payload_model.model_validate(m.payload)
    except ValidationError as exc:
        item.refusal = f"Invalid {m.type}: {_error_text(exc)}"[:500]
    return item


def push(engine: Engine, *, user_id: int, device_id: str, request: PushRequest) -> PushResponse:
    received_at = utcnow()
    incoming = prepare(request)
    with Session(engine, expire_on_commit=False) as session:
        # Read again in the writing transaction (BEGIN IMMEDIATE on SQLite).
        user = session.get(User, user_id)
        device = session.get(Device, device_id)
        if user is None or device is None or device.revoked_at is not None:
            raise NotAuthenticated("The access token is not valid; log in again.")
        offset_s = (received_at - request.sent_at).total_seconds()
        ctx = PushContext(
            session=session,
            user=user,
            device=device,
            received_at=received_at,
            sent_at=request.sent_at,
            offset_s=offset_s,
            base_flags=_clock_flags(device, offset_s),
        )
        ids = [item.id for item in incoming if item.m is not None]
        seen = (
            {m.id: m for m in session.exec(select(Mutation).where(Mutation.id.in_(ids))).all()}
            if ids
            else {}
        )
        results = _push_batch(ctx, incoming, dict(seen))
        if results is None:  # something needed a mutation's own savepoint: one by one
            results = _push_one_by_one(ctx, incoming, seen)
        device.last_sync_at = received_at
        device.last_seen_at = received_at
        device.last_outbox_depth = request.outbox_depth
        device.last_clock_offset_s = ctx.clock_offset_s
        device.max_abs_clock_offset_s = max(abs(offset_s), device.max_abs_clock_offset_s or 0.0)
        session.add(device)
        _chaos_pause(session)
        session.commit()
    return PushResponse(server_time=received_at, clock_offset_s=ctx.clock_offset_s, results=results)


def _push_one_by_one(
    ctx: PushContext, incoming: list[Incoming], seen: dict[str, Mutation]
) -> list[MutationResult]:
    """Each mutation in its own savepoint: a clash or a refusal undoes that mutation alone."""
    results: list[MutationResult] = []
    logged: list[Mutation] = []
    for item in incoming:
        results.append(_process(ctx, item, seen, logged))
    if ctx.changed:
        version = _publish(ctx)
        for row in logged:
            if row.status == MutationStatus.applied:
                row.version = version
    return results


def _publish(ctx: PushContext) -> int:
    """Stamps every record this push changed with the push's version, writes them and their
    rows in the pull feed. The version is taken last, just before commit (_next_version)."""
    version = _next_version(ctx.session)
    for (entity_name, _), record in ctx.changed.items():
        ctx.update(entity_name, record, version=version)
    ctx.write()
    insert_many(
        ctx.session,
        SyncChange.__table__,
        [
            {
                "version": version,
                "entity": entity_name,
                "entity_id": record_id,
                "site_id": record.site_id,
                "data": serialize(ctx, entity_name, record),
            }
            for (entity_name, record_id), record in ctx.changed.items()
        ],
    )
    return version


def _push_batch(
    ctx: PushContext, incoming: list[Incoming], seen: dict
) -> list[MutationResult] | None:
    """The fast path, for the usual batch in which every handler agrees: the handlers run
    without a savepoint and a flush each, and the records, the mutation log and the change
    feed are written in a few bulk statements at the end (profiling showed ~60% of a push in
    per-mutation flushes). The whole batch runs in one savepoint; a handler refusing or
    failing, or a clash on insert, rolls it back and returns None, and the caller redoes the
    batch one mutation per savepoint, which decides every case exactly. Outcomes, rows and
    versions are the same on both paths."""
    session = ctx.session
    savepoint = session.begin_nested()
    try:
        results: list[MutationResult] = []
        rows: list[dict] = []
        for item in incoming:
            m = item.m
            if m is None:
                results.append(MutationResult(id=item.id, status="rejected", message=item.refusal))
                continue
            previous = seen.get(m.id)
            if previous is not None:
                results.append(_duplicate(previous, item))
                continue
            if item.refusal is not None:
                row = _log_values(ctx, item, MutationStatus.rejected, None, item.refusal)
                results.append(MutationResult(id=m.id, status="rejected", message=item.refusal))
            else:
                handler = MUTATION_TYPES[m.type].handler
                record_id = handler(ctx, item.payload, m.id, m.occurred_at).record_id
                row = _log_values(ctx, item, MutationStatus.applied, record_id)
                results.append(MutationResult(id=m.id, status="applied", record_id=record_id))
            rows.append(row)
            seen[m.id] = SimpleNamespace(**row)
        if ctx.changed:
            version = _publish(ctx)
            for row in rows:
                if row["status"] == MutationStatus.applied:
                    row["version"] = version
        insert_many(session, Mutation.__table__, rows)
        savepoint.commit()
        return results
    except (
        IntegrityError,
        Rejected,
        Conflicted,
        AppError,
        DataError,
        OverflowError,
    ):  # decided again, one by one, by the exact path; a lost connection propagates (503)
        savepoint.rollback()
        ctx.undo()
        return None


def _log_values(
    ctx: PushContext,
    item: Incoming,
    status: MutationStatus,
    record_id: str | None = None,
    message: str | None = None,
    rule: str | None = None,
) -> dict:
    """The mutation log row: the outcome a retry of the same id will be told."""
    m = item.m
    _, flags = ctx.corrected(m.occurred_at)
    return {
        "id": m.id,
        "device_id": ctx.device.id,
        "user_id": ctx.user.id,
        "type": m.type,
        "payload_hash": item.digest,
        "status": status.value,
        "rule": rule,
        "message": message[:500] if message else None,
        "record_id": record_id,
        "device_time": m.occurred_at,
        "sent_at": ctx.sent_at,
        "received_at": ctx.received_at,
        "clock_offset_s": ctx.clock_offset_s,
        "clock_flag": ctx.flag_text(flags),
        "version": None,
    }


def _chaos_pause(session: Session) -> None:
    """Tests only (PATROL_CHAOS_DELAY_MS): a random pause with the rows written but not yet
    committed, so transactions that started earlier commit later."""
    chaos_ms = get_settings().chaos_delay_ms
    if chaos_ms:
        session.flush()
        time.sleep(random.uniform(0, chaos_ms) / 1000)


def _next_version(session: Session) -> int:
    """Taken last, just before commit: the row lock makes version order equal commit order."""
    _chaos_pause(session)
    return session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .values(version=SyncState.version + 1)
        .returning(SyncState.version)
    ).scalar_one()


def _process(
    ctx: PushContext, item: Incoming, seen: dict[str, Mutation], logged: list[Mutation]
) -> MutationResult:
    m = item.m
    if m is None:
        return MutationResult(id=item.id, status="rejected", message=item.refusal)
    previous = seen.get(m.id)
    if previous is not None:
        return _duplicate(previous, item)
    current = None
    if item.refusal is not None:
        row = Mutation(**_log_values(ctx, item, MutationStatus.rejected, None, item.refusal))
    else:
        row = Mutation(**_log_values(ctx, item, MutationStatus.applied))
        before = ctx.mark()
        savepoint = ctx.session.begin_nested()
        try:
            # The log row goes in first: a concurrent push of the same id waits on it here.
            ctx.session.add(row)
            ctx.session.flush()
            handler = MUTATION_TYPES[m.type].handler
            row.record_id = handler(ctx, item.payload, m.id, m.occurred_at).record_id
            ctx.write()
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            ctx.undo(before)
            return _after_clash(ctx, item)
        except (Rejected, Conflicted, AppError, DataError, OverflowError) as exc:
            savepoint.rollback()
            ctx.undo(before)
            if isinstance(exc, DataError | OverflowError):  # e.g. a site id beyond 64 bits
                exc = Rejected(UNSTORABLE_MESSAGE)
            status = (
                MutationStatus.conflict if isinstance(exc, Conflicted) else MutationStatus.rejected
            )
            row = Mutation(
                **_log_values(ctx, item, status, None, exc.message, getattr(exc, "rule", None))
            )
            current = exc.current if isinstance(exc, Conflicted) else None
    if row.status != MutationStatus.applied:
        try:
            with ctx.session.begin_nested():
                ctx.session.add(row)
        except IntegrityError:
            return _after_clash(ctx, item)
    seen[m.id] = row
    logged.append(row)
    return MutationResult(
        id=m.id,
        status=row.status,
        record_id=row.record_id,
        rule=row.rule,
        message=row.message,
        current=current,
    )


def _after_clash(ctx: PushContext, item: Incoming) -> MutationResult:
    """Another process committed the same id meanwhile (Postgres): this is a retry."""
    existing = ctx.session.get(Mutation, item.id, populate_existing=True)
    if existing is None:
        log.error("integrity error in mutation %s with no earlier copy", item.id)
        return MutationResult(
            id=item.id, status="rejected", message="The record clashes with stored data."
        )
    return _duplicate(existing, item)


def _duplicate(previous: Mutation, item: Incoming) -> MutationResult:
    m = item.m
    if previous.payload_hash != item.digest and previous.payload_hash != legacy_payload_hash(
        m.type, m.occurred_at, m.payload
    ):
        return MutationResult(
            id=previous.id,
            status="rejected",
            rule="id_reused",
            message="This id was already used for a different record; the phone must "
            "give each record a new id.",
        )
    return MutationResult(
        id=previous.id,
        status="duplicate",
        original_status=previous.status,
        record_id=previous.record_id,
        rule=previous.rule,
        message=previous.message,
    )


# --- pull -------------------------------------------------------------------------------


def _epoch(session: Session) -> str:
    return session.exec(select(SyncState.epoch).where(SyncState.id == 1)).one()


def _parse_cursor(cursor: str | None, epoch: str) -> tuple[int, int]:
    if not cursor:
        return (0, 0)
    parts = cursor.split(".")
    if len(parts) != 4 or parts[0] != CURSOR_PREFIX or not all(p.isdigit() for p in parts[2:]):
        raise Gone(
            "This sync position is not valid; start again from the beginning.",
            code="cursor_reset",
        )
    if parts[1] != epoch:
        raise Gone(
            "The server's records were reset or restored; pull everything again.",
            code="cursor_reset",
        )
    return int(parts[2]), int(parts[3])


def pull(session: Session, *, user: User, cursor: str | None, limit: int) -> PullResponse:
    settings = get_settings()
    if not 1 <= limit <= settings.pull_page_max:
        raise Invalid(f"limit must be between 1 and {settings.pull_page_max}.")
    epoch = _epoch(session)
    after = _parse_cursor(cursor, epoch)
    query = (
        sa_select(SyncChange)
        .where(tuple_(SyncChange.version, SyncChange.id) > tuple_(*after))
        .order_by(SyncChange.version, SyncChange.id)
        .limit(limit + 1)
    )
    sites = visible_site_ids(session, user)
    if sites is not None:
        if not sites:
            return PullResponse(changes=[], cursor=cursor, has_more=False, server_time=utcnow())
        query = query.where(SyncChange.site_id.in_(sites))
    rows = session.execute(query).scalars().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        ChangeOut(
            entity=r.entity, id=r.entity_id, site_id=r.site_id, version=r.version, data=r.data
        )
        for r in rows
    ]
    next_cursor = f"{CURSOR_PREFIX}.{epoch}.{rows[-1].version}.{rows[-1].id}" if rows else cursor
    return PullResponse(
        changes=changes, cursor=next_cursor, has_more=has_more, server_time=utcnow()
    )


def reset_feed(session: Session) -> None:
    """A new epoch: every phone's cursor gets 410 and it pulls everything again."""
    session.execute(text("UPDATE sync_state SET epoch = :e WHERE id = 1"), {"e": str(uuid.uuid4())})

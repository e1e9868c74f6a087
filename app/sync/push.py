"""Push: each mutation takes effect exactly once, gets its own outcome, and one bad mutation
never sinks the batch (docs/sync.md, "Push"). The record types come from the registry
(app.records.registry), filled by app.record_types: sync knows no field domain."""

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from types import SimpleNamespace
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, Update, bindparam, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from app.auth.device_clock import clock_jumped
from app.auth.models import Device, User
from app.config import get_settings
from app.db import insert_many, utcnow
from app.errors import (
    UNSTORABLE_MESSAGE,
    UNSTORABLE_MESSAGE_ZH,
    AppError,
    NotAuthenticated,
    TooLarge,
    validation_text,
)
from app.fields import canonical_uuid, first_bad_text
from app.groups.membership import scope_of
from app.records.errors import Conflicted, Rejected, Rule, both, split_both
from app.records.registry import MUTATION_TYPES, MutationType, serialize
from app.records.store import PushContext
from app.sync.models import Mutation, MutationStatus, SyncChange, SyncState
from app.sync.schemas import MutationIn, MutationResult, PushRequest, PushResponse

log = logging.getLogger("patrol.sync")

# What one mutation's handler or its writes may raise: that mutation is refused, not the push.
REFUSALS = (Rejected, Conflicted, AppError, DataError, OverflowError)


def payload_hash(type_name: str, occurred_at: datetime, payload: dict) -> str:
    """What makes a retry identical: type, time and payload (not sent_at, which changes).
    The payload's record ids are in their canonical form (Incoming.digest)."""
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
    # surrogatepass: the bytes of every encodable text are unchanged, and a mutation refused
    # for a lone surrogate (app.fields.text_problem) still gets a hash, so a retry of it is
    # a duplicate of its refusal.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _clock_flags(device: Device, offset_s: float) -> tuple[str, ...]:
    settings = get_settings()
    flags = []
    if abs(offset_s) > settings.clock_skew_flag_seconds:
        flags.append("skew")
    # The last offset is from the last contact of any kind (app.auth.device_clock).
    if clock_jumped(device.last_clock_offset_s, offset_s):
        flags.append("clock_changed")
    return tuple(flags)


# A mutation nests a few levels (payload, a list of photos); deeper is junk, and would overrun
# the JSON encoders of the hash.
MAX_MUTATION_DEPTH = 32


@dataclass
class Incoming:
    """One mutation as received, checked before the write transaction starts: validation and
    hashing need no lock, and on SQLite every other push waits while one holds it."""

    id: str  # the mutation's id (canonical), or "#<index>" when it has no valid one
    m: MutationIn | None  # None: too malformed to log
    kind: MutationType | None = None  # its registered type
    payload: BaseModel | None = None
    digest: str = ""  # payload_hash of `hashed`
    hashed: dict | None = None  # the payload as hashed: its record ids canonical when valid
    refusal: str | None = None  # why it can never apply, decided without the database
    refusal_zh: str | None = None


def prepare(request: PushRequest) -> list[Incoming]:
    if not MUTATION_TYPES:
        raise RuntimeError("No record types are registered: import app.record_types first.")
    settings = get_settings()
    if len(request.mutations) > settings.max_batch_mutations:
        raise TooLarge(
            f"A push may carry at most {settings.max_batch_mutations} mutations; "
            f"this one has {len(request.mutations)}. Send them in smaller batches.",
            message_zh=f"每次上传最多 {settings.max_batch_mutations} 条记录，"
            f"本次有 {len(request.mutations)} 条，请分批上传。",
            details={"limit": settings.max_batch_mutations},
        )
    return [_check(raw, index) for index, raw in enumerate(request.mutations)]


def _check(raw: Any, index: int) -> Incoming:
    """Decides one element on its own: whatever it holds refuses it alone. Refused unlogged
    when it has no valid id or envelope; logged (so a retry is a duplicate) otherwise."""
    if not isinstance(raw, dict):
        return _unlogged(
            f"#{index}",
            "Malformed mutation: each mutation must be a JSON object with id, type, "
            f"occurred_at and payload, not {_json_kind(raw)}.",
            "格式错误：每条记录必须是含 id、type、occurred_at、payload 的 JSON 对象，"
            f"而不是{_json_kind(raw)}。",
        )
    try:
        m = MutationIn.model_validate(raw)
    except ValidationError as exc:
        en, zh = validation_text(exc.errors())
        id_ = _valid_id(raw.get("id"), index)
        return _unlogged(id_, f"Malformed mutation: {en}", f"格式错误：{zh}")
    item = Incoming(m.id, m)
    if bad := first_bad_text(m.payload, MAX_MUTATION_DEPTH):
        where, problem = bad
        # Too deep for the JSON encoders of the hash (they recurse): a stand-in is hashed,
        # so a retry is still a duplicate of this refusal.
        _hash(item, {"unhashable": where} if "deeper" in problem else m.payload)
        item.refusal = f"Invalid {m.type}: payload.{where}: {problem}"[:500]
        item.refusal_zh = f"{m.type} 无效：payload.{where}：{_text_problem_zh(problem)}"
        return item
    kind = item.kind = MUTATION_TYPES.get(m.type)
    if kind is None:
        _hash(item, m.payload)
        item.refusal = f"Unknown mutation type {m.type!r}; update the app."
        item.refusal_zh = f"未知的记录类型 {m.type!r}，请更新应用。"
        return item
    try:
        item.payload = kind.payload_model.model_validate(m.payload)
    except ValidationError as exc:
        en, zh = validation_text(exc.errors())
        _hash(item, m.payload)
        item.refusal = f"Invalid {m.type}: {en}"[:500]
        item.refusal_zh = f"{m.type} 无效：{zh}"[:500]
        return item
    _hash(item, item.payload.canonical(m.payload))
    return item


def _hash(item: Incoming, payload: dict) -> None:
    item.hashed = payload
    item.digest = payload_hash(item.m.type, item.m.occurred_at, payload)


def _unlogged(id_: str, message: str, message_zh: str) -> Incoming:
    return Incoming(id_, None, refusal=message[:500], refusal_zh=message_zh[:500])


def _valid_id(value: Any, index: int) -> str:
    """The id a result is given: the canonical one when the element has a valid id, else
    its place in the batch (a broken id is never echoed: it may not even be text)."""
    try:
        return canonical_uuid(value)
    except ValueError:
        return f"#{index}"


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "a list"}.get(type(value), "a number")


def _text_problem_zh(problem: str) -> str:
    if "deeper" in problem:
        return f"嵌套超过 {MAX_MUTATION_DEPTH} 层"
    return "文字中含有无法保存的字符（NUL 或孤立的代理字符）"


def push(
    engine: Engine,
    *,
    user_id: int,
    device_id: str,
    request: PushRequest,
    received_at: datetime | None = None,
    clock_offset_s: float | None = None,
    revoked_ok: bool = False,
) -> PushResponse:
    """The whole push in one transaction, committed here, before the answer is sent.
    `received_at` is the server's clock; only the demo town's history passes its own. An
    admin's import of a phone's exported outbox (app.sync.routes.import_outbox) passes the
    device's last known clock offset (sent_at is the export's time, days ago) and may hand in
    the records of a revoked device (a lost or broken phone)."""
    received_at = received_at or utcnow()
    incoming = prepare(request)
    with Session(engine, expire_on_commit=False) as session:
        # Read again in the writing transaction (BEGIN IMMEDIATE on SQLite).
        user = session.get(User, user_id)
        device = session.get(Device, device_id)
        if user is None or device is None or (device.revoked_at is not None and not revoked_ok):
            raise NotAuthenticated(
                "The access token is not valid; log in again.",
                message_zh="访问令牌无效，请重新登录。",
            )
        if clock_offset_s is None:
            offset_s = (received_at - request.sent_at).total_seconds()
        else:
            offset_s = clock_offset_s
        ctx = PushContext(
            session=session,
            user=user,
            device=device,
            scope=scope_of(session, user),
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
        batch = _push_batch(ctx, incoming, dict(seen))
        if batch is None:  # something needed a mutation's own savepoint: one by one
            batch = _push_one_by_one(ctx, incoming, seen)
        results, applied = batch
        device.last_sync_at = received_at
        device.last_seen_at = received_at
        device.last_outbox_depth = request.outbox_depth
        device.last_clock_offset_s = ctx.clock_offset_s
        device.max_abs_clock_offset_s = max(abs(offset_s), device.max_abs_clock_offset_s or 0.0)
        session.add(device)
        if ctx.changed:
            pending = _write_feed(ctx)
            session.flush()  # everything but the version is written before the counter
            _publish(ctx, pending, applied)
        session.commit()
    return PushResponse(server_time=received_at, clock_offset_s=ctx.clock_offset_s, results=results)


# --- the outcome of one mutation, the same on both paths ----------------------------------


@dataclass
class Outcome:
    result: MutationResult  # what the phone is told
    log: dict | None = None  # the mutation log row (what a retry is told); None: not logged


def decide(
    ctx: PushContext, item: Incoming, seen: dict, apply: Callable[[Incoming], str | None]
) -> Outcome:
    """The outcome of one mutation: refused before the transaction (not logged when too
    malformed to have an id), a retry of an id in the seen log (duplicate, or id_reused), or
    what its handler made of it. `apply` runs the handler the path's way and gives the
    record id, or raises the refusal or conflict."""
    m = item.m
    if m is None:
        return Outcome(
            MutationResult(
                id=item.id, status="rejected", message=item.refusal, message_zh=item.refusal_zh
            )
        )
    previous = seen.get(m.id)
    if previous is not None:
        return Outcome(_duplicate(previous, item))
    if item.refusal is not None:
        logged = both(item.refusal_zh, item.refusal) if item.refusal_zh else item.refusal
        outcome = _logged(ctx, item, MutationStatus.rejected, message=logged)
        outcome.result.message, outcome.result.message_zh = item.refusal, item.refusal_zh
        return outcome
    try:
        record_id = apply(item)
    except REFUSALS as exc:
        zh: str | None
        if isinstance(exc, DataError | OverflowError):  # e.g. a site id beyond 64 bits
            en, zh = UNSTORABLE_MESSAGE, UNSTORABLE_MESSAGE_ZH
        else:
            en, zh = exc.message, exc.message_zh
        status = MutationStatus.conflict if isinstance(exc, Conflicted) else MutationStatus.rejected
        outcome = _logged(
            ctx,
            item,
            status,
            both(zh, en) if zh else en,  # the log's one field keeps both texts
            getattr(exc, "rule", None),
            current=getattr(exc, "current", None),
        )
        outcome.result.message, outcome.result.message_zh = en, zh
        return outcome
    return _logged(ctx, item, MutationStatus.applied, record_id=record_id)


def _logged(
    ctx: PushContext,
    item: Incoming,
    status: MutationStatus,
    message: str | None = None,
    rule: Rule | None = None,
    *,
    record_id: str | None = None,
    current: dict | None = None,
) -> Outcome:
    """A logged outcome: what the phone is told now is what a retry will be told."""
    row = _log_row(ctx, item, status, message, rule, record_id)
    result = MutationResult(
        id=row["id"],
        status=row["status"],
        record_id=record_id,
        rule=rule,
        message=row["message"],
        current=current,
    )
    return Outcome(result, row)


def _log_row(
    ctx: PushContext,
    item: Incoming,
    status: MutationStatus,
    message: str | None = None,
    rule: Rule | None = None,
    record_id: str | None = None,
) -> dict:
    """The mutation log row of one outcome."""
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


def _duplicate(previous, item: Incoming) -> MutationResult:
    """A retry of a logged id (`previous`: its log row): the original outcome, unless the
    content differs."""
    m = item.m
    if previous.payload_hash != item.digest and previous.payload_hash != legacy_payload_hash(
        m.type, m.occurred_at, item.hashed
    ):
        return MutationResult(
            id=previous.id,
            status="rejected",
            rule=Rule.id_reused,
            message="This id was already used for a different record; the phone must "
            "give each record a new id.",
            message_zh="该记录编号已被另一条记录使用，手机必须为每条记录使用新的编号。",
        )
    zh, en = split_both(previous.message)
    return MutationResult(
        id=previous.id,
        status="duplicate",
        original_status=previous.status,
        record_id=previous.record_id,
        rule=previous.rule,
        message=en,
        message_zh=zh,
    )


# --- the fast path: the whole batch at once ------------------------------------------------


class _Redo(Exception):
    """A handler refused inside the batch: only a savepoint of its own undoes that mutation
    alone, so the batch is decided again one by one."""


def _apply_in_batch(ctx: PushContext, item: Incoming) -> str | None:
    m = item.m
    try:
        return item.kind.handler(ctx, item.payload, m.id, m.occurred_at).record_id
    except REFUSALS as exc:
        raise _Redo from exc


def _push_batch(
    ctx: PushContext, incoming: list[Incoming], seen: dict
) -> tuple[list[MutationResult], list[str]] | None:
    """The fast path, for the usual batch in which every handler agrees: the handlers run
    without a savepoint and a flush each, and the records, the mutation log and the change
    feed are written in a few bulk statements at the end (profiling showed ~60% of a push in
    per-mutation flushes). The whole batch runs in one savepoint; a handler refusing or
    failing, or a clash on insert, rolls it back and returns None, and the caller redoes the
    batch one mutation per savepoint, which decides every case exactly. Outcomes, rows and
    versions are the same on both paths. Gives the results and the applied mutation ids
    (stamped with the push's version by _publish)."""
    session = ctx.session
    apply = partial(_apply_in_batch, ctx)
    savepoint = session.begin_nested()
    try:
        results: list[MutationResult] = []
        rows: list[dict] = []
        for item in incoming:
            outcome = decide(ctx, item, seen, apply)
            results.append(outcome.result)
            if outcome.log is not None:
                rows.append(outcome.log)
                seen[item.id] = SimpleNamespace(**outcome.log)
        ctx.write()
        insert_many(session, Mutation.__table__, rows)
        savepoint.commit()
        return results, [r["id"] for r in rows if r["status"] == MutationStatus.applied]
    except (_Redo, IntegrityError, *REFUSALS):
        # decided again, one by one, by the exact path; a lost connection propagates (503)
        savepoint.rollback()
        ctx.undo()
        return None


# --- the exact path: one mutation per savepoint --------------------------------------------


def _apply_alone(ctx: PushContext, item: Incoming) -> str | None:
    """In a savepoint of its own, its log row first: a concurrent push of the same id waits
    on that row here, then clashes. A refusal or a clash undoes this mutation alone. The
    row's record id and version are written at the end of the batch (_push_one_by_one)."""
    m = item.m
    session = ctx.session
    before = ctx.mark()
    savepoint = session.begin_nested()
    try:
        row = _log_row(ctx, item, MutationStatus.applied)
        session.execute(Mutation.__table__.insert().values(row))
        record_id = item.kind.handler(ctx, item.payload, m.id, m.occurred_at).record_id
        ctx.write()
        savepoint.commit()
    except (IntegrityError, *REFUSALS):
        savepoint.rollback()
        ctx.undo(before)
        raise
    return record_id


def _push_one_by_one(
    ctx: PushContext, incoming: list[Incoming], seen: dict
) -> tuple[list[MutationResult], list[str]]:
    """Each mutation in its own savepoint: a clash or a refusal undoes that mutation alone.
    Gives the results and the applied mutation ids, like _push_batch."""
    session = ctx.session
    apply = partial(_apply_alone, ctx)
    results: list[MutationResult] = []
    applied: list[dict] = []
    for item in incoming:
        try:
            outcome = decide(ctx, item, seen, apply)
            if outcome.log is not None and outcome.log["status"] != MutationStatus.applied:
                with session.begin_nested():
                    session.execute(Mutation.__table__.insert().values(outcome.log))
        except IntegrityError:  # another process committed the same id meanwhile
            results.append(_after_clash(ctx, item))
            continue
        if outcome.log is not None:
            seen[item.id] = SimpleNamespace(**outcome.log)
            if outcome.log["status"] == MutationStatus.applied:
                applied.append({"mutation_id": item.id, "new_record_id": outcome.log["record_id"]})
        results.append(outcome.result)
    if applied:
        table = Mutation.__table__
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("mutation_id"))
            .values(record_id=bindparam("new_record_id")),
            applied,
        )
    return results, [a["mutation_id"] for a in applied]


def _after_clash(ctx: PushContext, item: Incoming) -> MutationResult:
    """Another process committed the same id meanwhile (Postgres): this is a retry."""
    existing = ctx.session.get(Mutation, item.id, populate_existing=True)
    if existing is None:
        log.error("integrity error in mutation %s with no earlier copy", item.id)
        return MutationResult(
            id=item.id,
            status="rejected",
            message="The record clashes with stored data.",
            message_zh="该记录与已保存的数据冲突。",
        )
    return _duplicate(existing, item)


# --- the change feed ---------------------------------------------------------------------


def _write_feed(ctx: PushContext) -> int:
    """The pull feed's rows of every record this push changed, written before the counter
    is taken (docs/sync.md, "Why the cursor cannot skip a row"), with a pending version of
    this push's own: negative, so never a real one, and random, so that stamping finds this
    push's rows alone in the index (rows with it exist only inside this open transaction).
    Their data's `version` is the pull's to fill in (app.sync.pull)."""
    pending = -1 - secrets.randbits(62)
    insert_many(
        ctx.session,
        SyncChange.__table__,
        [
            {
                "version": pending,
                "entity": entity,
                "entity_id": record_id,
                "site_id": record.site_id,
                "data": serialize(ctx, entity, record),
            }
            for (entity, record_id), record in ctx.changed.items()
            # A record of no site (a village's form) is read on the server, never pulled.
            if record.site_id is not None
        ],
    )
    return pending


def _publish(ctx: PushContext, pending: int, applied: list[str]) -> None:
    """The push's last statement before its commit, the only one that holds the counter row:
    take the next version and stamp it on the records the push changed, its feed rows and its
    applied mutations, all written before. On Postgres that is one statement, so the row is
    held for that statement and the commit, never while the app does anything in between;
    SQLite holds the database lock for the whole push anyway, and runs the same steps one by
    one. The holder of the counter never waits for another writer: every row it stamps is
    one its own transaction wrote, and so already locks."""
    session = ctx.session
    connection = session.connection()  # Core statements: the ORM's execute adds nothing here
    counter = (
        update(SyncState)
        .where(SyncState.id == 1)
        .values(version=SyncState.version + 1)
        .returning(SyncState.version)
    )
    if session.get_bind().dialect.name == "postgresql":
        taken = counter.cte("taken")
        statement = select(taken.c.version)
        for n, stamp in enumerate(
            _stamps(ctx, pending, applied, select(taken.c.version).scalar_subquery())
        ):
            statement = statement.add_cte(stamp.cte(f"stamp_{n}"))
        connection.execute(statement)
        return
    version = connection.execute(counter).scalar_one()
    for stamp in _stamps(ctx, pending, applied, version):
        connection.execute(stamp)


def _stamps(ctx: PushContext, pending: int, applied: list[str], version: Any) -> list[Update]:
    """The statements that give what this push wrote its version (a value or the counter's
    new value inside the statement): records by id, feed rows by their pending version, the applied
    mutations by id."""
    by_table: dict[Table, list[str]] = {}
    for record in ctx.changed.values():
        by_table.setdefault(record.model.__table__, []).append(record.id)
    stamps = [
        update(table).where(table.c.id.in_(ids)).values(version=version)
        for table, ids in by_table.items()
    ]
    feed = SyncChange.__table__
    stamps.append(update(feed).where(feed.c.version == pending).values(version=version))
    if applied:
        log_table = Mutation.__table__
        stamps.append(update(log_table).where(log_table.c.id.in_(applied)).values(version=version))
    return stamps

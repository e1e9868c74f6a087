"""The push pipeline's shared parts: per-push context, outcomes, the handler registry."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from app.auth.models import Device, User
from app.sync.models import FieldRecord


class Rejected(Exception):
    """The mutation can never take effect; the message says why, for a person."""

    def __init__(self, message: str, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule


class Conflicted(Exception):
    """Valid, but the server's state decided against it under a named rule."""

    def __init__(self, rule: str, message: str, current: dict | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.current = current


@dataclass
class PushContext:
    session: Session
    user: User
    device: Device
    received_at: datetime
    sent_at: datetime
    offset_s: float
    base_flags: list[str]
    cache: dict[Any, Any] = field(default_factory=dict)
    changed: dict[tuple[str, str], FieldRecord] = field(default_factory=dict)
    made: dict[str, FieldRecord] = field(default_factory=dict)  # by id: this push's records
    links: list[tuple[type, dict]] = field(default_factory=list)  # rows that need the records

    @property
    def author_disabled(self) -> bool:
        return not self.user.active

    def corrected(self, occurred_at: datetime) -> tuple[datetime, list[str]]:
        """Segment's rule: event time = device time + (server receive - device send)."""
        event_time = occurred_at + timedelta(seconds=self.offset_s)
        flags = list(self.base_flags)
        if event_time > self.received_at + timedelta(seconds=5):
            flags.append("future")
            event_time = self.received_at
        return event_time, flags

    def stamp(self, record_id: str, site_id: int, occurred_at: datetime) -> dict[str, Any]:
        """The FieldRecord columns for a record created by this mutation."""
        event_time, flags = self.corrected(occurred_at)
        offset = occurred_at.utcoffset()
        return {
            "id": record_id,
            "site_id": site_id,
            "recorded_by": self.user.id,
            "device_id": self.device.id,
            "device_time": occurred_at,
            "device_tz_offset_min": int(offset.total_seconds() // 60) if offset else 0,
            "received_at": self.received_at,
            "event_time": event_time,
            "clock_offset_s": round(self.offset_s, 3),
            "clock_flag": ",".join(flags) or None,
            "author_disabled": self.author_disabled,
        }

    def lookup(self, key: Any, load: Callable[[], Any]) -> Any:
        """Reference data read once per push, without flushing the records made so far
        (an autoflush per lookup was most of a push's time)."""
        if key not in self.cache:
            with self.session.no_autoflush:
                self.cache[key] = load()
        return self.cache[key]

    def touch(self, entity: str, record: FieldRecord) -> None:
        """Marks a record as changed: it goes into the pull feed at this push's version."""
        self.changed[(entity, record.id)] = record
        self.made[record.id] = record

    def link(self, model: type, **values: Any) -> None:
        """A row that points at a record of this push (e.g. a shift's members): inserted by
        flush_links once the records are in, since the ORM does not order inserts by
        foreign key for models without relationships."""
        self.links.append((model, values))

    def flush_links(self) -> None:
        self.session.flush()
        by_model: dict[type, list[dict]] = {}
        for model, values in self.links:
            by_model.setdefault(model, []).append(values)
        for model, rows in by_model.items():
            self.session.execute(insert(model), rows)
        self.links = []

    def mark(self) -> tuple[dict, dict]:
        return dict(self.changed), dict(self.made)

    def undo(self, mark: tuple[dict, dict] = ({}, {})) -> None:
        """After a savepoint rollback: forget what the rolled-back mutations touched."""
        self.changed, self.made = dict(mark[0]), dict(mark[1])
        self.links = []


@dataclass
class Applied:
    record_id: str | None


Handler = Callable[[PushContext, Any, str, datetime], Applied]


@dataclass
class Registration:
    payload_model: type[BaseModel]
    handler: Handler


HANDLERS: dict[str, Registration] = {}


def mutation(type_name: str, payload_model: type[BaseModel]):
    """Registers the handler of one mutation type."""

    def _register(fn: Handler) -> Handler:
        HANDLERS[type_name] = Registration(payload_model, fn)
        return fn

    return _register


def payload_hash(type_name: str, occurred_at: datetime, payload: dict) -> str:
    """What makes a retry identical: type, time and payload (not sent_at, which changes)."""
    canonical = json.dumps(
        [type_name, occurred_at.isoformat(), payload],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


Serializer = Callable[[Session, Any], dict[str, Any]]
SERIALIZERS: dict[str, Serializer] = {}


def entity(name: str):
    """Registers how one entity appears in the pull feed (its full current state)."""

    def _register(fn: Serializer) -> Serializer:
        SERIALIZERS[name] = fn
        return fn

    return _register


def serialize(session: Session, entity_name: str, record: Any) -> dict[str, Any]:
    fn = SERIALIZERS.get(entity_name)
    if fn is not None:
        return fn(session, record)
    return record.model_dump(mode="json")


def visible_sites(ctx: PushContext) -> set[int] | None:
    from app.groups.service import visible_site_ids

    return ctx.lookup("sites", lambda: visible_site_ids(ctx.session, ctx.user))


def require_site(ctx: PushContext, site_id: int):
    """The site exists and the author may record there; else a rejection a person understands."""
    from app.sites.models import Site

    site = ctx.lookup(("site", site_id), lambda: ctx.session.get(Site, site_id))
    if site is None:
        raise Rejected(f"There is no site with id {site_id}.")
    sites = visible_sites(ctx)
    if sites is not None and site_id not in sites:
        raise Rejected(f"You are not assigned to {site.name}; records there are not yours to add.")
    return site


def require_record(ctx: PushContext, model: type, record_id: str, what: str):
    """A record this mutation refers to, which the author may see: made earlier in this push
    (not flushed yet) or stored."""
    record = ctx.made.get(record_id)
    if isinstance(record, model):
        if sa_inspect(record).pending:
            ctx.session.flush()  # rows pointing at it need it inserted first
    else:
        with ctx.session.no_autoflush:
            record = ctx.session.get(model, record_id)
    if record is None:
        raise Rejected(f"The {what} {record_id} is unknown to the server; it was never synced.")
    sites = visible_sites(ctx)
    if sites is not None and record.site_id not in sites:
        raise Rejected(f"The {what} {record_id} is at a site you are not assigned to.")
    return record

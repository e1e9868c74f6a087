"""The record types: every mutation type the server accepts and every entity it writes, each
described once. The field domains' handler modules register theirs when imported (the app
imports them all in app.record_types); sync reads the registry and never the domains."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.records.authz import Who
from app.records.errors import Conflicted, Rule
from app.records.models import Entity, FieldRecord
from app.records.payload import Payload
from app.records.store import PushContext, Record


@dataclass(frozen=True)
class Applied:
    record_id: str | None


Handler = Callable[[PushContext, Any, str, datetime], Applied]
Serializer = Callable[[PushContext, Record], dict[str, Any]]


@dataclass(frozen=True)
class MutationType:
    """One mutation type: its payload, the handler that applies it, what it writes, the
    named rules that may decide against it and who may send it."""

    name: str  # as the phone sends it in `type`, e.g. "shift.start"
    payload_model: type[Payload]
    handler: Handler
    creates: Entity | None  # the record it makes (its id is the mutation's id)
    changes: tuple[Entity, ...] = ()  # records it may change
    rules: tuple[Rule, ...] = ()  # the conflict rules that may decide against it
    # Who may send it, for which object: its row of the rule table (app.records.authz), one
    # Permission or one per action. Every type has one (tests/test_push_authz_matrix.py).
    who: Who | None = None


@dataclass(frozen=True)
class EntityType:
    """One entity of the pull feed: its table and how a change of it reads (its full state)."""

    name: Entity
    model: type[FieldRecord]
    serializer: Serializer | None = None  # None: the record's own columns


MUTATION_TYPES: dict[str, MutationType] = {}
ENTITY_TYPES: dict[Entity, EntityType] = {}
# What else a phone needs of a site to record offline, by the bootstrap's key (e.g. a boarding
# school's dormitories): session, site ids -> {site id: value}. Sync lists them, never the domains.
SiteExtra = Callable[[Any, list[int]], dict[int, Any]]
SITE_EXTRAS: dict[str, SiteExtra] = {}


def register_site_extra(key: str, load: SiteExtra) -> None:
    if key in SITE_EXTRAS:
        raise RuntimeError(f"site extra {key!r} is registered twice")
    SITE_EXTRAS[key] = load


def mutation_type(
    name: str,
    payload_model: type[Payload],
    *,
    creates: Entity | None,
    changes: tuple[Entity, ...] = (),
    rules: tuple[Rule, ...] = (),
    who: Who | None = None,
) -> Callable[[Handler], Handler]:
    """Registers the decorated function as the handler of one mutation type."""

    def _register(handler: Handler) -> Handler:
        if name in MUTATION_TYPES:
            raise RuntimeError(f"mutation type {name!r} is registered twice")
        MUTATION_TYPES[name] = MutationType(
            name, payload_model, handler, creates, changes, rules, who
        )
        return handler

    return _register


def register_entity(
    name: Entity, model: type[FieldRecord], serializer: Serializer | None = None
) -> None:
    if name in ENTITY_TYPES:
        raise RuntimeError(f"entity {name!r} is registered twice")
    ENTITY_TYPES[name] = EntityType(name, model, serializer)


def serialize(ctx: PushContext, entity: Entity, record: Record) -> dict[str, Any]:
    """A record as the pull feed carries it."""
    serializer = ENTITY_TYPES[entity].serializer
    return serializer(ctx, record) if serializer is not None else record.json()


def show_current(conflict: Conflicted, ctx: PushContext, entity: Entity, record: Record) -> None:
    """Adds the record's current state to a conflict a rule raised, for the phone to show its
    user (the rule knows only plain facts). In a handler: `except Conflicted as conflict:
    show_current(conflict, ...); raise`. A try costs nothing until it catches, unlike a
    context manager around every scan."""
    conflict.current = {"entity": entity, "data": serialize(ctx, entity, record)}

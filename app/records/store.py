"""The store a batch of mutations writes its records through: plain rows made or read,
changed with an undo journal, written in a few bulk statements. Handlers make and change
records only through it, which is what keeps a push fast and a refused mutation traceless."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from app.access import Scope
from app.auth.models import Device, User
from app.db import insert_many, metadata
from app.records.models import Entity


class Record:
    """A field record as a push sees it: its columns as plain values, made by this push or
    read from the store. Not an ORM object: building and flushing one per record was most of
    a push's time. Changed only through PushContext.update, which keeps the undo journal."""

    __slots__ = ("model", "values", "stored", "dirty", "member_ids")

    def __init__(self, model: type, values: dict[str, Any], *, stored: bool):
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "stored", stored)  # the row is in the database
        object.__setattr__(self, "dirty", set())  # columns changed since it was written
        object.__setattr__(self, "member_ids", None)  # a shift's people (id -> counted), once known

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in Record.__slots__:
            raise AttributeError(f"set {name} through PushContext.update (it journals undo)")
        object.__setattr__(self, name, value)

    def json(self) -> dict[str, Any]:
        """The columns for the pull feed. Times and dates stay objects: the feed's JSON column
        writes them as model_dump(mode="json") would (UTC as "Z"; see app.db._json_text)."""
        return dict(self.values)


@cache
def _write_order(n_tables: int) -> list[Table]:
    """Tables parents before children; sorting them took ~2% of a 10-record push. Keyed by the
    table count, so a table registered later (a test's) is never left out."""
    return metadata.sorted_tables


@cache
def _columns(model: type) -> tuple[dict[str, Any], dict[str, Callable[[], Any]], set[str]]:
    """Per model, once: defaults, default factories and the columns a record must be given."""
    defaults, factories, required = {}, {}, set()
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif info.is_required():
            required.add(name)
        else:
            defaults[name] = info.default
    return defaults, factories, required


@dataclass
class PushContext:
    """One batch of mutations from one user's device as its handlers see it: the author, the
    push's clock correction (stamp, corrected) and the record store (create, get, update,
    add_row, lookup; write, mark, undo for the caller that owns the transaction)."""

    session: Session
    user: User
    device: Device
    scope: Scope  # what the author may see, worked out once per push
    received_at: datetime
    sent_at: datetime
    offset_s: float
    base_flags: tuple[str, ...]
    cache: dict[Any, Any] = field(default_factory=dict)  # reference data, read once
    records: dict[str, Record] = field(default_factory=dict)  # by id: made or read so far
    changed: dict[tuple[Entity, str], Record] = field(default_factory=dict)  # for the feed
    unwritten: list[Record] = field(default_factory=list)  # made, not inserted yet
    rows: list[tuple[Table, dict]] = field(default_factory=list)  # link rows, not inserted
    dirty: dict[str, Record] = field(default_factory=dict)  # stored, changed, not updated
    journal: list[tuple[Record, str, Any, bool]] = field(default_factory=list)  # for undo

    def __post_init__(self) -> None:
        # The same for every record of the push: worked out once.
        self._shift = timedelta(seconds=self.offset_s)
        self._latest = self.received_at + timedelta(seconds=5)
        self._base_flag_text = ",".join(self.base_flags) or None
        self.clock_offset_s = round(self.offset_s, 3)  # as stored on every row

    def corrected(self, occurred_at: datetime) -> tuple[datetime, tuple[str, ...]]:
        """Segment's rule: event time = device time + (server receive - device send)."""
        event_time = occurred_at + self._shift
        if event_time > self._latest:
            return self.received_at, (*self.base_flags, "future")
        return event_time.astimezone(UTC), self.base_flags

    def flag_text(self, flags: tuple[str, ...]) -> str | None:
        return self._base_flag_text if flags is self.base_flags else ",".join(flags) or None

    def stamp(self, record_id: str, site_id: int, occurred_at: datetime) -> dict[str, Any]:
        """The FieldRecord columns for a record created by this mutation."""
        event_time, flags = self.corrected(occurred_at)
        offset = occurred_at.utcoffset()
        return {
            "id": record_id,
            "site_id": site_id,
            "recorded_by": self.user.id,
            "device_id": self.device.id,
            "device_time": occurred_at.astimezone(UTC),  # the zone is kept just below
            "device_tz_offset_min": int(offset.total_seconds() // 60) if offset else 0,
            "received_at": self.received_at,
            "event_time": event_time,
            "clock_offset_s": self.clock_offset_s,
            "clock_flag": self.flag_text(flags),
            "author_disabled": not self.user.active,  # disabled while the phone was offline
        }

    def lookup(self, key: Any, load: Callable[[], Any]) -> Any:
        """Reference data read once per push, without flushing what is pending."""
        if key not in self.cache:
            with self.session.no_autoflush:
                self.cache[key] = load()
        return self.cache[key]

    def create(
        self, model: type, entity_name: Entity, stamp: dict[str, Any], **values: Any
    ) -> Record:
        """A new record, written by the next write(); it goes into the pull feed."""
        defaults, factories, required = _columns(model)
        row = defaults.copy()
        for name, factory in factories.items():
            row[name] = factory()
        row.update(stamp)
        row.update(values)
        if not required <= row.keys():
            raise TypeError(f"{model.__name__} needs {sorted(required - row.keys())}")
        record = Record(model, row, stored=False)
        self.records[record.id] = record
        self.unwritten.append(record)
        self.changed[(entity_name, record.id)] = record
        return record

    def add_row(self, model: type, **values: Any) -> None:
        """A plain row beside the records (a shift's members, a photo link)."""
        self.rows.append((model.__table__, values))

    def get(self, model: type, record_id: str) -> Record | None:
        """A record made earlier in this push or stored; None when there is none of that kind."""
        record = self.records.get(record_id)
        if record is None:
            table = model.__table__
            # Core on the push's connection: nothing pending to flush, no ORM overhead
            found = (
                self.session.connection()
                .execute(select(table).where(table.c.id == record_id))
                .mappings()
                .first()
            )
            if found is None:
                return None
            record = self.records[record_id] = Record(model, dict(found), stored=True)
        return record if record.model is model else None

    def update(self, entity_name: Entity, record: Record, **values: Any) -> None:
        """Changes a record's columns (journalled, so a rolled-back mutation's changes are
        undone in memory too) and puts it into the pull feed."""
        for name, value in values.items():
            self.journal.append((record, name, record.values[name], name in record.dirty))
            record.values[name] = value
            if record.stored:
                record.dirty.add(name)
                self.dirty[record.id] = record
        self.changed[(entity_name, record.id)] = record

    def write(self) -> None:
        """Inserts what was made and updates what was changed since the last write, in a
        few bulk statements, parents before children."""
        batches: dict[Table, list[dict]] = {}
        for record in self.unwritten:
            batches.setdefault(record.model.__table__, []).append(record.values)
            record.stored = True
            record.dirty.clear()
        for table, row in self.rows:
            batches.setdefault(table, []).append(row)
        for table in _write_order(len(metadata.tables)):
            if table in batches:
                insert_many(self.session, table, batches[table])
        self.unwritten, self.rows = [], []
        updates: dict[tuple[Table, tuple[str, ...]], list[dict]] = {}
        for record in self.dirty.values():
            names = tuple(sorted(record.dirty))
            if names:
                changes = {f"new_{n}": record.values[n] for n in names}
                updates.setdefault((record.model.__table__, names), []).append(
                    {"record_id": record.id, **changes}
                )
                record.dirty.clear()
        for (table, names), params in updates.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("record_id"))
                .values({n: bindparam(f"new_{n}") for n in names})
            )
            self.session.connection().execute(statement, params)
        self.dirty = {}

    def mark(self) -> tuple[int, int, dict]:
        return len(self.journal), len(self.records), dict(self.changed)

    def undo(self, mark: tuple[int, int, dict] = (0, 0, {})) -> None:
        """After a savepoint rollback: forget what the rolled-back mutations did."""
        journal_at, records_at, changed = mark
        for record, name, old, was_dirty in reversed(self.journal[journal_at:]):
            record.values[name] = old
            if not was_dirty:
                record.dirty.discard(name)
        del self.journal[journal_at:]
        for record_id in list(self.records)[records_at:]:
            del self.records[record_id]
        self.changed = dict(changed)
        self.unwritten, self.rows = [], []
        self.dirty = {k: r for k, r in self.dirty.items() if r.dirty}

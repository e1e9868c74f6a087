"""The base of every mutation payload (the envelope around it is sync's: app.sync.schemas)."""

from functools import cache
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict

from app.fields import names_a_record


class Payload(BaseModel):
    """Base of every mutation payload; unknown fields from newer app versions are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    @cache
    def record_id_fields(cls) -> tuple[str, ...]:
        """The fields that name a record (typed app.fields.RecordId)."""
        hints = get_type_hints(cls, include_extras=True)
        return tuple(name for name in cls.model_fields if names_a_record(hints.get(name)))

    def canonical(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The payload as sent with its record ids in canonical form: what the idempotency
        hash covers, so a retry spelling an id differently is still the same mutation, and
        a payload the phone sent canonically (the PWA always does) hashes as it always did."""
        ids = {n: getattr(self, n) for n in self.record_id_fields() if raw.get(n) is not None}
        return {**raw, **ids} if ids else raw

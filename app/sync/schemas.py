"""Request and response shapes of the sync endpoints (see docs/sync.md)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.fields import DateTimeText, RecordId, Text


def _plausible(value: datetime) -> datetime:
    # The phone's own calendar year: checked per record, so no zone conversion.
    if not 1900 <= value.year <= 2200:
        raise ValueError("a time must lie between the years 1900 and 2200")
    return value


# A phone's clock may be far off (reset to 1970, set to 2100): still a time we can correct.
# Years far outside that range would overflow the clock arithmetic and are refused. A string
# only: a JSON number is not taken as Unix seconds (app.fields).
DeviceTime = Annotated[DateTimeText, AfterValidator(_plausible)]


class MutationIn(BaseModel):
    id: RecordId
    type: Annotated[Text, Field(max_length=40)]
    occurred_at: DeviceTime
    payload: dict[str, Any]


class PushRequest(BaseModel):
    sent_at: DeviceTime
    outbox_depth: Annotated[int, Field(ge=0, le=10_000_000, strict=True)] = 0  # false is no count
    # Any JSON value: each element is decided on its own (a non-object is refused alone).
    mutations: list[Any]


Status = Literal["applied", "duplicate", "conflict", "rejected"]


class MutationResult(BaseModel):
    id: str
    status: Status
    record_id: str | None = None
    original_status: str | None = None
    rule: str | None = None
    message: str | None = None
    message_zh: str | None = None  # the Chinese of message, where the server has it
    current: dict[str, Any] | None = None


class PushResponse(BaseModel):
    server_time: datetime
    clock_offset_s: float
    results: list[MutationResult]


class ChangeOut(BaseModel):
    entity: str
    id: str
    site_id: int
    version: int
    data: dict[str, Any]


class PullResponse(BaseModel):
    changes: list[ChangeOut]
    cursor: str | None
    has_more: bool
    server_time: datetime

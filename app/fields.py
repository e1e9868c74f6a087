"""Input rules shared by every API schema: text, identifiers, dates, and what null means."""

import re
import uuid
from datetime import date, datetime, time
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

# --- text ---------------------------------------------------------------------------------

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text, or None. NUL: Postgres refuses it. A lone
    surrogate (valid JSON as "\\ud800", but not a character) cannot be encoded as UTF-8: the
    database driver, the JSON encoder and the idempotency hash would all fail on it."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "text must not contain NUL characters"
    return "text must be valid Unicode (it holds a lone surrogate such as \\ud800)"


def first_bad_text(value: Any, max_depth: int) -> tuple[str, str] | None:
    """(where, why) of the first key or string in a JSON value that cannot be stored as
    text, or that lies deeper than max_depth; None when all is well. Iterative: a deeply
    nested value must not exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > max_depth:
            return where or "value", f"nested deeper than {max_depth} levels"
        if isinstance(item, str):
            if problem := text_problem(item):
                return where or "value", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and (problem := text_problem(key)):
                    return where or "value", f"a field name: {problem}"
                stack.append((child, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def _storable_text(value: Any) -> Any:
    if isinstance(value, str) and (problem := text_problem(value)):
        raise PydanticCustomError("text_unstorable", problem)
    return value


# Free text from a client: no NUL and no lone surrogate, on every backend alike.
Text = Annotated[str, AfterValidator(_storable_text)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CleanInput(SQLModel):
    """Base of request schemas: refuses NUL and lone surrogates in any text field."""

    @field_validator("*", mode="before")
    @classmethod
    def _reject_unstorable_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            for item in value:
                _storable_text(item)
        return _storable_text(value)


# --- identifiers --------------------------------------------------------------------------

_UUID_SPELLING = re.compile(
    r"[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}", re.IGNORECASE
)


_CANONICAL_SPELLING = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uuid(value: Any) -> str:
    """One spelling of every id a client sends: lower case with hyphens. Upper case and the
    32-digit form without hyphens name the same UUID (a retry in another spelling must find
    the same record); anything else is refused."""
    if isinstance(value, str) and _CANONICAL_SPELLING.fullmatch(value):
        return value  # what phones send: already canonical, no UUID object needed
    if not isinstance(value, str) or not _UUID_SPELLING.fullmatch(value):
        raise PydanticCustomError(
            "uuid_expected",
            "must be a UUID such as 0190f5c2-7b1e-7a11-8f00-3c5d2e4f6a7b (32 hexadecimal "
            "digits, with or without hyphens)",
        )
    return str(uuid.UUID(value))


# A record's id as the phone generated it (a mutation id, shift_id, hazard_id, ...).
_CANONICAL = BeforeValidator(canonical_uuid)
RecordId = Annotated[str, _CANONICAL]


def names_a_record(annotation: Any) -> bool:
    """Whether a field's type is RecordId (alone, optional or in a union)."""
    if get_origin(annotation) is Annotated:
        return any(m is _CANONICAL for m in annotation.__metadata__) or names_a_record(
            get_args(annotation)[0]
        )
    return any(names_a_record(arg) for arg in get_args(annotation))


# --- dates --------------------------------------------------------------------------------

# Every calendar date a client sends (a duty day, a due date, a roster period, a report's
# range) lies in this range: anything outside is a typo or a broken clock, never a school
# day. Fixed rather than relative to today, so a date that was accepted stays acceptable.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def _plausible_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(
            "date_implausible",
            "the date {date} is not plausible: a date must lie between {earliest} and "
            "{latest}; check the year",
            {
                "date": value.isoformat(),
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            },
        )
    return value


# --- times and dates are strings -----------------------------------------------------------
# The OpenAPI contract says a date-time, a date or a time is a string. Pydantic's lax mode
# would also take a JSON number (as Unix seconds, or seconds of the day), so a phone sending
# 1733300000 by mistake would store a time nobody wrote: every such field refuses anything but
# its string (or, from Python callers, the value itself).

_TEXT_FORMS: dict[type, tuple[str, str]] = {
    datetime: ("datetime_text_expected", "2026-12-04T08:30:00+08:00 (ISO 8601 with its offset)"),
    date: ("date_text_expected", "2026-12-04 (YYYY-MM-DD)"),
    time: ("time_text_expected", "07:30 (HH:MM or HH:MM:SS)"),
}


def _text_form(kind: type) -> BeforeValidator:
    code, example = _TEXT_FORMS[kind]

    def check(value: Any) -> Any:
        if isinstance(value, (str, kind)) and not (kind is date and isinstance(value, datetime)):
            return value
        raise PydanticCustomError(
            code,
            "must be a string such as {example}, not a JSON {given}",
            {"example": example, "given": _json_type(value)},
        )

    return BeforeValidator(check)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


DATETIME_TEXT = _text_form(datetime)
DATE_TEXT = _text_form(date)
TIME_TEXT = _text_form(time)
TEXT_FORM_VALIDATORS = (DATETIME_TEXT, DATE_TEXT, TIME_TEXT)

# A time with its UTC offset, sent as an ISO 8601 string.
DateTimeText = Annotated[AwareDatetime, DATETIME_TEXT]


def takes_only_text_form(annotation: Any) -> bool:
    """Whether a field typed with a datetime, date or time refuses anything but its string
    (or None, where optional): every part of its type that is a time carries the check."""
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        if any(m in TEXT_FORM_VALIDATORS for m in meta):
            return True
        return takes_only_text_form(base)
    if get_origin(annotation) in (Union, UnionType, list):
        return all(takes_only_text_form(a) for a in get_args(annotation))
    return annotation not in (datetime, date, time)


PlausibleDate = Annotated[date, DATE_TEXT, AfterValidator(_plausible_date)]


# A wall-clock time in a site's own zone (a gate window's start and end). It has no offset,
# so it is not an OpenAPI `format: time` (RFC 3339 full-time needs one): it is declared, and
# read, as the string it is.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _local_time(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(LOCAL_TIME_PATTERN, value):
        raise PydanticCustomError(
            "local_time_expected",
            "a local time is HH:MM or HH:MM:SS in the site's own time zone, without an offset",
        )
    return value


LocalTime = Annotated[
    time,
    TIME_TEXT,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_TIME_PATTERN,
            "description": "local wall-clock time in the site's zone, no offset",
            "examples": ["07:30:00"],
        }
    ),
]


# --- what null means ----------------------------------------------------------------------


def _nullable(annotation: Any) -> bool:
    if annotation is None or annotation is NoneType:
        return True
    if get_origin(annotation) is Annotated:
        return _nullable(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return any(_nullable(arg) for arg in get_args(annotation))
    return False


class PatchBody(CleanInput):
    """Body of a PATCH: a field left out keeps its value. null clears a field that may be
    empty (typed `X | None`, e.g. a phone number); for every other field null is refused
    with a message naming the field, instead of failing later in the database."""

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_it_clears(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name)
        if value is None and field is not None and not _nullable(field.annotation):
            raise PydanticCustomError(
                "null_not_allowed",
                "{field} cannot be null: leave it out to keep its current value",
                {"field": info.field_name},
            )
        return value

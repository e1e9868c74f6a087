"""The areas a notice (通报) can be drafted for: area code -> its zh/en label and the function
giving its lines. A line function reads an existing report's figures (app/reports/notices.py
registers the patrol, gate, hazard and boarding areas); it never computes a figure a second
way. A new area of the plan (the villages' dispute forms, police at the gate, drills,
technical defences, leadership duty) is one more `register(Area(...))`.

An area without its Chinese or English label, or registered twice, fails at import; a stored
notice whose area is no longer registered fails loudly when it is shown (`area()`), never
shows a blank."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from app.errors import Invalid
from app.sites.models import Site


@dataclass(frozen=True)
class DraftLine:
    subject_kind: str  # group, school, village, department
    subject_id: str
    subject_name: str
    issue: str  # a stable code within the area
    ref: str  # what the figure is about (unique within a notice)
    detail_zh: str
    detail_en: str


@dataclass(frozen=True)
class Within:
    """What a draft covers: one town's active sites and patrol groups."""

    town_id: int
    sites: list[Site]
    group_ids: list[int]


LineSource = Callable[[Session, Within, date, date, datetime], list[DraftLine]]


@dataclass(frozen=True)
class Area:
    code: str
    label_zh: str
    label_en: str
    lines: LineSource


AREAS: dict[str, Area] = {}


def register(area: Area) -> Area:
    if not area.code or not area.code.isascii():
        raise ValueError(f"a notice area needs an ASCII code, got {area.code!r}")
    if not area.label_zh.strip() or not area.label_en.strip():
        raise ValueError(f"notice area {area.code!r} has no Chinese or English label")
    if area.code in AREAS:
        raise ValueError(f"notice area {area.code!r} is registered twice")
    AREAS[area.code] = area
    return area


def area(code: str) -> Area:
    """The registered area of a stored notice: a missing one is a server fault, not a blank."""
    try:
        return AREAS[code]
    except KeyError:
        raise LookupError(f"notice area {code!r} is not registered (no label)") from None


def asked_area(code: str) -> Area:
    """The area a client asks a draft for: unknown is the client's mistake (422)."""
    if code not in AREAS:
        known = ", ".join(sorted(AREAS))
        raise Invalid(
            f"There is no notice area {code!r}; known: {known}.",
            message_zh=f"没有“{code}”这一通报类别。",
            details=[{"field": "area", "message": "unknown", "message_zh": "未知的通报类别"}],
        )
    return AREAS[code]

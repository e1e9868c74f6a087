"""The rules of the monthly dispute screening form over plain facts, callable without a push
or a session (the plan: 每月18日前，四位一体办收集全镇66个村庄的矛盾纠纷排查表)."""

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import Role
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule
from app.villages.models import DisputeStatus

# The form is due before the 18th: on time when handed in by the end of the 17th (local).
DUE_DAY = 17
# A form's month, YYYY-MM from 2000 to 2100: the one spelling the query and the rule share.
MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"
MONTH = re.compile(MONTH_PATTERN)

# The village's own cadre hands in its form; the town's admin may enter a paper form.
WHO_HANDS_IN = Permission(
    what=("上报本村的矛盾纠纷排查表", "hand in this village's dispute screening form"),
    roles=frozenset({Role.village, Role.admin}),
    allow=frozenset({Relation.village_cadre, Relation.admin}),
    refusal=Rule.not_your_village,
)


def village_relations(
    *, roles: Iterable[str], own_village_id: int | None, village_id: int, sees_town: bool
) -> set[Relation]:
    """The author's relations to a village: its cadre (role village, village_id), or an admin
    of its town."""
    roles, found = set(roles), set()
    if Role.village in roles and own_village_id == village_id:
        found.add(Relation.village_cadre)
    if Role.admin in roles and sees_town:
        found.add(Relation.admin)
    return found


def parse_month(month: str) -> date:
    """`YYYY-MM` -> its first day; else a rejection a person understands."""
    match = MONTH.match(month)
    if not match:
        raise Rejected(
            f"The month must be written YYYY-MM (e.g. 2026-11), not {month!r}.",
            zh=f"月份须写成 年-月（例如 2026-11），而不是“{month}”。",
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_at(month: str, timezone: str) -> datetime:
    """The end of the 17th of the month, local: a form handed in before it is on time."""
    first = parse_month(month)
    return datetime.combine(first.replace(day=DUE_DAY + 1), time(0), ZoneInfo(timezone))


def month_end(month: str, timezone: str) -> datetime:
    """The end of the month's last day, local: no form by then is missing."""
    first = parse_month(month)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    return datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(timezone))


def check_month_begun(month: str, handed_in_at: datetime, timezone: str) -> None:
    """A month is screened once it has begun: a form for a later month is a typing mistake."""
    local = handed_in_at.astimezone(ZoneInfo(timezone)).date()
    if parse_month(month) > local.replace(day=1):
        raise Rejected(
            f"The month {month} has not begun yet; check the month of the form.",
            zh=f"{month} 尚未开始，请检查排查表的月份。",
        )


def on_time(month: str, handed_in_at: datetime, timezone: str) -> bool:
    """Handed in (clock-corrected time) by the end of the 17th of its month, local date."""
    return handed_in_at < due_at(month, timezone)


def form_state(month: str, handed_in_at: datetime | None, now: datetime, timezone: str) -> str:
    """on_time, late (handed in after the 17th), missing (none at month end), overdue (none,
    the 17th passed, the month not over), pending (none yet, not due yet)."""
    if handed_in_at is not None:
        return "on_time" if on_time(month, handed_in_at, timezone) else "late"
    if now >= month_end(month, timezone):
        return "missing"
    if now >= due_at(month, timezone):
        return "overdue"
    return "pending"


def check_newer(stored_at: datetime, incoming_at: datetime, village: str, month: str) -> None:
    """A corrected form replaces the stored one when it is later by corrected time; an older
    copy arriving after (a second phone, offline longer) loses and is shown the stored one."""
    if incoming_at < stored_at:
        raise Conflicted(
            Rule.form_superseded,
            f"A later form of {village} for {month} is on the server already.",
            zh=f"服务器上已有{village} {month} 更晚填写的排查表。",
        )


def disputes_of(items: Iterable[tuple[str, str, str, str, bool]]) -> list[dict]:
    """The disputes as stored: each key once (a corrected form keeps its disputes' keys)."""
    rows, seen = [], set()
    for key, summary, parties, category, settled in items:
        if key in seen:
            raise Rejected(f"The dispute {key} is listed twice.", zh=f"纠纷（{key}）被重复填写。")
        seen.add(key)
        rows.append(
            {
                "key": key,
                "summary": summary.strip(),
                "parties": parties.strip(),
                "category": category,
                "settled_in_village": settled,
            }
        )
    return rows


# The office's steps: open -> resolving -> resolved, and back to open (reopen) from either.
STEPS: dict[DisputeStatus, frozenset[DisputeStatus]] = {
    DisputeStatus.open: frozenset({DisputeStatus.resolving, DisputeStatus.resolved}),
    DisputeStatus.resolving: frozenset({DisputeStatus.resolved, DisputeStatus.open}),
    DisputeStatus.resolved: frozenset({DisputeStatus.open}),
}


def initial_status(settled_in_village: bool) -> DisputeStatus:
    """A dispute the village settled itself (已在村内化解) is resolved from the start."""
    return DisputeStatus.resolved if settled_in_village else DisputeStatus.open


def check_step(current: DisputeStatus, to: DisputeStatus, note: str) -> None:
    """Raises ValueError with (en, zh) when the step is not allowed."""
    if to not in STEPS[current]:
        raise ValueError(
            f"A dispute that is {current.value} cannot go to {to.value}.",
            f"纠纷当前为“{STATUS_ZH[current]}”，不能改为“{STATUS_ZH[to]}”。",
        )
    if to == DisputeStatus.resolved and not note.strip():
        raise ValueError(
            "Resolving a dispute needs a note of how it was resolved.",
            "标记已化解须填写化解情况说明。",
        )
    if current == DisputeStatus.resolved and to == DisputeStatus.open and not note.strip():
        raise ValueError("Reopening a dispute needs a note of why.", "重新打开纠纷须说明原因。")


STATUS_ZH = {
    DisputeStatus.open: "待化解",
    DisputeStatus.resolving: "化解中",
    DisputeStatus.resolved: "已化解",
}

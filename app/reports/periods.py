"""Local days: a report's dates are the site's local days (its `timezone`, Asia/Shanghai by
default) while storage is UTC, so every day boundary is computed here from the zone."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.errors import Invalid
from app.sites.models import DEFAULT_TIMEZONE

MAX_DAYS = 366


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(now: datetime, tz: str = DEFAULT_TIMEZONE) -> date:
    """The local date at the instant `now` (the one instant a request is computed at)."""
    return now.astimezone(zone(tz)).date()


def check_range(date_from: date, date_to: date, max_days: int = MAX_DAYS) -> None:
    if date_to < date_from:
        raise Invalid("The end date is before the start date.", message_zh="结束日期早于开始日期。")
    if (date_to - date_from).days + 1 > max_days:
        raise Invalid(
            f"A report covers at most {max_days} days.",
            message_zh=f"一份报表最多涵盖 {max_days} 天。",
        )


def day_start(d: date, tz: str) -> datetime:
    """The UTC instant a local date begins in a zone."""
    return datetime.combine(d, time(0), tzinfo=zone(tz)).astimezone(UTC)


@lru_cache(maxsize=256)
def day_bounds(tz: str, date_from: date, date_to: date) -> tuple[int, ...]:
    """Epoch seconds of each local midnight from date_from to the day after date_to."""
    n = (date_to - date_from).days + 1
    return tuple(
        int(day_start(date_from + timedelta(days=i), tz).timestamp()) for i in range(n + 1)
    )

"""The UTC time column: one stored form whatever zone a time arrives in."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from app.db import UTCDateTime

SQLITE = sqlite.dialect()
zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones)
)
def test_sqlite_times_are_stored_exactly_as_sqlalchemy_stores_them_in_utc(moment):
    """The fast SQLite bind must write the very text SQLAlchemy's DateTime writes for the same
    UTC instant: stored times are compared and ordered as text."""
    fast = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    standard = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert fast(moment) == standard(moment.astimezone(UTC).replace(tzinfo=None))


def test_a_naive_time_is_refused_rather_than_guessed():
    fast = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    try:
        fast(datetime(2026, 11, 30, 8, 0))
    except ValueError as exc:
        assert "naive" in str(exc)
    else:
        raise AssertionError("a naive datetime was stored")

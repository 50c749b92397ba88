"""Day ranges on datetime columns, the sargable way.

``starts_at__date__gte=day`` (and ``__date=``, ``__year=``, ``__month=`` …) wraps the column in a function
(``django_datetime_cast_date(...)`` on SQLite, ``("starts_at" AT TIME ZONE ...)::date`` on PostgreSQL), so no
index on ``starts_at`` can serve it: the ledger filtered to one month read the whole table. Every filter by
calendar days on a datetime column goes through ``day_range`` instead: a half-open range on the column itself,
from local midnight of the first day to local midnight after the last day, in the current time zone (the
site's, Asia/Shanghai), which is what ``__date`` compares against, so the rows are the same.

``tests/core/test_dates.py`` scans the code for the old lookups (and lists the few exemptions).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """00:00 of ``day`` in the current time zone (aware)."""
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """``[first 00:00, the day after last 00:00)`` in local time; ``None`` for an open end.

    The extreme dates (``date.min``, ``date.max``) give an open end, not a datetime outside what Python (or
    the conversion to UTC) can hold.
    """
    start = local_midnight(first) if first is not None and first > date.min else None
    end = local_midnight(last + timedelta(days=1)) if last is not None and last < date.max else None
    return start, end


def during(field: str, first: date | None, last: date | None) -> Q:
    """``Q`` for rows whose ``field`` (a datetime column, any ``__`` path) falls on a day from first to last."""
    start, end = day_range(first, last)
    bounds = {}
    if start is not None:
        bounds[f"{field}__gte"] = start
    if end is not None:
        bounds[f"{field}__lt"] = end
    return Q(**bounds)


def on_day(field: str, day: date) -> Q:
    """``field`` falls on ``day`` (local): the sargable ``field__date=day``."""
    return during(field, day, day)


def in_year(field: str, year: int) -> Q:
    """``field`` falls in the calendar year (local): the sargable ``field__year=year``."""
    return during(field, date(year, 1, 1), date(year, 12, 31))

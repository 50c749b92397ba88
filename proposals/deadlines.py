"""Deadline arithmetic: calendar months and working days on a committee's holiday calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from proposals.models import DEFAULT_RESULT_CODES, Holiday, ProposalSettings, ResultCode


def settings_for(committee_id: int) -> ProposalSettings:
    """The committee's rules, created with the usual defaults (and code list A–D) the first time they are needed."""
    obj, created = ProposalSettings.objects.get_or_create(committee_id=committee_id)
    if created and not ResultCode.objects.filter(committee_id=committee_id).exists():
        ResultCode.objects.bulk_create(
            ResultCode(committee_id=committee_id, code=c, label=label, order=i)
            for i, (c, label) in enumerate(DEFAULT_RESULT_CODES)
        )
    return obj


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def calendar_days(committee_id: int, first: date, last: date) -> dict[date, str]:
    """The committee's special days from ``first`` to ``last`` (both included): date -> Holiday.Kind."""
    return dict(
        Holiday.objects.filter(committee_id=committee_id, date__gte=first, date__lte=last).values_list("date", "kind")
    )


def is_working_day(day: date, special: dict[date, str]) -> bool:
    """A weekday that is no holiday, or an adjusted working weekend day."""
    kind = special.get(day)
    return kind == Holiday.Kind.WORKDAY or (kind is None and day.weekday() < 5)


def working_days_after(start: date, end: date, special: dict[date, str]) -> int:
    """How many working days fall after ``start`` up to ``end`` (included) on the calendar ``special``."""
    return sum(is_working_day(start + timedelta(days=i), special) for i in range(1, (end - start).days + 1))


def working_day_after(start: date, days: int, special: dict[date, str]) -> date:
    """The date ``days`` working days after ``start`` on the calendar ``special``."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, special):
            left -= 1
    return current


def working_day_before(end: date, days: int, special: dict[date, str]) -> date:
    """The working day ``days`` working days before ``end`` on the calendar ``special`` (a window's start)."""
    current, left = end, days
    while left > 0:
        current -= timedelta(days=1)
        if is_working_day(current, special):
            left -= 1
    return current


def horizon(start: date, days: int) -> date:
    """A last day far enough for ``days`` working days after ``start``, even around the Spring Festival."""
    return start + timedelta(days=days * 3 + 30)


def add_working_days(committee_id: int, start: date, days: int) -> date:
    """The date ``days`` working days after ``start``: weekends and holidays skipped, adjusted workdays counted."""
    special = calendar_days(committee_id, start + timedelta(days=1), horizon(start, days))
    return working_day_after(start, days, special)

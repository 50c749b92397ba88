"""Deadline arithmetic: calendar months and working days on a committee's holiday calendar."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from proposals.models import DEFAULT_RESULT_CODES, Holiday, ProposalSettings, ResultCode


def settings_for(committee_id: int) -> ProposalSettings:
    """The committee's rules, created with the usual defaults (and code list A–D) the first time they are needed."""
    obj, created = ProposalSettings.objects.get_or_create(committee_id=committee_id)
    if created and not ResultCode.objects.filter(committee_id=committee_id).exists():
        ResultCode.objects.bulk_create(ResultCode(committee_id=committee_id, code=c, label=label, order=i)
                                       for i, (c, label) in enumerate(DEFAULT_RESULT_CODES))
    return obj


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_working_days(committee_id: int, start: date, days: int) -> date:
    """The date ``days`` working days after ``start``: weekends and holidays skipped, adjusted workdays counted."""
    horizon = start + timedelta(days=days * 3 + 30)  # long enough even around the Spring Festival
    special = dict(
        Holiday.objects.filter(committee_id=committee_id, date__gt=start, date__lte=horizon).values_list("date", "kind")
    )
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        kind = special.get(current)
        working = kind == Holiday.Kind.WORKDAY or (kind is None and current.weekday() < 5)
        if working:
            left -= 1
    return current

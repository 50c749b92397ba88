"""Reminder texts for apps whose catalogues another change is editing (consultations, assessments): their
``reminders.py`` builds messages here so the strings live in the project catalogue (``locale/``)."""

from __future__ import annotations

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from core.ordinals import quarter_label


def day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def outcome_reply_overdue(*, title: str, unit: str, deadline: date, days: int) -> tuple[str, str]:
    return (
        _("Consultation outcome “%(title)s”: reply overdue (due %(date)s)") % {"title": title, "date": day(deadline)},
        _("%(unit)s has not replied to this consultation outcome; the deadline was %(date)s, %(days)s days ago.")
        % {"unit": unit, "date": day(deadline), "days": days},
    )


def rollup_done(*, committee: str, year: int, quarter: int, members: int) -> tuple[str, str]:
    return (
        _("Roll-up for %(committee)s, %(quarter)s %(year)s is ready")
        % {"committee": committee, "quarter": quarter_label(quarter), "year": year},
        _("The duty scores of %(members)s members have been computed.") % {"members": members},
    )


def rollup_failed(*, committee: str, year: int, quarter: int, error: str) -> tuple[str, str]:
    return (
        _("Roll-up for %(committee)s, %(quarter)s %(year)s failed")
        % {"committee": committee, "quarter": quarter_label(quarter), "year": year},
        _("Error: %(error)s. Start it again after fixing the cause.") % {"error": error[:300] or "—"},
    )

"""Reminder rule of the consultations: an outcome's reply is overdue → the responsible unit's users and the
committee's secretariat staff (once per deadline). Texts live in ``notifications.texts``."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consultations.models import Outcome
from groups import recipients
from notifications import rules, texts
from notifications.models import Kind


@rules.register("outcome_reply_overdue", kind=Kind.OUTCOME_REPLY_OVERDUE, lead_days=0, hour="9", minute="20")
def outcome_reply_overdue(*, today: date, lead_days: int):
    """Consultation outcomes whose unit has not replied more than lead days after the deadline."""
    outcomes = list(
        Outcome.objects.filter(
            state__in=Outcome.OPEN_AT_UNIT,
            unit__isnull=False,
            deadline__isnull=False,
            deadline__lt=today - timedelta(days=lead_days),
        )
        .select_related("unit")
        .order_by("deadline", "pk")
    )
    units = recipients.unit_users(o.unit_id for o in outcomes)
    staff = recipients.committee_staff(o.committee_id for o in outcomes)
    with translation.override(settings.LANGUAGE_CODE):
        for o in outcomes:
            title, body = texts.outcome_reply_overdue(
                title=o.title, unit=o.unit.name, deadline=o.deadline, days=(today - o.deadline).days
            )
            seen = set()
            for user in [*units.get(o.unit_id, []), *staff.get(o.committee_id, [])]:
                if user.pk not in seen:
                    seen.add(user.pk)
                    yield rules.Reminder(
                        recipient=user,
                        obj=o,
                        due=o.deadline,
                        title=title,
                        body=body,
                        url=reverse("consultations:outcome", args=[o.pk]),
                    )

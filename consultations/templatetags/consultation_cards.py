"""Consultation cards for the role home pages, in a fixed number of queries."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from consultations import selectors
from consultations.models import Outcome

register = template.Library()
CARD_ITEMS = 5


@register.inclusion_tag("consultations/cards/unit.html", takes_context=True)
def unit_outcomes_card(context):
    """Consultation outcomes handed to the user's units that still need an answer."""
    still_open = selectors.outcome_board(context["request"].user, unit_only=True).filter(state__in=Outcome.OPEN_AT_UNIT)
    today = timezone.localdate()
    counts = still_open.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))
    return {"items": list(still_open[:CARD_ITEMS]), "today": today, **counts}

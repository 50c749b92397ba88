"""The searched picker's source of research activities an adopted topic may be linked to (``core.pickers``)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from activities.models import Activity
from core.parsing import as_id
from core.pickers import committee_filter, register
from core.pinyin import text_or_initials

from .services import RESEARCH_KINDS


def research_activities(user, params):
    """The research and inspection activities the user sees that are not cancelled, of the ``committee`` asked for,
    without those already linked to ``topic`` (what ``topic_link_research`` accepts, checked again on submit)."""
    qs = (
        Activity.objects.visible_to(user)
        .filter(kind__in=RESEARCH_KINDS)
        .exclude(state=Activity.State.CANCELLED)
        .only("pk", "title", "starts_at", "committee_id")
    )
    topic = as_id(params.get("topic", ""))
    if topic:
        qs = qs.exclude(consultation_topics__pk=topic)
    return committee_filter(qs, params)


def research_label(starts_at: datetime, title: str) -> str:
    """What the picker shows of an activity: its local day and title."""
    return f"{timezone.localtime(starts_at):%Y-%m-%d} {title}"


register(
    "research_activities",
    research_activities,
    lambda qs, q: qs.filter(text_or_initials(q, "title")).order_by("-starts_at", "-pk"),
    lambda activity: research_label(activity.starts_at, activity.title),
)

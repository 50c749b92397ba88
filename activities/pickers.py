"""The searched pickers' source of activities (``core.pickers``): the ones the user edits."""

from __future__ import annotations

from activities.models import Activity
from core.pickers import committee_filter, register
from core.pinyin import text_or_initials


def _activities(user, params):
    """The activities the user edits (a consultation session is held as one); ``kind``: of that kind only."""
    qs = Activity.objects.editable_by(user).exclude(state=Activity.State.CANCELLED).only("pk", "title", "starts_at")
    if params.get("kind") in Activity.Kind.values:
        qs = qs.filter(kind=params["kind"])
    return committee_filter(qs, params)


def _activities_by_title(qs, q: str):
    return qs.filter(text_or_initials(q, "title")).order_by("-starts_at", "-pk")


register("activities", _activities, _activities_by_title)

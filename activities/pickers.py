"""The searched pickers' source of activities (``core.pickers``): the ones the user edits."""

from __future__ import annotations

from django.db.models import Q

from activities.models import Activity
from core.pickers import committee_filter, register
from core.pinyin import initials_query


def _activities(user, params):
    """The activities the user edits (a consultation session is held as one); ``kind``: of that kind only."""
    qs = Activity.objects.editable_by(user).exclude(state=Activity.State.CANCELLED).only("pk", "title", "starts_at")
    if params.get("kind") in Activity.Kind.values:
        qs = qs.filter(kind=params["kind"])
    return committee_filter(qs, params)


def _activities_by_title(qs, q: str):
    match = Q(title__icontains=q)
    letters = initials_query(q)
    if letters:
        match |= Q(initials__startswith=letters)
    return qs.filter(match).order_by("-starts_at", "-pk")


register("activities", _activities, _activities_by_title)

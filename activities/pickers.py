"""The searched pickers' sources of activities (the ones the user edits) and of the groups an activity may be opened
to (``core.pickers``)."""

from __future__ import annotations

from activities.models import Activity
from core.pickers import committee_filter, register
from core.pinyin import text_or_initials
from groups.models import ActivityGroup


def _activities(user, params):
    """The activities the user edits (a consultation session is held as one); ``kind``: of that kind only."""
    qs = Activity.objects.editable_by(user).exclude(state=Activity.State.CANCELLED).only("pk", "title", "starts_at")
    if params.get("kind") in Activity.Kind.values:
        qs = qs.filter(kind=params["kind"])
    return committee_filter(qs, params)


def _activities_by_title(qs, q: str):
    return qs.filter(text_or_initials(q, "title")).order_by("-starts_at", "-pk")


register("activities", _activities, _activities_by_title)


def _open_groups(user, params):
    """The groups an activity of a group the user edits may be opened to for sign-up: the active groups of those
    groups' committees (a convener's own committee; a city's staff: 392 groups in a district at 50k)."""
    committees = ActivityGroup.objects.editable_by(user).values("committee_id")
    return committee_filter(ActivityGroup.objects.filter(committee_id__in=committees, is_active=True), params)


register("open_groups", _open_groups, lambda qs, q: qs.filter(text_or_initials(q)).order_by("name", "pk"))

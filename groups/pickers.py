"""The searched pickers' sources of members, handling units and groups (``core.pickers``): what the user may read."""

from __future__ import annotations

from django.db.models import Q

from core.pickers import committee_filter, register
from core.pinyin import text_or_initials
from groups.models import ActivityGroup, HandlingUnit, Member


def _by_name(qs, q: str):
    return qs.filter(text_or_initials(q)).order_by("name", "pk")


def _members(user, params):
    """The members the user reads (their committees', their groups') and their own committee's (whom a member
    names as co-signers and co-authors); ``active=1``: in office only."""
    qs = Member.objects.filter(
        Q(pk__in=Member.objects.visible_to(user).values("pk"))
        | Q(pk__in=Member.objects.colleagues_of(user).values("pk"))
    )
    if params.get("active") == "1":
        qs = qs.filter(status=Member.Status.ACTIVE)
    return committee_filter(qs, params)


register("members", _members, _by_name)
register(
    "units",
    lambda user, params: committee_filter(HandlingUnit.objects.visible_to(user).filter(is_active=True), params),
    lambda qs, q: qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q)).order_by("name", "pk"),
)


def _groups(user, params):
    """The activity groups the user reads (a city's staff: 1,179 at 50k), active ones."""
    return committee_filter(ActivityGroup.objects.visible_to(user).filter(is_active=True), params)


register("groups", _groups, _by_name)

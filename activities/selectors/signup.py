"""Reads of open activities and sign-up: what a member may sign up for, and whom the organiser should ask.

Each function runs a fixed number of queries whatever the number of activities or members: counts are
annotations, the reasons of the suggestions one prefetch of the few members shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, Attendance
from groups.models import Expertise, Member

SIGNUP_STATES = (Activity.State.PLANNED, Activity.State.ANNOUNCED)


def _taken() -> Coalesce:
    rows = Attendance.objects.filter(activity_id=OuterRef("pk")).order_by().values("activity_id")
    return Coalesce(Subquery(rows.annotate(c=Count("*")).values("c")[:1], output_field=IntegerField()), Value(0))


def open_activities(
    member: Member, *, now: datetime | None = None, kind: str = "", q: str = "", only_free: bool = False
) -> QuerySet:
    """Activities ``member`` may still sign up for (open to them, planned or announced, before the deadline),
    soonest first, with ``taken`` places and ``is_mine`` (already on the list) annotated."""
    now = now or timezone.now()
    rows = (
        Activity.objects.joinable_by(member)
        .filter(state__in=SIGNUP_STATES, starts_at__gt=now)
        .filter(Q(signup_deadline__isnull=True) | Q(signup_deadline__gt=now))
        .select_related("group", "committee", "contact_point", "topic")
        .annotate(
            taken=_taken(),
            is_mine=Exists(Attendance.objects.filter(activity_id=OuterRef("pk"), member_id=member.pk)),
            signed_up=Exists(
                Attendance.objects.filter(activity_id=OuterRef("pk"), member_id=member.pk, signed_up_at__isnull=False)
            ),
        )
    )
    if kind in Activity.Kind.values:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(initials__icontains=q.lower()))
    if only_free:
        rows = rows.filter(Q(capacity__isnull=True) | Q(capacity__gt=_taken()))
    return rows.order_by("starts_at", "pk")


@dataclass
class Suggestion:
    member: Member
    score: int
    reasons: list[str]


def suggestion_candidates(activity: Activity, topic_ids: list[int], need_ids: list[int]) -> QuerySet[Any]:
    """The active members of the activity's committee not on its list who hold one of the expertises, with their
    ``topic_hits``, ``need_hits`` and ``score``, best first.

    Found through the expertise's index and counted over those rows alone (filter before annotate: the same join),
    not every member of the committee aggregated with all their expertise and most thrown away (#22: 16,640
    members, 150-220 ms at 50k, for ten names)."""
    listed = Attendance.objects.filter(activity_id=activity.pk).values("member_id")
    return (
        Member.objects.filter(committee_id=activity.committee_id, status=Member.Status.ACTIVE)
        .exclude(pk__in=listed)
        .filter(expertise__in=[*topic_ids, *need_ids])
        .annotate(
            # each (member, expertise) row of the join is unique: no DISTINCT (a sort per member)
            topic_hits=Count("expertise", filter=Q(expertise__in=topic_ids)),
            need_hits=Count("expertise", filter=Q(expertise__in=need_ids)),
        )
        .annotate(score=2 * Coalesce("topic_hits", 0) + Coalesce("need_hits", 0))
        .order_by("-score", "-topic_hits", "name", "pk")
    )


def suggested_members(activity: Activity, *, limit: int = 10) -> list[Suggestion]:
    """Members of the activity's committee not on its list yet whose expertise fits its topic (2 points) or its
    contact point's needs (1 point each), best first, each with the reason in words (4 queries)."""
    topic_ids = [activity.topic_id] if activity.topic_id else []
    point = activity.contact_point if activity.contact_point_id else None
    need_ids = list(point.needs.values_list("pk", flat=True)) if point is not None else []
    if not topic_ids and not need_ids:
        return []
    # ranked on the members' ids and scores alone, then the few read whole: grouping every column of the committee's
    # members who hold one of the expertises (5,332 at 50k) would be most of the ranking's time
    ranked = suggestion_candidates(activity, topic_ids, need_ids).values_list("pk", "score", "topic_hits")
    best = [(pk, score) for pk, score, _topic_hits in ranked[:limit]]
    rows = Member.objects.filter(pk__in=[pk for pk, _score in best]).prefetch_related(
        Prefetch("expertise", queryset=Expertise.objects.order_by("order", "name"))
    )
    by_pk = {m.pk: m for m in rows}
    out = []
    for pk, score in best:
        m = by_pk[pk]
        names = {e.pk: e.name for e in m.expertise.all()}
        reasons = []
        if activity.topic_id in names:
            reasons.append(_("expertise “%(area)s” is the activity's topic") % {"area": names[activity.topic_id]})
        needs = [names[n] for n in need_ids if n in names]
        if needs:
            reasons.append(
                _("expertise %(areas)s meets the contact point's needs") % {"areas": "、".join(f"“{n}”" for n in needs)}
            )
        out.append(Suggestion(member=m, score=score, reasons=reasons))
    return out

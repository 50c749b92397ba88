"""Calendar provider: the activities a member is invited to, in their private iCal feed."""

from __future__ import annotations

from django.urls import reverse

from activities.models import Activity, Attendance
from notifications import calendar


@calendar.register("activities")
def activities(user, *, start, end):
    """The member's invitations (not cancelled, not excused by approved leave), one query."""
    invitations = (
        Attendance.objects.filter(member__user=user, activity__starts_at__gte=start, activity__starts_at__lt=end)
        .exclude(activity__state=Activity.State.CANCELLED)
        .exclude(leave=Attendance.Leave.APPROVED)
        .select_related("activity")
        .order_by("activity__starts_at")
    )
    for inv in invitations.iterator(chunk_size=500):
        a = inv.activity
        yield calendar.Event(
            uid=f"activity-{a.pk}",
            title=a.title,
            start=a.starts_at,
            end=a.ends_at,
            location=a.place,
            url=reverse("activities:activity_detail", args=[a.pk]),
        )

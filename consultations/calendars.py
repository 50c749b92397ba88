"""Calendar provider: the consultation sessions a member attends, in their private iCal feed."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from consultations.models import Attendance, ConsultationSession
from notifications import calendar


@calendar.register("consultation_sessions")
def consultation_sessions(user, *, start, end):
    """Sessions with the member on the attendance list (not cancelled), one query. A session held as an activity
    the member is invited to is already in the feed as that activity (``activities/calendars.py``)."""
    from activities.models import Attendance as ActivityAttendance

    invited = ActivityAttendance.objects.filter(activity_id=OuterRef("session__activity_id"), member__user=user)
    rows = (
        Attendance.objects.filter(member__user=user, session__starts_at__gte=start, session__starts_at__lt=end)
        .exclude(session__state=ConsultationSession.State.CANCELLED)
        .exclude(Exists(invited))
        .select_related("session")
        .order_by("session__starts_at")
    )
    for att in rows.iterator(chunk_size=500):
        s = att.session
        yield calendar.Event(
            uid=f"consultation-session-{s.pk}",
            title=s.title,
            start=s.starts_at,
            end=s.ends_at,
            location=s.place,
            url=reverse("consultations:session", args=[s.pk]),
        )

"""What groups tells people when its own transitions happen (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.events import subscribe
from core.notifications.models import Kind
from core.notifications.services import notify
from groups.events import LeaveDecided
from groups.models import Attendance


@subscribe(LeaveDecided)
def tell_member_leave_decided(event: LeaveDecided) -> None:
    """The member hears whether the convener approved or refused the leave, with a link to the activity.

    Keyed on the event, not the attendance: a member refused may ask again and hear the second answer too.
    """
    attendance = (Attendance.objects.select_related("activity", "member__user")
                  .filter(pk=event.attendance_id, member__user__is_active=True).first())
    if attendance is None:
        return
    activity = attendance.activity
    when = formats.date_format(timezone.localtime(activity.starts_at), "DATETIME_FORMAT")
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("Leave approved: %(title)s") if event.approved else _("Leave refused: %(title)s")) % {
            "title": activity.title}
        body = (_("You are excused from the activity on %(when)s.") if event.approved
                else _("You are still expected at the activity on %(when)s.")) % {"when": when}
        notify(kind=Kind.LEAVE_DECIDED, recipient=attendance.member.user, key=f"leave_decided:{event.event_id}",
               due=timezone.localtime(activity.starts_at).date(), title=title, body=body,
               url=reverse("groups:activity_detail", args=[activity.pk]))

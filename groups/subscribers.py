"""What groups tells people when its own transitions happen (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.accounts import first_login_path
from core.events import subscribe
from core.notifications.models import Channel, Kind
from core.notifications.services import notify
from groups.events import LeaveDecided, MemberLoginsInvited
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


@subscribe(MemberLoginsInvited)
def send_first_login_links(event: MemberLoginsInvited) -> None:
    """Each new login hears its username and its first-login link, by SMS and e-mail where it has the address.
    The link is made now, from the login as it is: one that was used or renewed in between is not sent."""
    users = get_user_model().objects.filter(pk__in=event.user_ids, is_active=True, last_login__isnull=True)
    with translation.override(settings.LANGUAGE_CODE):
        for user in users:
            if user.has_usable_password():
                continue  # the member set a password already
            channels = [c for c, address in ((Channel.SMS, user.phone), (Channel.EMAIL, user.email)) if address]
            notify(kind=Kind.ACCOUNT_INVITATION, recipient=user, key=f"first_login:{event.event_id}", channels=channels,
                   title=_("Your login to %(portal)s: %(username)s") % {"portal": settings.PORTAL_TITLE,
                                                                         "username": user.username},
                   body=_("Open the link to choose your password (it works once, for %(days)s days).")
                   % {"days": settings.FIRST_LOGIN_LINK_DAYS}, url=first_login_path(user))

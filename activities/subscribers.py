"""What groups tells people when its own transitions happen (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from activities.events import (
    ActivityChanged,
    ActivityTransitioned,
    HeardTakenUp,
    LeaveDecided,
    LeaveRequested,
    PublicMessageDissatisfied,
    PublicMessageRouted,
)
from activities.models import Activity, Attendance, PublicMessage
from core.accounts import first_login_path
from core.events import subscribe
from groups import recipients
from groups.events import MemberLoginsInvited, PlatformEvaluated, PlatformMemberJoined, PlatformTransitioned
from groups.models import Member, Platform, PlatformMembership
from notifications.models import Channel, Kind
from notifications.services import Notice, notify, notify_many


@subscribe(LeaveDecided)
def tell_member_leave_decided(event: LeaveDecided) -> None:
    """The member hears whether the convener approved or refused the leave, with a link to the activity.

    Keyed on the event, not the attendance: a member refused may ask again and hear the second answer too.
    """
    attendance = (
        Attendance.objects.select_related("activity", "member__user")
        .filter(pk=event.attendance_id, member__user__is_active=True)
        .first()
    )
    if attendance is None:
        return
    activity = attendance.activity
    when = formats.date_format(timezone.localtime(activity.starts_at), "DATETIME_FORMAT")
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("Leave approved: %(title)s") if event.approved else _("Leave refused: %(title)s")) % {
            "title": activity.title
        }
        body = (
            _("You are excused from the activity on %(when)s.")
            if event.approved
            else _("You are still expected at the activity on %(when)s.")
        ) % {"when": when}
        notify(
            kind=Kind.LEAVE_DECIDED,
            recipient=attendance.member.user,
            key=f"leave_decided:{event.event_id}",
            due=timezone.localtime(activity.starts_at).date(),
            title=title,
            body=body,
            url=reverse("activities:activity_detail", args=[activity.pk]),
        )


def _when(activity: Activity) -> str:
    return formats.date_format(timezone.localtime(activity.starts_at), "DATETIME_FORMAT")


def _invited_users(activity: Activity, event) -> list:
    """The invited members with an active login, the one who acted left out."""
    rows = (
        Attendance.objects.filter(activity=activity, member__status=Member.Status.ACTIVE, member__user__is_active=True)
        .select_related("member__user")
        .order_by("member_id")
    )
    return [a.member.user for a in rows if a.member.user_id != event.actor_id]


def _deciders(activity: Activity) -> list:
    """Who decides on leave: the group's conveners and deputies, or the committee's staff for an activity of the
    committee itself."""
    if activity.group_id:
        return recipients.group_conveners([activity.group_id]).get(activity.group_id, [])
    return recipients.committee_staff([activity.committee_id]).get(activity.committee_id, [])


@subscribe(ActivityTransitioned)
def tell_invited_announced_or_cancelled(event: ActivityTransitioned) -> None:
    """Announced 已通知 or cancelled: every invited member (with a login) hears it, with a link to the activity."""
    if event.verb not in ("announced", "cancelled"):
        return
    activity = Activity.objects.filter(pk=event.activity_id).first()
    if activity is None:
        return
    announced = event.verb == "announced"
    with translation.override(settings.LANGUAGE_CODE):
        if announced:
            title = _("Activity announced: %(title)s") % {"title": activity.title}
            body = _("%(when)s at %(place)s. Open the activity for details or to ask for leave.") % {
                "when": _when(activity),
                "place": activity.place or _("the place to be announced"),
            }
        else:
            title = _("Activity cancelled: %(title)s") % {"title": activity.title}
            body = _("The activity planned for %(when)s will not take place.") % {"when": _when(activity)}
        url = reverse("activities:activity_detail", args=[activity.pk])
        notify_many(
            Notice(
                kind=Kind.ACTIVITY_ANNOUNCED if announced else Kind.ACTIVITY_CANCELLED,
                recipient=user,
                key=f"{event.name}:{event.event_id}",
                due=timezone.localtime(activity.starts_at).date(),
                title=title,
                body=body,
                url=url,
            )
            for user in _invited_users(activity, event)
        )


CHANGES_MEMBERS_SEE = {"title", "starts_at", "ends_at", "place"}


@subscribe(ActivityChanged)
def tell_invited_activity_changed(event: ActivityChanged) -> None:
    """The invited members of an announced activity, when its title, time or place changed (a planned one has
    not been announced to them yet; other fields are the convener's record)."""
    activity = Activity.objects.filter(pk=event.activity_id).first()
    if activity is None or activity.state != Activity.State.ANNOUNCED or not CHANGES_MEMBERS_SEE & set(event.fields):
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Activity changed: %(title)s") % {"title": activity.title}
        body = _("Now %(when)s at %(place)s. Check the details before you go.") % {
            "when": _when(activity),
            "place": activity.place or _("the place to be announced"),
        }
        url = reverse("activities:activity_detail", args=[activity.pk])
        notify_many(
            Notice(
                kind=Kind.ACTIVITY_CHANGED,
                recipient=user,
                key=f"{event.name}:{event.event_id}",
                due=timezone.localtime(activity.starts_at).date(),
                title=title,
                body=body,
                url=url,
            )
            for user in _invited_users(activity, event)
        )


@subscribe(LeaveRequested)
def tell_convener_leave_requested(event: LeaveRequested) -> None:
    """The group's conveners (the committee's staff for a committee activity): who asks for leave and why."""
    attendance = Attendance.objects.select_related("activity", "member").filter(pk=event.attendance_id).first()
    if attendance is None:
        return
    activity = attendance.activity
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Leave request from %(member)s for %(title)s") % {
            "member": attendance.member.name,
            "title": activity.title,
        }
        body = _("The activity starts %(when)s. Reason: %(reason)s. Please approve or refuse it before then.") % {
            "when": _when(activity),
            "reason": attendance.leave_reason or "—",
        }
        for user in _deciders(activity):
            if user.pk == event.actor_id:  # a convener's own leave is decided by the others
                continue
            notify(
                kind=Kind.LEAVE_REQUESTED,
                recipient=user,
                key=f"{event.name}:{event.event_id}",
                due=timezone.localtime(activity.starts_at).date(),
                title=title,
                body=body,
                url=reverse("activities:activity_detail", args=[activity.pk]),
            )


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
            notify(
                kind=Kind.ACCOUNT_INVITATION,
                recipient=user,
                key=f"first_login:{event.event_id}",
                due=event.occurred_on,
                channels=channels,
                title=_("Your login to %(portal)s: %(username)s")
                % {"portal": settings.PORTAL_TITLE, "username": user.username},
                body=_("Open the link to choose your password (it works once, for %(days)s days).")
                % {"days": settings.FIRST_LOGIN_LINK_DAYS},
                url=first_login_path(user),
            )


@subscribe(PublicMessageRouted)
def tell_routed_public_message(event: PublicMessageRouted) -> None:
    """The member (or the group's conveners) a resident's message was passed to hear it, with its answer day."""
    message = PublicMessage.objects.filter(pk=event.message_id, state=PublicMessage.State.ROUTED).first()
    if message is None:
        return
    users = []
    if event.member_id:
        member = Member.objects.select_related("user").filter(pk=event.member_id, user__is_active=True).first()
        users += [member.user] if member else []
    if event.group_id:
        users += recipients.group_conveners([event.group_id]).get(event.group_id, [])
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident's message for you: %(category)s") % {"category": message.get_category_display()}
        body = _("Please answer it or meet the resident by %(due)s.") % {
            "due": formats.date_format(message.answer_due, "DATE_FORMAT")
        }
        for user in {u.pk: u for u in users if u.pk != event.actor_id}.values():
            notify(
                kind=Kind.MAILBOX_ROUTED,
                recipient=user,
                obj=message,
                key=f"routed:{event.event_id}",
                due=message.answer_due,
                title=title,
                body=body,
                url=reverse("activities:message_detail", args=[message.pk]),
            )


def _platform_members(platform_id: int) -> list:
    rows = PlatformMembership.objects.filter(
        platform_id=platform_id, member__user__is_active=True, left_on__isnull=True
    )
    return [m.member.user for m in rows.select_related("member__user")]


def _tell_platform(platform: Platform, users, *, title: str, event) -> None:
    """Keyed on the event and dated its day: a member named to a platform on the day it is established hears
    both (keyed on the platform, one would swallow the other), and a retry on a later day adds nothing."""
    for user in {u.pk: u for u in users if u.pk != event.actor_id}.values():
        notify(
            kind=Kind.GENERIC,
            recipient=user,
            key=f"platform:{event.event_id}",
            due=event.occurred_on,
            title=title,
            url=reverse("activities:platform", args=[platform.pk]),
        )


@subscribe(PlatformTransitioned)
def tell_platform_members_transitioned(event: PlatformTransitioned) -> None:
    """A platform's members hear that it is established, or wound up (their places ended with it)."""
    platform = Platform.objects.filter(pk=event.platform_id).first()
    if platform is None:
        return
    wound_up = event.to_state == Platform.State.WOUND_UP
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("%(platform)s is wound up") if wound_up else _("%(platform)s is established")) % {
            "platform": platform.name
        }
        users = _platform_members(platform.pk)
        if wound_up:  # those whose place ended with it
            users = [
                m.member.user
                for m in PlatformMembership.objects.filter(
                    platform_id=platform.pk, left_on=platform.wound_up_on, member__user__is_active=True
                ).select_related("member__user")
            ]
        _tell_platform(platform, users, title=title, event=event)


@subscribe(PlatformEvaluated)
def tell_platform_members_evaluated(event: PlatformEvaluated) -> None:
    """The platform's members hear of its yearly evaluation."""
    platform = Platform.objects.filter(pk=event.platform_id).first()
    if platform is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(platform)s was evaluated for %(year)s") % {"platform": platform.name, "year": event.year}
        _tell_platform(
            platform,
            _platform_members(platform.pk),
            title=title,
            event=event,
        )


@subscribe(PlatformMemberJoined)
def tell_new_platform_member(event: PlatformMemberJoined) -> None:
    """A member named to a platform hears of it, with their role."""
    membership = (
        PlatformMembership.objects.select_related("platform", "member__user")
        .filter(pk=event.membership_id, left_on__isnull=True, member__user__is_active=True)
        .first()
    )
    if membership is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("You are named to %(platform)s as %(role)s") % {
            "platform": membership.platform.name,
            "role": membership.get_role_display(),
        }
        _tell_platform(
            membership.platform,
            [membership.member.user],
            title=title,
            event=event,
        )


@subscribe(HeardTakenUp)
def tell_heard_taken_up(event: HeardTakenUp) -> None:
    """The member who writes the draft and the lead's author hear what residents' matter became."""
    users = get_user_model().objects.filter(pk__in=[u for u in event.user_ids if u != event.actor_id], is_active=True)
    labels = {
        "proposal": _("a proposal draft"),
        "report": _("a public-opinion report draft"),
        "topic": _("a candidate consultation topic"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        title = _("What residents raised became %(what)s: %(title)s") % {
            "what": labels.get(event.what, event.what),
            "title": event.title,
        }
        for user in users:
            notify(
                kind=Kind.GENERIC,
                recipient=user,
                key=f"heard:{event.event_id}",
                due=event.occurred_on,
                title=title,
                body=_("Open it to complete it."),
                url=event.url,
            )


@subscribe(PublicMessageDissatisfied)
def tell_answerer_dissatisfied(event: PublicMessageDissatisfied) -> None:
    """The member (or the group's conveners) who had the message hear the resident is not satisfied, and why.

    Once per rating and person: the notice is keyed on the message and dated the day of the rating, so a retried
    or doubled delivery, even on a later day, adds nothing (as the consultation outcome's)."""
    message = PublicMessage.objects.select_related("routed_member__user", "rating").filter(pk=event.message_id).first()
    if message is None:
        return
    users = []
    if message.routed_member_id and message.routed_member.user_id and message.routed_member.user.is_active:
        users.append(message.routed_member.user)
    if message.routed_group_id:
        users += recipients.group_conveners([message.routed_group_id]).get(message.routed_group_id, [])
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident is not satisfied with the answer: %(category)s") % {
            "category": message.get_category_display()
        }
        body = message.rating.comment or _("Please look at the message again and answer the resident.")
        for user in {u.pk: u for u in users}.values():
            notify(
                kind=Kind.MAILBOX_DISSATISFIED,
                recipient=user,
                obj=message,
                due=timezone.localdate(message.rating.created_at),
                title=title,
                body=body,
                url=reverse("activities:message_detail", args=[message.pk]),
            )

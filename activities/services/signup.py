"""Open activities and sign-up 申报 (seed 001: "积极申报、对接、参与"; "双向选择"; "混合编组"), and members' areas of
expertise 专长.

A member signs up for an activity open to them (``Activity.objects.joinable_by``) before its sign-up deadline while
a place is left; the sign-up is an invitation row (``Attendance`` with ``signed_up_at``), so leave, sign-in,
attendance and the duty record treat it as they treat invitations. The places are counted with the activity row
locked, so two members taking the last place at once cannot both get it. A member withdraws their own sign-up
before the deadline (the undo of signing up). Members declare their expertise; staff of their committee may
correct it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, Attendance
from activities.verbs import ActivitiesVerb
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, record_event
from groups.access import scope_of
from groups.models import Member

SIGNUP_STATES = (Activity.State.PLANNED, Activity.State.ANNOUNCED)


def _own_member(actor: User) -> Member:
    member_id = scope_of(actor).member_id
    member = Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first() if member_id else None
    if member is None:
        raise NotPermitted(_("Only members in office may sign up for activities."))
    return member


@not_an_api_action("reads why a member cannot sign up now; the sign-up operation answers with it")
def signup_refusal(activity: Activity, *, taken: int, now: datetime) -> str | None:
    """Why nobody can sign up for ``activity`` now (a sentence for the member), or None when they can."""
    if not activity.is_open:
        return _("This activity is not open for sign-up.")
    if activity.state not in SIGNUP_STATES:
        return _("Sign-up is closed: the activity is no longer planned.")
    if now >= activity.signup_closes_at:
        return _("Sign-up closed on %(when)s.") % {
            "when": timezone.localtime(activity.signup_closes_at).strftime("%Y-%m-%d %H:%M")
        }
    if activity.capacity is not None and taken >= activity.capacity:
        return _("All %(n)s places are taken.") % {"n": activity.capacity}
    return None


@transaction.atomic
def activity_sign_up(*, activity_id: int, actor: User, now: datetime | None = None) -> Attendance:
    """A member signs up 报名 for an open activity: a place on its list, as an invitation is."""
    now = now or timezone.now()
    member = _own_member(actor)
    activity = lock(Activity, activity_id)  # the places are counted under this lock
    if not Activity.objects.joinable_by(member).filter(pk=activity.pk).exists():
        raise NotPermitted(_("This activity is not open to you."))
    if Attendance.objects.filter(activity=activity, member=member).exists():
        raise DomainError(_("You are already on this activity's list."))
    refusal = signup_refusal(activity, taken=activity.attendances.count(), now=now)
    if refusal:
        raise DomainError(refusal)
    row = Attendance.objects.create(activity=activity, member=member, signed_up_at=now)
    record_event(activity, actor=actor, verb=ActivitiesVerb.SIGNED_UP, data={"member": member.pk})
    return row


@transaction.atomic
def activity_signup_withdraw(*, activity_id: int, actor: User, now: datetime | None = None) -> None:
    """A member takes back their own sign-up before the sign-up deadline 取消报名 (the undo of signing up)."""
    now = now or timezone.now()
    member = _own_member(actor)
    activity = lock(Activity, activity_id)
    row = Attendance.objects.select_for_update().filter(activity=activity, member=member).first()
    if row is None or row.signed_up_at is None:
        raise NotPermitted(_("You have not signed up for this activity."))
    if activity.state not in SIGNUP_STATES or now >= activity.signup_closes_at:
        raise InvalidTransition(_("The sign-up deadline has passed; ask the convener for leave instead."))
    if row.status != Attendance.Status.INVITED:
        raise InvalidTransition(_("Your attendance is already recorded."))
    record_event(activity, actor=actor, verb=ActivitiesVerb.SIGNUP_WITHDRAWN, data={"member": member.pk})
    row.delete()

"""What consultations tells people when an outcome changes hands (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition, and each
notice is keyed on its event, so a second delivery adds nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.events import subscribe
from groups import recipients
from notifications.models import Kind
from notifications.services import notify

from .events import OutcomeAssigned, OutcomePublished, OutcomeRatedDissatisfied, OutcomeReplied
from .models import Attendance, Outcome, OutcomeRating


def _tell(event, users, *, kind: str, title: str, body: str, url: str, due=None) -> None:
    """One notice per user, once each, never to the one who acted; without ``due`` dated the day of the event, so
    a delivery retried on a later day adds nothing."""
    seen = {event.actor_id}
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            notify(
                kind=kind,
                recipient=user,
                key=f"{event.name}:{event.event_id}",
                due=due or event.occurred_on,
                title=title,
                body=body,
                url=url,
            )


@subscribe(OutcomeAssigned)
def tell_unit_outcome_assigned(event: OutcomeAssigned) -> None:
    """The responsible unit's users: which outcome, and the reply deadline."""
    outcome = Outcome.objects.select_related("unit").filter(pk=event.outcome_id).first()
    if outcome is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            recipients.unit_users([event.unit_id]).get(event.unit_id, []),
            kind=Kind.OUTCOME_ASSIGNED,
            due=event.deadline,
            title=_("Consultation outcome “%(title)s” handed to %(unit)s")
            % {"title": outcome.title, "unit": outcome.unit.name},
            body=_("Handle it and reply by %(date)s.") % {"date": formats.date_format(event.deadline, "DATE_FORMAT")},
            url=reverse("consultations:outcome", args=[outcome.pk]),
        )


@subscribe(OutcomeReplied)
def tell_staff_outcome_replied(event: OutcomeReplied) -> None:
    """The committee's secretariat staff: the unit replied; they review the reply."""
    outcome = Outcome.objects.select_related("unit").filter(pk=event.outcome_id).first()
    if outcome is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            recipients.committee_staff([event.committee_id]).get(event.committee_id, []),
            kind=Kind.OUTCOME_REPLIED,
            title=_("%(unit)s replied to the consultation outcome “%(title)s”")
            % {"unit": outcome.unit.name if outcome.unit else "—", "title": outcome.title},
            body=_("Review the reply: accept it, or return it to the unit with a comment."),
            url=reverse("consultations:outcome", args=[outcome.pk]),
        )


@subscribe(OutcomePublished)
def tell_outcome_published(event: OutcomePublished) -> None:
    """The responsible unit's users (their reply is now public) and the members present at the session (what came
    of their suggestion, on the public page)."""
    outcome = Outcome.objects.select_related("unit", "session", "committee").filter(pk=event.outcome_id).first()
    if outcome is None:
        return
    attendees = [
        a.member.user
        for a in Attendance.objects.filter(
            session_id=outcome.session_id, status=Attendance.Status.PRESENT, member__user__is_active=True
        )
        .select_related("member__user")
        .order_by("member_id")
    ]
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Consultation outcome published: “%(title)s”") % {"title": outcome.title}
        if outcome.unit_id:
            _tell(
                event,
                recipients.unit_users([outcome.unit_id]).get(outcome.unit_id, []),
                kind=Kind.OUTCOME_PUBLISHED,
                title=title,
                body=_("The outcome and your unit's reply are now on the public page."),
                url=reverse("consultations:outcome", args=[outcome.pk]),
            )
        _tell(
            event,
            attendees,
            kind=Kind.OUTCOME_PUBLISHED,
            title=title,
            body=_("A suggestion from the consultation you attended has been answered and published."),
            url=reverse("consultations:public_outcome", args=[outcome.committee.code, outcome.pk]),
        )


@subscribe(OutcomeRatedDissatisfied)
def tell_handler_outcome_dissatisfied(event: OutcomeRatedDissatisfied) -> None:
    """The member (or the group's conveners) the resident's message was passed to hear that the resident is not
    satisfied with the consultation outcome their matter became, and why; as the mailbox's dissatisfied rating.

    Once per rating and person: the notice is keyed on the message and dated the day of the rating, so a retried
    or doubled delivery, even on a later day, adds nothing."""
    rating = (
        OutcomeRating.objects.select_related("topic", "message__routed_member__user").filter(pk=event.rating_id).first()
    )
    if rating is None:
        return
    message = rating.message
    users = []
    member = message.routed_member
    if member is not None and member.user_id and member.user.is_active:
        users.append(member.user)
    if message.routed_group_id:
        users += recipients.group_conveners([message.routed_group_id]).get(message.routed_group_id, [])
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A resident is not satisfied with the consultation outcome: %(topic)s") % {
            "topic": rating.topic.title
        }
        body = rating.comment or _("Please look at the message and the outcome again and answer the resident.")
        for user in {u.pk: u for u in users}.values():
            notify(
                kind=Kind.OUTCOME_DISSATISFIED,
                recipient=user,
                obj=message,
                due=timezone.localdate(rating.created_at),
                title=title,
                body=body,
                url=reverse("activities:message_detail", args=[message.pk]),
            )

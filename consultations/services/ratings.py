"""Residents' ratings 群众评价 of the consultation outcomes their messages became (issue 20, item 7)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import PublicMessage
from activities.models.mailbox import Satisfaction
from activities.selectors.mailbox import became_q
from activities.services.mailbox import checked_rating
from consultations.events import OutcomeRatedDissatisfied
from consultations.models import Outcome, OutcomeRating, Topic
from consultations.verbs import ConsultationVerb
from core.events import publish
from core.exceptions import DomainError, InvalidTransition
from core.services import not_an_api_action, record_event


@not_an_api_action("a read: what the tracking page needs to offer the rating")
def rateable_topic(message: PublicMessage) -> Topic | None:
    """The first topic ``message`` became that has a published outcome (``None``: nothing to rate yet)."""
    published = Outcome.objects.published().values("session__topic")
    return Topic.objects.filter(became_q(message)).filter(pk__in=published).order_by("pk").first()


@not_an_api_action(
    "a resident without an account rates through the tracking page and its challenge; the API serves logged-in users"
)
@transaction.atomic
def outcome_rate(
    *, code: str, rating: str, comment: str = "", client_address: str, now: datetime | None = None
) -> OutcomeRating:
    """The resident rates how the consultation outcome of their matter was handled (满意/基本满意/不满意), once per
    message, by tracking code; the same rate limits per address as the mailbox rating; audited on the message. A
    dissatisfied rating tells the member or the group's conveners the message was passed to, as the mailbox's does."""
    now = now or timezone.now()
    message = PublicMessage.objects.select_for_update().filter(tracking_code=code).first()
    if message is None:
        raise DomainError(_("No message has this tracking code."))
    topic = rateable_topic(message)
    if topic is None:
        raise InvalidTransition(_("The consultation outcome can be rated once it is published."))
    if OutcomeRating.objects.filter(message=message).exists():
        raise InvalidTransition(_("This message has already been rated."))
    comment, key = checked_rating(OutcomeRating, rating=rating, comment=comment, client_address=client_address, now=now)
    rated = OutcomeRating.objects.create(message=message, topic=topic, rating=rating, comment=comment, client_key=key)
    record_event(
        message,
        actor=None,
        verb=ConsultationVerb.OUTCOME_RATED,
        comment=rating,
        data={"rating": rating, "topic": topic.pk},
    )
    if rating == Satisfaction.UNSATISFIED:
        publish(
            OutcomeRatedDissatisfied(
                message_id=message.pk, committee_id=message.committee_id, rating_id=rated.pk, actor_id=None
            )
        )
    return rated


@not_an_api_action("a read: dissatisfied outcome ratings not yet answered again, for the workbench")
def dissatisfied_outcome_messages() -> QuerySet[PublicMessage]:
    """Messages whose consultation outcome was rated 不满意 and that were not answered again since: a to-do each."""
    from django.db.models import Q

    return PublicMessage.objects.filter(outcome_rating__rating=Satisfaction.UNSATISFIED).filter(
        Q(answered_at__isnull=True) | Q(answered_at__lte=F("outcome_rating__created_at"))
    )

"""Writes on the members' mailbox 委员信箱 / 约见委员 (``activities.models.mailbox``).

A resident leaves a message without an account (``message_submit``: rate limits per address and per page, size
limits; the view adds the challenge and the honeypot). Staff of the committee, and the conveners of the group the
message was left at, discard spam or pass it to a member or a group (``message_route``); the member answers in
public words (``message_answer``) or meets the resident and records the visit, which becomes a contact in the
duty record (``message_record_visit``). Each step locks the message, checks its state, writes an audit row.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.events import PublicMessageDissatisfied, PublicMessageRouted
from activities.models import MessageRating, MessageTarget, PublicMessage, Satisfaction
from activities.models.mailbox import COMMENT_MAX, NAME_MAX, PHONE_MAX, TEXT_MAX, PublicMessageQuerySet
from activities.services.contacts import contact_record
from activities.verbs import ActivitiesVerb
from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, record_event
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, ContactPoint, ContactWhom, GroupMembership, Member, Platform
from groups.models.contacts import ContactTopic

MailboxPlace = Committee | ActivityGroup | Platform | ContactPoint  # what a public mailbox page is for

# Tracking codes: no 0/O, 1/I/L, so a resident can type one from a note; 31**10 ≈ 8·10^14 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
PHONE_RE = re.compile(r"[0-9+\- ]+")  # ASCII digits only: "²" and full-width digits are not a phone number
TARGET_FIELD: dict[str, str] = {
    MessageTarget.GROUP: "group",
    MessageTarget.PLATFORM: "platform",
    MessageTarget.CONTACT_POINT: "contact_point",
}


def _client_key(address: str) -> str:
    """A keyed hash of the sender's address: enough to count their messages, not enough to learn the address."""
    return hmac.new(settings.SECRET_KEY.encode(), f"mailbox:{address}".encode(), hashlib.sha256).hexdigest()


@not_an_api_action("a check inside the rating services (mailbox and consultation outcome): it stores nothing")
def checked_rating(
    model: type[models.Model], *, rating: str, comment: str, client_address: str, now: datetime
) -> tuple[str, str]:
    """A resident's rating checked before it is stored in ``model`` (a table of ratings with ``client_key`` and
    ``created_at``: the mailbox's, the consultation outcome's): the rating one of ``Satisfaction``, the comment within
    ``COMMENT_MAX``, and the sender's address under the mailbox's limits per hour and day in that table. Returns the
    comment stripped and the address's key; refuses with ``DomainError`` (field messages in Chinese)."""
    comment = (comment or "").strip()
    if rating not in Satisfaction.values:
        raise DomainError({"rating": [_("Choose how satisfied you are.")]})
    if len(comment) > COMMENT_MAX:
        raise DomainError({"comment": [_("Keep the comment to %(n)s characters.") % {"n": COMMENT_MAX}]})
    key = _client_key(client_address)
    mine = model._default_manager.filter(client_key=key)
    if (
        mine.filter(created_at__gte=now - timedelta(hours=1)).count() >= settings.MAILBOX_PER_ADDRESS_PER_HOUR
        or mine.filter(created_at__gte=now - timedelta(days=1)).count() >= settings.MAILBOX_PER_ADDRESS_PER_DAY
    ):
        raise DomainError(_("Too many ratings from your network. Please try again later."))
    return comment, key


def _new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@not_an_api_action("a read: the place a public page is for (an active committee, group, platform or contact point)")
def mailbox_target(target: str, pk: int) -> MailboxPlace | None:
    """The committee, group, platform or contact point of a public mailbox page, or None."""
    if target == MessageTarget.COMMITTEE:
        return Committee.objects.filter(pk=pk).first()
    places: dict[str, type[ActivityGroup | Platform | ContactPoint]] = {
        MessageTarget.GROUP: ActivityGroup,
        MessageTarget.PLATFORM: Platform,
        MessageTarget.CONTACT_POINT: ContactPoint,
    }
    model = places.get(target)
    if model is None:
        return None
    return model._default_manager.filter(pk=pk, is_active=True).select_related("committee").first()


def _check_rate(*, key: str, target: str, place: MailboxPlace, committee_id: int, now: datetime) -> None:
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    mine = PublicMessage.objects.filter(client_key=key)
    if (
        mine.filter(created_at__gte=hour).count() >= settings.MAILBOX_PER_ADDRESS_PER_HOUR
        or mine.filter(created_at__gte=day).count() >= settings.MAILBOX_PER_ADDRESS_PER_DAY
    ):
        raise DomainError(_("Too many messages from your network. Please try again later, or call the committee."))
    here = PublicMessage.objects.filter(committee_id=committee_id, target=target, created_at__gte=hour)
    if target in TARGET_FIELD:
        here = here.filter(**{f"{TARGET_FIELD[target]}_id": place.pk})
    if here.count() >= settings.MAILBOX_PER_TARGET_PER_HOUR:
        raise DomainError(_("This mailbox is receiving many messages just now. Please try again in an hour."))


@not_an_api_action(
    "a resident without an account posts it through the public form and its challenge; the API serves logged-in users"
)
@transaction.atomic
def message_submit(
    *,
    target: str,
    target_id: int,
    kind: str,
    category: str,
    text: str,
    name: str = "",
    phone: str = "",
    client_address: str,
    now: datetime | None = None,
) -> PublicMessage:
    """Take a resident's message or request to meet, within the size and rate limits; returns it with its code."""
    now = now or timezone.now()
    place = mailbox_target(target, target_id)
    if place is None:
        raise DomainError(_("This mailbox does not exist or is closed."))
    committee_id = place.pk if isinstance(place, Committee) else place.committee_id
    # One submission at a time per committee: the counts below cannot be passed by posting in parallel.
    Committee.objects.select_for_update().filter(pk=committee_id).first()
    errors = {}
    text, name, phone = (text or "").strip(), (name or "").strip(), (phone or "").strip()
    if not text:
        errors["text"] = [_("Write your message.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("Keep the message to %(n)s characters.") % {"n": TEXT_MAX}]
    if len(name) > NAME_MAX:
        errors["name"] = [_("Keep the name to %(n)s characters.") % {"n": NAME_MAX}]
    if phone and (len(phone) > PHONE_MAX or not PHONE_RE.fullmatch(phone) or sum(c in "0123456789" for c in phone) < 7):
        errors["phone"] = [_("Enter a phone number of digits only, or leave it empty.")]
    if category not in ContactTopic.values:
        errors["category"] = [_("Choose what the matter is about.")]
    if kind not in PublicMessage.Kind.values:
        errors["kind"] = [_("Choose a message or a request to meet.")]
    if errors:
        raise DomainError(errors)
    key = _client_key(client_address)
    _check_rate(key=key, target=target, place=place, committee_id=committee_id, now=now)
    message = PublicMessage(
        committee_id=committee_id,
        target=target,
        kind=kind,
        category=category,
        text=text,
        name=name,
        phone=phone,
        client_key=key,
        answer_due=timezone.localdate(now) + timedelta(days=settings.MAILBOX_ANSWER_DAYS),
    )
    if target in TARGET_FIELD:
        setattr(message, TARGET_FIELD[target], place)
    if isinstance(place, Platform) and place.host_group_id:
        message.group_id = None  # a platform's host group reaches it through the platform
    while True:  # a clash in 8·10^14 codes is unlikely; a unique index makes it impossible
        message.tracking_code = _new_tracking_code()
        if not PublicMessage.objects.filter(tracking_code=message.tracking_code).exists():
            break
    message.save()
    record_event(
        message, actor=None, verb=ActivitiesVerb.RECEIVED, to_state=PublicMessage.State.NEW, data={"target": target}
    )
    return message


def _may_moderate(actor: User, message: PublicMessage) -> bool:
    """Staff of the committee, and conveners of the group it was left at or routed to."""
    scope = scope_of(actor)
    return scope.is_staff_of(message.committee_id) or message.conveners_may_route(scope)


@not_an_api_action("a read: whether the page offers routing and discarding; the services check the same rule")
def may_moderate(actor: User, message: PublicMessage) -> bool:
    """Whether ``actor`` may pass the message on or discard it."""
    return _may_moderate(actor, message)


@not_an_api_action("a read: whether the page offers answering; the services check the same rule")
def may_answer(actor: User, message: PublicMessage) -> bool:
    """The member it is routed to, the conveners of the group it is routed to, and the committee's staff."""
    scope = scope_of(actor)
    return (
        scope.is_staff_of(message.committee_id)
        or (message.routed_member_id is not None and message.routed_member_id == scope.member_id)
        or (message.routed_group_id is not None and message.routed_group_id in scope.convened_group_ids)
    )


@not_an_api_action("a read: the members and groups the routing form offers; message_route checks the same rule")
def route_choices(actor: User, message: PublicMessage) -> tuple[QuerySet[Member], QuerySet[ActivityGroup]]:
    """(members, groups) ``actor`` may pass the message to: staff any of the committee's, conveners their groups'."""
    scope = scope_of(actor)
    if scope.is_staff_of(message.committee_id):
        groups = ActivityGroup.objects.filter(committee_id=message.committee_id, is_active=True)
        members = Member.objects.filter(committee_id=message.committee_id, status=Member.Status.ACTIVE)
    elif message.conveners_may_route(scope):
        groups = ActivityGroup.objects.filter(pk__in=scope.convened_group_ids, committee_id=message.committee_id)
        members = Member.objects.filter(
            committee_id=message.committee_id,
            status=Member.Status.ACTIVE,
            pk__in=GroupMembership.objects.active().filter(group_id__in=scope.convened_group_ids).values("member_id"),
        )
    else:
        return Member.objects.none(), ActivityGroup.objects.none()
    return members.order_by("name", "pk"), groups.order_by("name", "pk")


@transaction.atomic
def message_route(
    *,
    message_id: int,
    actor: User,
    member_id: int | None = None,
    group_id: int | None = None,
    now: datetime | None = None,
) -> PublicMessage:
    """Pass a received message to a member or a group to answer (taking it out of the moderation queue)."""
    message = lock(PublicMessage, message_id, missing=NotPermitted(_("This message is not yours to handle.")))
    if not _may_moderate(actor, message):
        raise NotPermitted(_("Only the committee's staff or the group's conveners pass a message on."))
    if message.state not in PublicMessage.OPEN_STATES:
        raise InvalidTransition(_("Only a message not yet answered can be passed on."))
    if not member_id and not group_id:
        raise DomainError({"member": [_("Choose a member or a group.")]})
    members, groups = route_choices(actor, message)
    if member_id and not members.filter(pk=member_id).exists():
        raise DomainError({"member": [_("Choose a member you may pass the message to.")]})
    if group_id and not groups.filter(pk=group_id).exists():
        raise DomainError({"group": [_("Choose a group you may pass the message to.")]})
    before = message.state
    message.routed_member_id = member_id or None
    message.routed_group_id = group_id or None
    message.routed_at = now or timezone.now()
    message.state = PublicMessage.State.ROUTED
    message.save(update_fields=["routed_member", "routed_group", "routed_at", "state", "updated_at"])
    record_event(
        message,
        actor=actor,
        verb=ActivitiesVerb.ROUTED,
        from_state=before,
        to_state=PublicMessage.State.ROUTED,
        data={"member": member_id, "group": group_id},
    )
    publish(
        PublicMessageRouted(
            message_id=message.pk,
            committee_id=message.committee_id,
            member_id=member_id,
            group_id=group_id,
            actor_id=actor_id(actor),
        )
    )
    return message


@transaction.atomic
def message_discard(*, message_id: int, actor: User, reason: str) -> PublicMessage:
    """Set aside spam or an abusive message (不予受理); the resident's tracking page says it was not accepted."""
    message = lock(PublicMessage, message_id, missing=NotPermitted(_("This message is not yours to handle.")))
    if not _may_moderate(actor, message):
        raise NotPermitted(_("Only the committee's staff or the group's conveners may set a message aside."))
    if message.state not in PublicMessage.OPEN_STATES:
        raise InvalidTransition(_("Only a message not yet answered can be set aside."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": [_("Say why the message is not accepted.")]})
    before = message.state
    message.state = PublicMessage.State.DISCARDED
    message.discard_reason = reason[:200]
    message.save(update_fields=["state", "discard_reason", "updated_at"])
    record_event(
        message,
        actor=actor,
        verb=ActivitiesVerb.DISCARDED,
        from_state=before,
        to_state=PublicMessage.State.DISCARDED,
        comment=reason,
    )
    return message


@transaction.atomic
def message_answer(*, message_id: int, actor: User, answer: str, now: datetime | None = None) -> PublicMessage:
    """Answer the resident in public words (no personal data), shown on their tracking page."""
    message = lock(PublicMessage, message_id, missing=NotPermitted(_("This message is not yours to handle.")))
    if not may_answer(actor, message):
        raise NotPermitted(_("Only the member or group the message was passed to may answer it."))
    if message.state == PublicMessage.State.DISCARDED:
        raise InvalidTransition(_("A message set aside cannot be answered."))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError({"answer": [_("Write the answer.")]})
    before = message.state
    message.answer = answer[:2000]
    message.state = PublicMessage.State.ANSWERED
    message.answered_at = now or timezone.now()
    message.answered_by = actor
    message.save(update_fields=["answer", "state", "answered_at", "answered_by", "updated_at"])
    record_event(
        message,
        actor=actor,
        verb=ActivitiesVerb.ANSWERED,
        from_state=before,
        to_state=PublicMessage.State.ANSWERED,
        comment=answer[:200],
    )
    return message


@transaction.atomic
def message_record_visit(
    *,
    message_id: int,
    actor: User,
    contacted_on: date,
    whom: str = "",
    follow_up: str = "",
    answer: str = "",
    member_id: int | None = None,
    now: datetime | None = None,
) -> PublicMessage:
    """Record that a member met the resident (约见 / 走访): a contact in the duty record, linked to the message."""
    message = lock(PublicMessage, message_id, missing=NotPermitted(_("This message is not yours to handle.")))
    if not may_answer(actor, message):
        raise NotPermitted(_("Only the member or group the message was passed to may record a visit."))
    if message.state == PublicMessage.State.DISCARDED:
        raise InvalidTransition(_("A message set aside cannot be answered."))
    if message.contact_id:
        raise InvalidTransition(_("A visit is already recorded for this message."))
    member_id = member_id or message.routed_member_id or scope_of(actor).member_id
    if not member_id:
        raise DomainError({"member": [_("Pass the message to a member first.")]})
    place = message.place
    contact = contact_record(
        actor=actor,
        member_id=member_id,
        contacted_on=contacted_on,
        whom_kind=ContactWhom.PERSON,
        whom=(whom or "").strip() or _("The resident who wrote"),
        topic=message.category,
        raised=message.text,
        contact_point=message.contact_point,
        place="" if message.contact_point_id else str(place)[:100],
        follow_up=follow_up,
    )
    before = message.state
    message.contact = contact
    message.state = PublicMessage.State.ANSWERED
    message.answered_at = message.answered_at or now or timezone.now()
    message.answered_by = message.answered_by or actor
    if (answer or "").strip():
        message.answer = answer.strip()[:2000]
    message.save(update_fields=["contact", "state", "answered_at", "answered_by", "answer", "updated_at"])
    record_event(
        message,
        actor=actor,
        verb=ActivitiesVerb.VISIT_RECORDED,
        from_state=before,
        to_state=PublicMessage.State.ANSWERED,
        data={"contact": contact.pk},
    )
    return message


@not_an_api_action(
    "a resident without an account rates through the tracking page and its challenge; the API serves logged-in users"
)
@transaction.atomic
def message_rate(
    *, code: str, rating: str, comment: str = "", client_address: str, now: datetime | None = None
) -> MessageRating:
    """The resident rates how their answered message was handled (满意/基本满意/不满意), once, by tracking code."""
    now = now or timezone.now()
    message = PublicMessage.objects.select_for_update().filter(tracking_code=code).first()
    if message is None:
        raise DomainError(_("No message has this tracking code."))
    if message.state != PublicMessage.State.ANSWERED:
        raise InvalidTransition(_("A message can be rated once it is answered."))
    if MessageRating.objects.filter(message=message).exists():
        raise InvalidTransition(_("This message has already been rated."))
    comment, key = checked_rating(MessageRating, rating=rating, comment=comment, client_address=client_address, now=now)
    rated = MessageRating.objects.create(message=message, rating=rating, comment=comment, client_key=key)
    record_event(message, actor=None, verb=ActivitiesVerb.RATED, comment=rating, data={"rating": rating})
    if rating == Satisfaction.UNSATISFIED:
        publish(
            PublicMessageDissatisfied(
                message_id=message.pk, committee_id=message.committee_id, rating_id=rated.pk, actor_id=None
            )
        )
    return rated


@not_an_api_action("a read: dissatisfied ratings not yet answered again, for the workbench")
def dissatisfied_messages() -> QuerySet[PublicMessage]:
    """Messages rated 不满意 and not answered again since: each a to-do until a new answer is given."""
    return PublicMessage.objects.filter(
        rating__rating=Satisfaction.UNSATISFIED, answered_at__lte=F("rating__created_at")
    )


@not_an_api_action("a read: the moderation queue, new messages first")
def message_queue(actor: User) -> PublicMessageQuerySet:
    """The messages ``actor`` sees, the ones waiting to be passed on first, then the open ones by answer day.

    The committee and the rating are joined; the place (group, platform or contact point) and whom it was routed to
    are read after the page's rows, one small query each for the kinds the page holds (#22: joined, the statement's
    nine tables took PostgreSQL 8-11 ms to plan for a 0.5 ms execution; with two joins, 0.14 ms)."""
    order = Case(
        When(state=PublicMessage.State.NEW, then=Value(0)),
        When(state=PublicMessage.State.ROUTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        PublicMessage.objects.visible_to(actor)
        .alias(rank=order)
        .select_related("committee", "rating")
        .prefetch_related("group", "platform", "contact_point", "routed_member", "routed_group")
        .order_by("rank", "answer_due", "-id")
    )

"""The members' mailbox 委员信箱 / 约见委员: "设立'委员信箱'、委员公示栏、入户走访、委员接待日、群众约见委员".

A resident without an account leaves a message (or asks to meet a member) on the public page of a committee, a
group, a platform or a contact point. Who sees what:

- the text, the category, the state and the public answer: everyone holding the tracking code (public page);
- the message in the portal: the committee's staff and leaders; the conveners of the group the message was left
  at (a group's page, a platform it hosts, a contact point linked to it) or routed to; the member it is routed to;
- the resident's name and phone (personal data, optional, for a reply only): the committee's secretariat staff,
  the member it is routed to and the conveners of the group it is routed to (``PublicMessage.may_see_personal``)
  — never a leader, never the public, never a convener merely because the message was left at their group.

The client's address is never stored: ``client_key`` is a keyed hash of it, kept for the rate limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.models.contacts import ConstituentContact, ContactTopic
from groups.models.organisation import ActivityGroup, Committee, ContactPoint, Member, Platform

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from groups.access import Scope

TEXT_MAX = 1000
NAME_MAX = 20
PHONE_MAX = 20


class MessageTarget(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    GROUP = "group", _("Activity group")
    PLATFORM = "platform", _("Platform")
    CONTACT_POINT = "contact_point", _("Contact point")


class PublicMessageQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees'; conveners: left at or routed to their groups; members: routed to them."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if scope.convened_group_ids:
            q |= self.at_groups_q(scope.convened_group_ids)
        if scope.member_id:
            q |= Q(routed_member_id=scope.member_id)
        return self.filter(q).exclude(
            ~Q(committee_id__in=scope.staff_committee_ids), state=PublicMessage.State.DISCARDED
        )

    @staticmethod
    def at_groups_q(group_ids: Iterable[int]) -> Q:
        """Messages left at these groups (their page, their platforms, their contact points) or routed to them."""
        group_ids = list(group_ids)
        return (
            Q(group_id__in=group_ids)
            | Q(routed_group_id__in=group_ids)
            | Q(platform__host_group_id__in=group_ids)
            | Q(contact_point__in=ContactPoint.objects.filter(groups__in=group_ids).values("pk"))
        )

    def open(self) -> Self:
        return self.filter(state__in=PublicMessage.OPEN_STATES)

    def overdue(self, today: date) -> Self:
        """Received or passed-on messages not answered by their answer day (``today`` excluded)."""
        return self.open().filter(answer_due__lt=today)


class PublicMessage(models.Model):
    """One message or request to meet from a resident 群众留言 / 约见; tracked by its code, answered by a member."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message to members")
        MEETING = "meeting", _("Request to meet a member")

    class State(models.TextChoices):
        NEW = "new", _("Received")
        ROUTED = "routed", _("Passed to a member")
        ANSWERED = "answered", _("Answered")
        DISCARDED = "discarded", _("Not accepted")

    OPEN_STATES = (State.NEW, State.ROUTED)

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="public_messages"
    )
    target = models.CharField(_("left at"), max_length=15, choices=MessageTarget.choices)
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("activity group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_messages",
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_messages",
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_messages",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    category = models.CharField(_("kind of matter"), max_length=20, choices=ContactTopic.choices)
    text = models.TextField(_("message"), max_length=TEXT_MAX)
    name = models.CharField(
        _("name"),
        max_length=NAME_MAX,
        blank=True,
        help_text=_("Optional; only the secretariat and the member answering see it."),
    )
    phone = models.CharField(
        _("phone"),
        max_length=PHONE_MAX,
        blank=True,
        help_text=_("Optional; only the secretariat and the member answering see it."),
    )
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True, editable=False)
    client_key = models.CharField(
        _("sender key"),
        max_length=64,
        editable=False,
        db_index=False,
        help_text=_("A keyed hash of the sender's address, for the rate limit; the address itself is not kept."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    answer_due = models.DateField(_("answer due"))
    routed_member = models.ForeignKey(
        Member,
        verbose_name=_("member answering"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_messages",
    )
    routed_group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("group answering"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routed_public_messages",
    )
    routed_at = models.DateTimeField(_("passed on at"), null=True, blank=True)
    answer = models.TextField(
        _("public answer"),
        max_length=2000,
        blank=True,
        help_text=_("Shown to the resident on the tracking page; no personal data."),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.OneToOneField(
        ConstituentContact,
        verbose_name=_("visit recorded"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_message",
    )
    discard_reason = models.CharField(_("reason not accepted"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PublicMessageQuerySet.as_manager()

    class Meta:
        db_table = "groups_publicmessage"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("message to members")
        verbose_name_plural = _("messages to members")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="public_message_has_text"),
            models.CheckConstraint(
                condition=Q(state__in=["new", "routed", "answered", "discarded"]), name="public_message_state"
            ),
            models.CheckConstraint(
                condition=~Q(state="routed") | Q(routed_member__isnull=False) | Q(routed_group__isnull=False),
                name="public_message_routed_somewhere",
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | Q(answered_at__isnull=False), name="public_message_answered_at"
            ),
        ]
        indexes = [
            # the rate limits: one sender's and one target's messages of the last hour / day
            models.Index(fields=["client_key", "created_at"], name="public_message_sender"),
            models.Index(fields=["committee", "state", "answer_due"], name="public_message_due"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.get_category_display()}"

    @property
    def place(self) -> ContactPoint | Platform | ActivityGroup | Committee:
        """Where it was left: the group, platform or contact point, else the committee."""
        return self.contact_point or self.platform or self.group or self.committee

    @property
    def tracking_display(self) -> str:
        code = self.tracking_code
        return f"{code[:5]}-{code[5:]}"

    def may_see_personal(self, scope: Scope) -> bool:
        """The resident's name and phone: the committee's staff, the member it is routed to, that group's conveners."""
        return (
            scope.is_staff_of(self.committee_id)
            or (self.routed_member_id is not None and self.routed_member_id == scope.member_id)
            or (self.routed_group_id is not None and self.routed_group_id in scope.convened_group_ids)
        )

    def conveners_may_route(self, scope: Scope) -> bool:
        """Conveners of the group it was left at (or routed to) pass it on to their members."""
        if not scope.convened_group_ids:
            return False
        return (
            PublicMessage.objects.filter(pk=self.pk)
            .filter(PublicMessageQuerySet.at_groups_q(scope.convened_group_ids))
            .exists()
        )


COMMENT_MAX = 500


class Satisfaction(models.TextChoices):
    """How the resident found the handling of their message (the proposals' three grades)."""

    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class ResidentRating(models.Model):
    """What every rating 群众评价 a resident gives by tracking code holds: the grade, a comment, the keyed hash of the
    sender's address for the rate limits (``activities.services.mailbox.checked_rating``), and when. The mailbox's
    rating of an answer (``MessageRating``) and the consultations' rating of an outcome (``OutcomeRating``) are
    this with the message they rate. Each keeps its own names for its constraint and index (``rating_rules``), so
    their tables are the same as before the base was drawn out."""

    rating = models.CharField(_("rating"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("resident's comment"), max_length=COMMENT_MAX, blank=True)
    client_key = models.CharField(
        _("sender key"),
        max_length=64,
        editable=False,
        help_text=_("A keyed hash of the sender's address, for the rate limit; the address itself is not kept."),
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


def rating_rules(prefix: str) -> tuple[list[models.BaseConstraint], list[models.Index]]:
    """A ``ResidentRating``'s constraint (the grade one of ``Satisfaction``) and index (the rate limit's read by
    sender and time), named ``<prefix>_rating`` and ``<prefix>_sender``: the ``Meta`` of each concrete rating."""
    return (
        [
            models.CheckConstraint(
                condition=Q(rating__in=["satisfied", "basic", "unsatisfied"]), name=f"{prefix}_rating"
            )
        ],
        [models.Index(fields=["client_key", "created_at"], name=f"{prefix}_sender")],
    )


class MessageRatingQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The ratings of the messages ``user`` sees."""
        return self.filter(message__in=PublicMessage.objects.visible_to(user).values("pk"))


class MessageRating(ResidentRating):
    """The resident's rating of how their answered message was handled 群众评价, once per message, by tracking code.

    A dissatisfied rating stays a to-do of the committee's staff until the message is answered again after it
    (``PublicMessage.answered_at`` later than the rating).
    """

    message = models.OneToOneField(
        PublicMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="rating"
    )

    objects = MessageRatingQuerySet.as_manager()

    class Meta(ResidentRating.Meta):
        db_table = "groups_messagerating"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("resident's rating")
        verbose_name_plural = _("residents' ratings")
        constraints, indexes = rating_rules("message_rating")

    def __str__(self) -> str:
        return f"{self.message.tracking_code} · {self.get_rating_display()}"


def normalise_code(text: str) -> str:
    """What a resident typed (lower case, dashes, spaces) as a stored tracking code."""
    return "".join(c for c in (text or "").upper() if c.isascii() and c.isalnum())[:12]

"""From what was heard to what is done: leads 线索 and an activity's suggestions as items.

"征集调研和提案线索"; "定期对了解到的群众呼声进行汇总分析". A lead pools what residents raised — messages to members
(``PublicMessage``), contacts with constituents (``ConstituentContact``) and suggestions gathered at activities
(``ActivitySuggestion``) — under one title and kind of matter; it is then turned into a proposal draft, a
public-opinion report or a consultation topic. Those records live in the apps above and keep the link
(``source_lead`` and ``source_message``/``source_contact``); here they are read back through the reverse relations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.models.activity import Activity
from activities.models.mailbox import PublicMessage
from groups.models.contacts import ConstituentContact, ContactTopic
from groups.models.organisation import ActivityGroup, Committee

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ActivitySuggestionQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Whoever may edit the activity (its group's conveners, the committee's staff) and the committee's leaders."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(
            Q(activity__committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
            | Q(activity__group_id__in=scope.convened_group_ids)
        )


class ActivitySuggestion(models.Model):
    """One suggestion gathered at an activity 活动中收集的建议, recordable and poolable on its own."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="suggestion_items"
    )
    category = models.CharField(_("kind of matter"), max_length=20, choices=ContactTopic.choices)
    text = models.TextField(_("suggestion"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ActivitySuggestionQuerySet.as_manager()

    class Meta:
        db_table = "groups_activitysuggestion"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("suggestion gathered")
        verbose_name_plural = _("suggestions gathered")
        ordering = ["activity_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="activity_suggestion_has_text"),
            models.CheckConstraint(condition=Q(category__in=ContactTopic.values), name="activity_suggestion_category"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' leads; conveners: their groups' leads."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(
            Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
            | Q(group_id__in=scope.convened_group_ids)
        )

    def with_items(self) -> Self:
        """With the pooled items and what their text needs, in a fixed number of queries."""
        return self.prefetch_related(
            "messages__committee",
            "messages__group",
            "messages__platform",
            "messages__contact_point",
            "contacts__contact_point",
            "suggestions__activity",
        )

    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff of the committee and the conveners of the lead's group."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(Q(committee_id__in=scope.staff_committee_ids) | Q(group_id__in=scope.convened_group_ids))


class Lead(models.Model):
    """A lead or topic 线索 pooling what residents raised, to be turned into a proposal, a report or a topic."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Taken up")
        CLOSED = "closed", _("Closed without action")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="leads"
    )
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("activity group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text=_("The group whose conveners follow it; empty for the secretariat's own."),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("kind of matter"), max_length=20, choices=ContactTopic.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    close_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    messages = models.ManyToManyField(PublicMessage, verbose_name=_("messages"), blank=True, related_name="leads")
    contacts = models.ManyToManyField(ConstituentContact, verbose_name=_("contacts"), blank=True, related_name="leads")
    suggestions = models.ManyToManyField(
        ActivitySuggestion, verbose_name=_("suggestions gathered"), blank=True, related_name="leads"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        db_table = "groups_lead"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="lead_has_title"),
            models.CheckConstraint(condition=Q(state__in=["open", "converted", "closed"]), name="lead_state"),
            models.CheckConstraint(condition=Q(category__in=ContactTopic.values), name="lead_category"),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(close_reason=""),
                name="lead_closed_has_reason",
                violation_error_message=_("Say why the lead is closed."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "state", "created_at"], name="lead_committee_state")]

    def __str__(self) -> str:
        return self.title

    def text(self) -> str:
        """What was raised, one line per item (the draft's analysis is built from it)."""
        return "\n".join(item for item in self.items_text())

    def items_text(self) -> Iterator[str]:
        for m in self.messages.all():
            yield _("Message from a resident (%(place)s, %(date)s): %(text)s") % {
                "place": m.place.name,
                "date": f"{m.created_at:%Y-%m-%d}",
                "text": m.text,
            }
        for c in self.contacts.all():
            yield _("Contact with the people (%(place)s, %(date)s): %(text)s") % {
                "place": c.where,
                "date": f"{c.contacted_on:%Y-%m-%d}",
                "text": c.raised,
            }
        for s in self.suggestions.all():
            yield _("Suggestion at an activity (%(activity)s): %(text)s") % {
                "activity": s.activity.title,
                "text": s.text,
            }

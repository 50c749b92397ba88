"""Members' contact log 联系群众记录: "对委员联系界别群众情况实行建档备案" — who a member met, where, what was raised
and what they promised to follow up. Residents' personal data is kept to a minimum: whom is a kind and a short
description; a resident's contact details, if any, are one optional text the committee's staff alone see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadValidator

from .organisation import Committee, ContactPoint, GroupMembership, Member

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ContactWhom(models.TextChoices):
    PERSON = "person", _("A resident")
    HOUSEHOLD = "household", _("A household")
    SECTOR_GROUP = "sector_group", _("A group of the sector's people")


class ContactTopic(models.TextChoices):
    """What was raised, by the topics the secretariat sorts suggestions by."""

    LIVELIHOOD = "livelihood", _("Livelihood and welfare")
    ECONOMY = "economy", _("Economy and business")
    GOVERNANCE = "governance", _("Community governance")
    ENVIRONMENT = "environment", _("Environment")
    EDUCATION_HEALTH = "education_health", _("Education and health care")
    OTHER = "other", _("Other")


class ConstituentContactQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' contacts; conveners: their groups' members'; members: their own."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if scope.convened_group_ids:
            q |= Q(
                member_id__in=GroupMembership.objects.active()
                .filter(group_id__in=scope.convened_group_ids)
                .values("member_id")
            )
        if scope.member_id:
            q |= Q(member_id=scope.member_id)
        return self.filter(q)


def contact_photo_path(instance: ConstituentContact, filename: str) -> str:
    return f"contacts/{instance.member_id}/{filename}"


class ConstituentContact(models.Model):
    """One contact of a member with the people of their sector 联系界别群众, counted in the duty record."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="constituent_contacts"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="constituent_contacts"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contacted_on = models.DateField(_("date of contact"))
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="constituent_contacts",
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    whom_kind = models.CharField(_("whom"), max_length=20, choices=ContactWhom.choices)
    whom = models.CharField(
        _("who they were"),
        max_length=100,
        help_text=_('A short description, e.g. "retired teachers of the street"; no names needed.'),
    )
    resident_contact = models.CharField(
        _("resident's contact details"),
        max_length=100,
        blank=True,
        help_text=_("Optional; only the committee's secretariat staff see it."),
    )
    topic = models.CharField(_("kind of matter raised"), max_length=20, choices=ContactTopic.choices)
    raised = models.TextField(_("what was raised"), max_length=2000)
    follow_up = models.TextField(_("follow-up promised"), max_length=1000, blank=True)
    photo = models.FileField(
        _("photo"), upload_to=contact_photo_path, max_length=300, blank=True, validators=[UploadValidator("evidence")]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ConstituentContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact with constituents")
        verbose_name_plural = _("contacts with constituents")
        ordering = ["-contacted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_point__isnull=False) | ~Q(place=""),
                name="constituent_contact_has_place",
                violation_error_message=_("Choose a contact point or say where."),
            ),
            models.CheckConstraint(
                condition=~Q(whom=""),
                name="constituent_contact_has_whom",
                violation_error_message=_("Say who they were."),
            ),
            models.CheckConstraint(
                condition=~Q(raised=""),
                name="constituent_contact_has_raised",
                violation_error_message=_("Say what was raised."),
            ),
            models.CheckConstraint(condition=Q(whom_kind__in=ContactWhom.values), name="constituent_contact_whom_kind"),
            models.CheckConstraint(condition=Q(topic__in=ContactTopic.values), name="constituent_contact_topic"),
        ]
        indexes = [
            models.Index(fields=["member", "contacted_on"], name="contact_member_day"),
            models.Index(fields=["committee", "contacted_on"], name="contact_committee_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.contacted_on} · {self.whom}"

    @property
    def where(self) -> str:
        return self.contact_point.name if self.contact_point is not None else self.place

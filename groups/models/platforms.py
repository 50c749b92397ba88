"""What makes a duty platform 履职平台 run (seed: "精挑细选'界别同心汇'发起人及委员成员"; "区政协分管副主席任联络主席";
"建立组建程序、激励奖惩和退出机制"; the six haves 六有 有场地、有标识、有制度、有活动、有档案、有评价).

- ``PlatformMembership``: who is in it, as initiator 发起人, member 委员成员 or liaison chair 联络主席, from joining
  to leaving (the exit mechanism 退出机制).
- ``PlatformPlan``: the year's plan, what activities it intends.
- ``PlatformEvaluation``: the committee's yearly evaluation 年度评价 (grade, score, comments); it backs 有评价.
- ``PlatformDocument``: the evidence kept with it: photos of the venue and the sign, the rules, records for the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadValidator

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

from .organisation import Member, Platform


class PlatformMembershipQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(left_on__isnull=True)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(platform__in=Platform.objects.visible_to(user))


class PlatformMembership(models.Model):
    """A member's place in a platform, from joining to leaving."""

    class Role(models.TextChoices):
        INITIATOR = "initiator", _("Initiator")
        MEMBER = "member", _("Platform member")
        LIAISON_CHAIR = "liaison_chair", _("Liaison chair")

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="memberships"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="platform_memberships"
    )
    role = models.CharField(_("role"), max_length=15, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)

    objects = PlatformMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform membership")
        verbose_name_plural = _("platform memberships")
        ordering = ["platform_id", "role", "member__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "member"],
                condition=Q(left_on__isnull=True),
                name="platform_membership_one_active",
                violation_error_message=_("This member is already in the platform."),
            ),
            models.UniqueConstraint(
                fields=["platform"],
                condition=Q(left_on__isnull=True, role="liaison_chair"),
                name="platform_one_liaison_chair",
                violation_error_message=_("The platform already has a liaison chair."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="platform_membership_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["member", "left_on"])]

    def __str__(self) -> str:
        return f"{self.platform} · {self.member}（{self.get_role_display()}）"


class PlatformPlan(models.Model):
    """A platform's plan for a year: what activities it intends."""

    platform = models.ForeignKey(Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"))
    planned_activities = models.PositiveSmallIntegerField(_("activities planned"), default=0)
    content = models.TextField(_("what it intends"), max_length=3000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform plan")
        verbose_name_plural = _("platform plans")
        ordering = ["platform_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "year"], name="platform_plan_one_per_year"),
            models.CheckConstraint(condition=~Q(content=""), name="platform_plan_has_content"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.year}"


class PlatformEvaluation(models.Model):
    """The committee's yearly evaluation 年度评价 of a platform."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, help_text=_("Out of 100."))
    comments = models.TextField(_("comments"), max_length=3000)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform evaluation")
        verbose_name_plural = _("platform evaluations")
        ordering = ["platform_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "year"], name="platform_evaluation_one_per_year"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="platform_evaluation_score_range",
                violation_error_message=_("A score is out of 100."),
            ),
            models.CheckConstraint(condition=~Q(comments=""), name="platform_evaluation_has_comments"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.year} · {self.get_grade_display()}"


def platform_document_path(instance: PlatformDocument, filename: str) -> str:
    return f"platforms/{instance.platform_id}/{filename}"


class PlatformDocument(models.Model):
    """Evidence kept with a platform: a photo of its venue or sign, its rules, a record for its file."""

    class Kind(models.TextChoices):
        VENUE_PHOTO = "venue_photo", _("Photo of the venue")
        SIGN_PHOTO = "sign_photo", _("Photo of the sign")
        RULES = "rules", _("Rules document")
        RECORD = "record", _("Record for the file")

    PHOTO_KINDS = (Kind.VENUE_PHOTO, Kind.SIGN_PHOTO)

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(
        _("file"), upload_to=platform_document_path, max_length=300, validators=[UploadValidator("document")]
    )
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original name"), max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("platform document")
        verbose_name_plural = _("platform documents")
        ordering = ["platform_id", "kind", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["platform", "kind"])]

    def __str__(self) -> str:
        return self.original_name

"""Democratic supervision, inspections and work reports (seeds: "将X名委员编成X个民主监督小组，派驻到X个重点部门开展
长期持续监督"; "定期对…'三进'工作进行督导检查"; "听取工作汇报…经常督促、检查工作开展情况").

- A supervision group 民主监督小组 is a few members stationed at a handling unit for a period; its members record
  their visits (what they found, what they suggested) and the unit answers each visit.
- An inspection 督导检查 is staff or a leader checking an activity group or a platform: findings, what must be put
  right by when, and the group's account of what it did.
- A work report 工作汇报 is an activity group's report for a half-year to its liaison leader, who reads and answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .organisation import ActivityGroup, Committee, HandlingUnit, Member, Platform

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class SupervisionGroupQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' groups; members: the groups they belong to; a handling unit's
        users: the groups stationed at their units."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids) | Q(unit_id__in=scope.unit_ids)
        if scope.member_id:
            q |= Q(members=scope.member_id)
        return self.filter(q).distinct()


class SupervisionGroup(models.Model):
    """Members stationed at a handling unit for a period to supervise its work 民主监督小组."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="supervision_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("stationed at"), on_delete=models.PROTECT, related_name="supervision_groups"
    )
    focus = models.TextField(_("what it supervises"), max_length=1000)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    leader = models.ForeignKey(
        Member,
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_groups_led",
    )
    members = models.ManyToManyField(Member, verbose_name=_("members"), related_name="supervision_groups")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SupervisionGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("democratic supervision group")
        verbose_name_plural = _("democratic supervision groups")
        ordering = ["committee_id", "-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="supervision_group_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="supervision_group_period_in_order",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SupervisionVisit(models.Model):
    """One visit of a supervision group to its unit: what was found and suggested, and the unit's answer."""

    group = models.ForeignKey(
        SupervisionGroup, verbose_name=_("supervision group"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("date of visit"))
    participants = models.ManyToManyField(
        Member, verbose_name=_("members taking part"), related_name="supervision_visits"
    )
    findings = models.TextField(_("what was found"), max_length=3000)
    suggestions = models.TextField(_("what the group suggests"), max_length=3000, blank=True)
    unit_response = models.TextField(_("the unit's answer"), max_length=3000, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(findings=""),
                name="supervision_visit_has_findings",
                violation_error_message=_("Say what was found."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.visited_on}"


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' inspections; conveners: those of the groups they convene and of
        the platforms those groups host."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if scope.convened_group_ids:
            q |= Q(group_id__in=scope.convened_group_ids) | Q(platform__host_group_id__in=scope.convened_group_ids)
        return self.filter(q)


class Inspection(models.Model):
    """Staff or a leader inspects an activity group or a platform 督导检查; the group accounts for what it put right."""

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting the group's account")
        CLOSED = "closed", _("Closed")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="inspections"
    )
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("activity group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    inspected_on = models.DateField(_("date of inspection"))
    inspectors = models.CharField(_("inspected by"), max_length=200)
    findings = models.TextField(_("findings"), max_length=3000)
    required_actions = models.TextField(_("what must be put right"), max_length=2000, blank=True)
    follow_up_due = models.DateField(_("put right by"), null=True, blank=True)
    follow_up = models.TextField(_("what was put right"), max_length=3000, blank=True)
    followed_up_on = models.DateField(_("accounted for on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, platform__isnull=True) | Q(group__isnull=True, platform__isnull=False),
                name="inspection_of_a_group_or_a_platform",
                violation_error_message=_("Choose the group or the platform inspected."),
            ),
            models.CheckConstraint(condition=Q(state__in=["open", "closed"]), name="inspection_state"),
            models.CheckConstraint(
                condition=~Q(findings=""),
                name="inspection_has_findings",
                violation_error_message=_("Say what was found."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "state"], name="inspection_committee_state")]

    def __str__(self) -> str:
        return f"{self.target} · {self.inspected_on}"

    @property
    def target(self) -> ActivityGroup | Platform | None:
        return self.group or self.platform

    @property
    def responsible_group_id(self) -> int | None:
        """The activity group that accounts for the inspection: the one inspected, or the platform's host."""
        return self.group_id if self.group_id else (self.platform.host_group_id if self.platform is not None else None)


class WorkReportQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' reports; conveners: their groups'; a liaison leader: the reports
        of the groups they keep in touch with."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(group__committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if scope.convened_group_ids:
            q |= Q(group_id__in=scope.convened_group_ids)
        if scope.member_id:
            q |= Q(group__liaison_leader_id=scope.member_id)
        return self.filter(q)


class WorkReport(models.Model):
    """An activity group's report for a half-year to its liaison leader 工作汇报, and the leader's answer."""

    class Half(models.IntegerChoices):
        FIRST = 1, _("First half")
        SECOND = 2, _("Second half")

    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("activity group"), on_delete=models.CASCADE, related_name="work_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), choices=Half.choices)
    summary = models.TextField(_("work done"), max_length=5000)
    plans = models.TextField(_("plans for the next half-year"), max_length=3000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    comment = models.TextField(_("the leader's answer"), max_length=3000, blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commented_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        ordering = ["-year", "-half", "group_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year", "half"],
                name="work_report_once_per_half",
                violation_error_message=_("This group has already reported for this half-year."),
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="work_report_half"),
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="work_report_has_summary",
                violation_error_message=_("Say what the group did."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.year} {self.get_half_display()}"

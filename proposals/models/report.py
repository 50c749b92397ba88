"""Public-opinion reports 社情民意信息, the issues 期 they are compiled into, and their outcomes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .proposal import Invitation

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")


class OpinionReportQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees'; a member: the reports they wrote or co-wrote."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        # a member's and a convener's reports as one id set of branches that each read an index (author, co-author,
        # invitation, group), not an OR of them, which PostgreSQL answers by filtering every report of the committee
        # (#22: "my proposals" counted a member's reports in 1.0 ms, reading 3,432 rows for none; 0.06 ms now)
        branches = []
        if scope.member_id:
            branches += [
                OpinionReport.objects.order_by().filter(author_id=scope.member_id).values("pk"),
                OpinionReport.co_authors.through.objects.filter(member_id=scope.member_id).values("opinionreport_id"),
                CoAuthorInvitation.objects.order_by()
                .filter(member_id=scope.member_id)
                .exclude(status=CoAuthorInvitation.Status.DECLINED)
                .values("report_id"),
            ]
        if scope.convened_group_ids:
            branches.append(OpinionReport.objects.order_by().filter(group_id__in=scope.convened_group_ids).values("pk"))
        if branches:
            q |= Q(pk__in=branches[0].union(*branches[1:], all=True))
        return self.filter(q)


class ReportIssue(models.Model):
    """A numbered issue 期 of the committee's public-opinion bulletin."""

    committee = models.ForeignKey(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.PROTECT, related_name="report_issues"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("issue number"))
    published_on = models.DateField(_("published on"))

    class Meta:
        verbose_name = _("bulletin issue")
        verbose_name_plural = _("bulletin issues")
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["committee", "year", "number"], name="report_issue_unique")]

    def __str__(self) -> str:
        return f"{self.year}年第{self.number}期"


class OpinionReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")  # waiting for its invited co-authors to confirm
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPILED = "compiled", _("Compiled")

    committee = models.ForeignKey(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.PROTECT, related_name="opinion_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    author = models.ForeignKey(
        "groups.Member",
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinion_reports",
    )
    co_authors = models.ManyToManyField(
        "groups.Member",
        verbose_name=_("co-authors"),
        blank=True,
        related_name="co_authored_reports",
        help_text=_("Only members who confirmed their invitation; the services add them when they confirm."),
    )
    group = models.ForeignKey(
        "groups.ActivityGroup",
        verbose_name=_("submitting group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_reports",
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    issue = models.ForeignKey(
        ReportIssue, verbose_name=_("issue"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    source_proposal = models.OneToOneField(
        "proposals.Proposal",
        verbose_name=_("converted from proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_report",
    )
    source_lead = models.ForeignKey(
        "activities.Lead",
        verbose_name=_("drawn from the lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_reports",
    )
    source_message = models.ForeignKey(
        "activities.PublicMessage",
        verbose_name=_("drawn from the resident's message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_reports",
    )
    source_contact = models.ForeignKey(
        "groups.ConstituentContact",
        verbose_name=_("drawn from the contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_reports",
    )
    # The moment it was submitted: a draft waiting for its co-authors gets it anew when it is submitted.
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OpinionReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("public-opinion report")
        verbose_name_plural = _("public-opinion reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["committee", "year", "state"]),
            # The reports list in its order reads its first page here instead of joining every report of the
            # committees to its author and sorting them (#22: 10,000 reports at 50k, 160 ms).
            models.Index(fields=["state", "-created_at"], name="report_list_order"),
            # A committee's reports by the moment they were made: the duty events of the reports submitted in a quarter
            # a page at a time, newest first (``assessments.event_pages``), read in order instead of every report of
            # the committee sorted.
            models.Index(fields=["committee", "created_at"], name="report_committee_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(group__isnull=False), name="report_has_author_or_group"
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""), name="report_declined_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def content_digest(self) -> str:
        """A short fingerprint of what a co-author confirms (title and text): their answer names the version read."""
        return hashlib.sha256(f"{self.title}\x00{self.content}".encode()).hexdigest()[:16]


class CoAuthorInvitation(Invitation):
    """A member named as co-author 联名 of a report, confirming before the report is submitted (as a co-signer does)."""

    report = models.ForeignKey(
        OpinionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="invitations"
    )
    member = models.ForeignKey(
        "groups.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="report_invitations"
    )

    class Meta:
        verbose_name = _("co-author invitation")
        verbose_name_plural = _("co-author invitations")
        constraints = [models.UniqueConstraint(fields=["report", "member"], name="coauthor_invitation_unique")]
        indexes = [models.Index(fields=["member", "status"])]


class Adoption(models.Model):
    """A report adopted 采用 by a CPPCC at some level."""

    report = models.ForeignKey(
        OpinionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="adoptions"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    adopted_by = models.CharField(_("adopted by"), max_length=100, blank=True)
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["report_id", "date"]
        constraints = [models.UniqueConstraint(fields=["report", "level"], name="adoption_once_per_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.date}"


class Instruction(models.Model):
    """A leader's written instruction 批示 on a report."""

    report = models.ForeignKey(
        OpinionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="instructions"
    )
    leader = models.CharField(_("leader"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    date = models.DateField(_("date"))
    text = models.TextField(_("instruction"))

    class Meta:
        verbose_name = _("leader's instruction")
        verbose_name_plural = _("leaders' instructions")
        ordering = ["report_id", "date"]

    def __str__(self) -> str:
        return f"{self.leader} {self.date}"


class ReportFollowUp(models.Model):
    """A follow-up 跟踪促办 of an adopted report: what was done on a day, by whom, and the department's feedback
    ("对委员收集报送的社情民意进行跟踪促办")."""

    report = models.ForeignKey(
        OpinionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("date"))
    done_by = models.CharField(
        _("done by"), max_length=100, help_text=_("Who followed it up, e.g. the office or the department.")
    )
    action = models.TextField(_("what was done"), max_length=2000)
    feedback = models.TextField(_("the department's feedback"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["report_id", "date", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="report_follow_up_has_action")]

    def __str__(self) -> str:
        return f"{self.date} {self.done_by}"

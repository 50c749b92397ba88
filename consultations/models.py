"""Consultations 协商: topics, sessions at three levels, and outcomes followed through 评交办督复.

Seed 003 gives the process (选题 → 调研 → meeting with four stages → outcomes), seed 004 the
outcome conversion 评、交、办、督、复 and publication 公示 until 件件有回音, 事事见成效.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.models.mailbox import ResidentRating, rating_rules
from core.uploads import UploadValidator
from groups.models import ActivityGroup, Committee, HandlingUnit, Member, Platform

if TYPE_CHECKING:
    from datetime import date

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from groups.access import Scope


def _scope(user: AbstractBaseUser | AnonymousUser) -> Scope:
    from groups.access import scope_of

    return scope_of(user)


Level = Platform.Level  # the three levels of seed 004: 区级 / 镇街 / 社区


# --- Topics 选题 ----------------------------------------------------------------------------------


class TopicQuerySet(models.QuerySet):
    def _convened_q(self, scope: Scope, prefix: str = "") -> Q:
        ids = scope.convened_group_ids
        return Q(**{f"{prefix}group_id__in": ids}) | Q(**{f"{prefix}platform__host_group_id__in": ids})

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees; conveners and members: their groups' and platforms' topics."""
        scope = _scope(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        q |= Q(group_id__in=scope.group_ids) | Q(platform__host_group_id__in=scope.group_ids)
        return self.filter(q)

    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff: their committees; a convener: their own groups' and platforms' topics only."""
        scope = _scope(user)
        if scope.is_superuser:
            return self
        return self.filter(Q(committee_id__in=scope.staff_committee_ids) | self._convened_q(scope))

    def published(self) -> Self:
        return self.filter(is_published=True, state=Topic.State.ADOPTED)


class Topic(models.Model):
    """A candidate topic 选题 for consultation, ranked and adopted per committee/platform and year."""

    class Source(models.TextChoices):
        PARTY_GOVERNMENT = "party_gov", _("Party and government work")
        MEMBERS = "members", _("Members")
        PUBLIC = "public", _("The public")

    class ProposerKind(models.TextChoices):
        STAFF = "staff", _("Secretariat staff")
        CONVENER = "convener", _("Convener")
        MEMBER = "member", _("Member")
        RESIDENT = "resident", _("Resident")

    class State(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ADOPTED = "adopted", pgettext_lazy("consultation", "Adopted")
        DECLINED = "declined", pgettext_lazy("consultation", "Declined")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="consultation_topics"
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_topics",
    )
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_topics",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(pgettext_lazy("consultation", "description"), blank=True)
    reasons = models.TextField(_("reasons"), help_text=_("Why this topic matters to the people concerned."))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    proposer_kind = models.CharField(_("proposed by"), max_length=10, choices=ProposerKind.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resident_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    resident_contact = models.CharField(
        _("resident's contact"), max_length=50, blank=True, help_text=_("Never shown to the public.")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    is_annual_front_line = models.BooleanField(_("annual front-line topic"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CANDIDATE)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    research_activities = models.ManyToManyField(
        "activities.Activity",
        verbose_name=_("research activities"),
        blank=True,
        related_name="consultation_topics",
        help_text=_("The research 调研 done on an adopted topic before it is consulted on."),
    )
    source_lead = models.ForeignKey(
        "activities.Lead",
        verbose_name=_("drawn from the lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_topics",
    )
    source_message = models.ForeignKey(
        "activities.PublicMessage",
        verbose_name=_("drawn from the resident's message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_topics",
    )
    source_contact = models.ForeignKey(
        "groups.ConstituentContact",
        verbose_name=_("drawn from the contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_topics",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["-year", "rank", "-created_at"]
        indexes = [models.Index(fields=["committee", "year", "state"])]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="topic_title_not_blank"),
            models.CheckConstraint(
                condition=Q(proposer_kind="resident") | (Q(resident_name="") & Q(resident_contact="")),
                name="topic_resident_details_only_for_residents",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""), name="topic_declined_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(state="adopted"), name="topic_only_adopted_published"
            ),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="topic_year_sane"),
        ]

    def __str__(self) -> str:
        return self.title


# --- Sessions 协商会议 ----------------------------------------------------------------------------


class SessionQuerySet(TopicQuerySet):
    def published(self) -> Self:
        return self.filter(is_published=True)


class ConsultationSession(models.Model):
    """A consultation meeting 协商会议, at district, street/township or community level."""

    class Form(models.TextChoices):
        THEMATIC = "thematic", _("Thematic consultation")
        COUNTERPART = "counterpart", _("Counterpart consultation")
        SECTOR = "sector", _("Sector consultation")
        PROPOSAL = "proposal", _("Proposal-handling consultation")
        GRASSROOTS = "grassroots", _("Grassroots consultation")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", pgettext_lazy("consultation", "Held")
        CANCELLED = "cancelled", _("Cancelled")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="consultation_sessions"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_sessions",
    )
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    form = models.CharField(_("form"), max_length=12, choices=Form.choices)
    brand = models.CharField(
        _("brand"), max_length=50, blank=True, help_text=_("e.g. 请你来协商, 协商在一线, 月月说事")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    summary = models.TextField(_("summary"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("held as the activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_sessions",
        help_text=_("A session can be held as an activity of a group."),
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

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation session")
        verbose_name_plural = _("consultation sessions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["committee", "starts_at"]),
            models.Index(fields=["committee", "is_published"]),
            # the session list's order for a reader of several committees (a city's leader): the newest first,
            # read backwards and stopped at the page's end, not every session joined and sorted (#22)
            models.Index(fields=["starts_at"], name="session_starts_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")), name="session_times_ordered"
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(state="held"), name="session_only_held_published"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="session_title_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_form(self) -> str:
        """The form, with the platform's brand for grassroots consultations (e.g. 基层协商·请你来协商)."""
        label = str(self.get_form_display())
        return f"{label}·{self.brand}" if self.brand else label


class Attendance(models.Model):
    """A member's attendance at a session, counted in duty records like an activity's."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(
        ConsultationSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="consultation_attendances"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session_id", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="consultation_attendance_unique"),
            models.CheckConstraint(
                condition=~Q(status="excused") | ~Q(reason=""), name="consultation_excused_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"


class Participant(models.Model):
    """Someone without a login at a session: a resident, a stakeholder, a department representative, a leader."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        STAKEHOLDER = "stakeholder", _("Stakeholder")
        DEPARTMENT = "department", _("Department representative")
        LEADER = "leader", _("Leader")

    session = models.ForeignKey(
        ConsultationSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(pgettext_lazy("consultation", "name"), max_length=50)
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_participants",
    )
    organisation = models.CharField(_("organisation or position"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True, help_text=_("Never shown to the public."))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["session_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="department") | Q(unit__isnull=False), name="participant_department_has_unit"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="participant_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class StageRecord(models.Model):
    """What one speaker said in one agenda stage of a session."""

    class Stage(models.TextChoices):
        BRIEFING = "briefing", _("Briefing")
        SUGGESTIONS = "suggestions", _("Suggestions")
        INTERACTION = "interaction", _("Resident interaction")
        RESPONSE = "response", _("Department response")

    STAGE_ORDER = {s: i for i, s in enumerate(Stage.values)}

    session = models.ForeignKey(
        ConsultationSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="stage_records"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    speaker = models.CharField(_("speaker"), max_length=100)
    content = models.TextField(_("what was said"))
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
        verbose_name = _("stage record")
        verbose_name_plural = _("stage records")
        ordering = ["session_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(content=""), name="stage_record_content_not_blank")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.speaker}"


def _document_path(instance: SessionDocument, filename: str) -> str:
    return f"consultations/{instance.session_id}/{timezone.now():%Y%m}/{filename}"


class SessionDocument(models.Model):
    """Minutes or evidence (photos, sign-in sheets) of a session; checked by content, not by name."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Minutes")
        EVIDENCE = "evidence", _("Evidence")

    session = models.ForeignKey(
        ConsultationSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_document_path, validators=[UploadValidator("document")])
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session document")
        verbose_name_plural = _("session documents")
        ordering = ["session_id", "-uploaded_at"]

    def __str__(self) -> str:
        return self.name


# --- Outcomes 协商成果 ----------------------------------------------------------------------------


class OutcomeQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees; conveners and members: their groups' sessions; units: outcomes handed to them."""
        scope = _scope(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        q |= Q(session__group_id__in=scope.group_ids) | Q(session__platform__host_group_id__in=scope.group_ids)
        q |= Q(unit_id__in=scope.unit_ids, state__in=Outcome.HANDED_OVER)
        return self.filter(q)

    def handed_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The outcomes a unit user may act on."""
        scope = _scope(user)
        return self.filter(unit_id__in=scope.unit_ids, state__in=Outcome.HANDED_OVER)

    def published(self) -> Self:
        """Public once published, and only as part of a session that is itself public."""
        return self.filter(state__in=Outcome.PUBLIC_STATES, session__is_published=True)

    def overdue(self, today: date | None = None) -> Self:
        today = today or timezone.localdate()
        return self.filter(state__in=Outcome.OPEN_AT_UNIT, deadline__lt=today)


HANDED_OVER = ("assigned", "handling", "replied", "reviewed", "published", "closed")


class Outcome(models.Model):
    """A concrete suggestion from a session, followed 评 → 交 → 办 → 督 → 复 → 公示 → 跟踪 → closed."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting evaluation")
        ADOPTED = "adopted", pgettext_lazy("consultation", "Adopted")
        MERGED = "merged", pgettext_lazy("consultation", "Merged")
        DECLINED = "declined", pgettext_lazy("consultation", "Declined")
        ASSIGNED = "assigned", _("Handed to a unit")
        HANDLING = "handling", _("Being handled")
        REPLIED = "replied", _("Replied")
        REVIEWED = "reviewed", _("Reply reviewed")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    HANDED_OVER = HANDED_OVER
    OPEN_AT_UNIT = ("assigned", "handling")
    PUBLIC_STATES = ("published", "closed")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="consultation_outcomes"
    )
    session = models.ForeignKey(
        ConsultationSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="outcomes"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("suggestion"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    evaluation_comment = models.TextField(_("evaluation"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("consultation", "merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_outcomes",
    )
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_outcomes",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_on_time = models.BooleanField(_("answered on time"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("linked proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_outcomes",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation outcome")
        verbose_name_plural = _("consultation outcomes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["committee", "state"]),
            models.Index(fields=["unit", "state", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=HANDED_OVER) | (Q(unit__isnull=False) & Q(deadline__isnull=False)),
                name="outcome_handed_over_has_unit_and_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(evaluation_comment=""), name="outcome_declined_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False), name="outcome_merged_has_target"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="outcome_not_merged_into_itself",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["replied", "reviewed", "published", "closed"]) | ~Q(reply=""),
                name="outcome_replied_has_reply",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state in self.OPEN_AT_UNIT and self.deadline is not None and self.deadline < today


class OutcomeEntry(models.Model):
    """A dated note on an outcome: the unit's progress 办, a supervision note 督, a follow-up 跟踪."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress")
        SUPERVISION = "supervision", _("Supervision")
        FOLLOW_UP = "follow_up", _("Follow-up")

    outcome = models.ForeignKey(Outcome, verbose_name=_("outcome"), on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("consultation", "author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome entry")
        verbose_name_plural = _("outcome entries")
        ordering = ["outcome_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="outcome_entry_text_not_blank")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d}"


class OutcomeRating(ResidentRating):
    """A resident's rating 群众评价 of how the matter they raised was handled once their message became a consultation
    topic: the topic's published outcomes, their replies and follow-up. Once per message, by tracking code, as the
    mailbox rating (``activities.MessageRating``). A dissatisfied rating stays a to-do of the committee's staff until the
    message is answered again after it.
    """

    message = models.OneToOneField(
        "activities.PublicMessage", verbose_name=_("message"), on_delete=models.CASCADE, related_name="outcome_rating"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="resident_ratings")

    class Meta(ResidentRating.Meta):
        verbose_name = _("resident's rating of a consultation outcome")
        verbose_name_plural = _("residents' ratings of consultation outcomes")
        constraints, indexes = rating_rules("outcome_rating")

    def __str__(self) -> str:
        return f"{self.topic_id} · {self.get_rating_display()}"

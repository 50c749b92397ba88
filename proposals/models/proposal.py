"""A proposal 提案 and everything its handling produces."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.pinyin import InitialsMixin, InitialsQuerySet
from core.uploads import UploadValidator
from groups.models import Party

if TYPE_CHECKING:
    from datetime import date

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from groups.models import Member


class Category(models.TextChoices):
    ECONOMY = "economy", _("Economy")
    POLITICS = "politics", _("Politics and law")
    CULTURE = "culture", _("Culture and education")
    SOCIETY = "society", _("Society and livelihood")
    ECOLOGY = "ecology", _("Ecological civilisation")
    URBAN = "urban", _("Urban development")
    AGRICULTURE = "agriculture", _("Agriculture and rural areas")


class ProposalQuerySet(InitialsQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees'; a member: own, co-signed, merged-into-own and public; a unit: assigned."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        # The member's and the unit's ways in, as one id set: a UNION of branches that each read an index
        # (``id IN (…)``), not an OR of subqueries over every proposal, which no index can serve (#22: the
        # API page's count scanned all 200,000 proposals for one member).
        ways = []
        if scope.member_id:
            mine = Proposal.objects.order_by()
            ways += [
                mine.filter(lead_proposer_id=scope.member_id).values("pk"),
                mine.filter(supervising_leader_id=scope.member_id).values("pk"),  # a key proposal's 督办领导
                CoSigner.objects.order_by()
                .filter(member_id=scope.member_id)
                .exclude(status=CoSigner.Status.DECLINED)
                .values("proposal_id"),
                mine.filter(merged_from__lead_proposer_id=scope.member_id).values("pk"),
            ]
            # The committee's public proposals stay a plain condition: most of a session, so a page in the
            # list's order finds its rows at once (as an id set it would be hashed whole on every request).
            q |= Q(is_public=True, committee_id=scope.member_committee_id, state__in=Proposal.PUBLIC_STATES)
        if scope.unit_ids:
            ways.append(
                Assignment.objects.order_by().filter(unit_id__in=scope.unit_ids, is_active=True).values("proposal_id")
            )
        if ways:
            q |= Q(pk__in=ways[0].union(*ways[1:], all=True) if len(ways) > 1 else ways[0])
        return self.filter(q)

    def reviewable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """What secretariat staff act on: their committees only."""
        from groups.access import scope_of

        scope = scope_of(user)
        return self if scope.is_superuser else self.filter(committee_id__in=scope.staff_committee_ids)

    def overdue(self, today: date | None = None) -> Self:
        today = today or timezone.localdate()
        return self.filter(state__in=Proposal.HANDLING_STATES, reply_due__lt=today)


class Proposal(InitialsMixin, models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", _("Member proposal")
        COLLECTIVE = "collective", _("Collective proposal")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        FILED = "filed", pgettext_lazy("proposal", "Filed")
        NOT_FILED = "not_filed", _("Not filed")
        MERGED = "merged", _("Merged")
        ASSIGNED = "assigned", _("Assigned")
        HANDLING = "handling", _("Being handled")
        REPLIED = "replied", _("Replied")
        RATED = "rated", _("Rated")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        NONE = "", _("None")
        REPORT = "report", _("Converted into a public-opinion report")
        LETTER = "letter", _("Forwarded as a letter")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    INITIALS_FROM = "title"
    REVIEW_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
    HANDLING_STATES = (State.ASSIGNED, State.HANDLING)
    PUBLIC_STATES = (State.FILED, State.ASSIGNED, State.HANDLING, State.REPLIED, State.RATED, State.CLOSED)
    MERGE_TARGET_STATES = PUBLIC_STATES
    # What a co-signer confirms: a change to any of these (or a new attachment) asks them again.
    CONTENT_FIELDS = (
        "title",
        "analysis",
        "suggestions",
        "category",
        "kind",
        "group_id",
        "sector_id",
        "special_committee_id",
        "party",
        "is_public",
    )

    committee = models.ForeignKey(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.PROTECT, related_name="proposals"
    )
    year = models.PositiveSmallIntegerField(_("session year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MEMBER)
    group = models.ForeignKey(
        "groups.ActivityGroup",
        verbose_name=_("submitting group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    sector = models.ForeignKey(
        "groups.Sector",
        verbose_name=_("submitting sector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    special_committee = models.ForeignKey(
        "groups.SpecialCommittee",
        verbose_name=_("submitting special committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    party = models.CharField(_("submitting party"), max_length=10, choices=Party.choices, blank=True)
    during_plenary = models.BooleanField(_("submitted during the plenary session"), default=True)
    lead_proposer = models.ForeignKey(
        "groups.Member", verbose_name=_("lead proposer"), on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(pgettext_lazy("proposal", "title"), max_length=200)
    initials = models.CharField(
        _("pinyin initials"),
        max_length=200,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("First letters of the title's pinyin, for the search (kept up to date on save)."),
    )
    analysis = models.TextField(_("analysis"), blank=True)
    suggestions = models.TextField(_("suggestions"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    serial_number = models.PositiveIntegerField(_("serial number"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Filed public proposals can be read by every member of the committee.")
    )
    not_filed_reason = models.TextField(_("reason for not filing"), blank=True)
    not_filed_ground = models.ForeignKey(
        "proposals.NotFilingGround",
        verbose_name=_("ground for not filing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    not_filed_outcome = models.CharField(_("after not filing"), max_length=10, choices=Outcome.choices, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    lead_unit = models.ForeignKey(
        "groups.HandlingUnit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_proposals",
    )
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    feedback_due = models.DateField(_("feedback due"), null=True, blank=True)
    result_code = models.CharField(_("result code"), max_length=5, blank=True)
    replied_on_time = models.BooleanField(_("first reply on time"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    first_rating = models.CharField(_("first-round rating"), max_length=12, choices=Rating.choices, blank=True)
    is_key = models.BooleanField(_("key proposal"), default=False)
    supervising_leader = models.ForeignKey(
        "groups.Member",
        verbose_name=_("supervising leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_proposals",
    )
    is_excellent = models.BooleanField(
        _("excellent proposal"),
        default=False,
        help_text=_("Rated an excellent proposal 优秀提案 by the proposal committee."),
    )
    excellent_marked_at = models.DateTimeField(_("marked excellent at"), null=True, blank=True)
    excellent_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked excellent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_cosigners = models.PositiveIntegerField(
        _("confirmed co-signers"),
        default=0,
        editable=False,
        help_text=_(
            "Counted by the database from the co-signers' answers; the authors are these and the lead proposer."
        ),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    # 从群众呼声到提案: the resident's message or the member's contact a draft was drawn from. Kept here (proposals
    # may import activities and groups, not the other way); the resident's tracking page reads it back as ``message.proposals``.
    source_message = models.ForeignKey(
        "activities.PublicMessage",
        verbose_name=_("drawn from the resident's message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    source_contact = models.ForeignKey(
        "groups.ConstituentContact",
        verbose_name=_("drawn from the contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    source_lead = models.ForeignKey(
        "activities.Lead",
        verbose_name=_("drawn from the lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-year", "serial_number", "-id"]
        indexes = [
            # A committee's year by state; the figures page counts the year's proposals from this index alone
            # (PostgreSQL's index-only scan: every column the figures read is here), not from the wide rows (#22).
            models.Index(
                fields=["committee", "year", "state"],
                include=[
                    "lead_unit",
                    "category",
                    "result_code",
                    "filed_at",
                    "replied_on_time",
                    "rating",
                    "first_rating",
                    "implemented_on",
                    "reply_due",
                ],
                name="proposal_figures",
            ),
            models.Index(fields=["lead_unit", "state"]),
            # A unit's year in the list's order (the unit sheet's rows behind a figure, ``?figure=``): the first page
            # read in order and the count from the index alone (its figures' columns included), instead of every
            # proposal of the unit in the committee fetched and sorted (#22: 13.8 + 7.6 ms -> 0.1 + 0.3 at 50k).
            models.Index(
                fields=["lead_unit", "committee", "year", "serial_number", "id"],
                include=["state", "replied_on_time", "rating", "implemented_on", "reply_due"],
                name="proposal_unit_year",
            ),
            models.Index(fields=["state", "reply_due"]),
            # "Overdue now" of a committee's year (the figures page, its workbook, the leaders' home): it moves with
            # the date, so it is not kept; counted from the index alone over the overdue entries only, by cell
            # (#22: from ``proposal_figures`` it read every proposal in handling of the year, 20–60 ms at 50k).
            models.Index(
                fields=["committee", "year", "reply_due"],
                include=["lead_unit", "category"],
                condition=Q(state__in=["assigned", "handling"]),
                name="proposal_overdue",
            ),
            # The overdue list in its order (reply deadline) reads its first page here, and counts from the index
            # alone, instead of joining and sorting every proposal in handling.
            models.Index(
                fields=["reply_due", "id"],
                include=["committee"],
                condition=Q(state__in=["assigned", "handling"]),
                name="proposal_handling_by_due",
            ),
            # The review queue in its order (oldest submitted first) reads its first page here, and counts from the
            # index alone, instead of sorting every proposal waiting for review (#22: 14,000 at 50k, 130 + 90 ms).
            models.Index(
                fields=["submitted_at", "id"],
                include=["committee"],
                condition=Q(state__in=["submitted", "under_review"]),
                name="proposal_review_queue",
            ),
            # The workbench's replies awaiting the proposer's rating, listed in its order (rating deadline, the
            # undated last) and counted from the index alone, instead of read from the heap (#22: 14,000 at 50k).
            models.Index(
                fields=["feedback_due", "id"],
                include=["committee"],
                condition=Q(state="replied"),
                name="proposal_awaiting_rating",
            ),
            # The proposals never compared for duplicates (``proposals.similarity.NOT_COMPARED``): the review queue's
            # hints leave out those whose similar proposal is here, checked in this small index alone instead of
            # reading each similar proposal's row (#22: 50 rows x 20 hints, 1,000 reads of the wide rows, 6-20 ms).
            models.Index(
                fields=["id"], condition=Q(state__in=["draft", "merged", "not_filed"]), name="proposal_not_compared"
            ),
            # Lists in the default order (admin) read the first rows here instead of sorting them all.
            models.Index(fields=["-year", "serial_number", "-id"], name="proposal_default_order"),
            # A committee's proposals newest first (the proposal picker of a consultation outcome, a committee's
            # list): the first rows read here, not every proposal of the committee sorted (#22: 66,000 at 50k, 180 ms).
            models.Index(fields=["committee", "-year", "-serial_number", "-id"], name="proposal_committee_order"),
            # The few key and excellent proposals of a committee, for duty records and the roll-up.
            models.Index(fields=["committee"], condition=Q(is_key=True), name="proposal_key_by_committee"),
            models.Index(fields=["committee"], condition=Q(is_excellent=True), name="proposal_excellent_committee"),
            # A committee's proposals submitted / filed in a period, with what the duty events read of
            # them (PostgreSQL reads the index alone): the roll-up's proposal sources, 40 → 8 ms.
            models.Index(
                fields=["committee", "submitted_at"],
                include=["id", "lead_proposer", "confirmed_cosigners"],
                name="proposal_submitted_in_period",
            ),
            models.Index(
                fields=["committee", "filed_at"],
                include=["id", "lead_proposer", "confirmed_cosigners", "submitted_at"],
                name="proposal_filed_in_period",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "serial_number"],
                condition=Q(serial_number__isnull=False),
                name="proposal_unique_serial",
                violation_error_message=_("This serial number is already used in this year."),
            ),
            models.CheckConstraint(
                condition=~Q(state="not_filed") | ~Q(not_filed_reason=""), name="proposal_not_filed_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False), name="proposal_merged_has_target"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="proposal_title_not_blank"),
            models.CheckConstraint(
                condition=Q(is_excellent=False) | Q(excellent_marked_at__isnull=False),
                name="proposal_excellent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_display} {self.title}"

    @property
    def number_display(self) -> str:
        return f"第{self.serial_number}号" if self.serial_number else ""

    @property
    def number_with_year(self) -> str:
        """The number with its year (2026年第58号): numbers restart every year, so lists that mix years show this."""
        return f"{self.year}年第{self.serial_number}号" if self.serial_number else ""

    def content_version(self) -> dict:
        """The values a co-signer endorses, to compare before and after an edit."""
        return {f: getattr(self, f) for f in self.CONTENT_FIELDS}

    def content_digest(self) -> str:
        """A short fingerprint of the content and attachments: a co-signer's answer names the version they read."""
        attachments = sorted(a.pk for a in self.attachments.all())
        raw = json.dumps([self.content_version(), attachments], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def submitter_display(self) -> str:
        if self.kind == self.Kind.COLLECTIVE:
            body = self.group or self.sector or self.special_committee or self.get_party_display()
            return str(body)
        return self.lead_proposer.name


class Invitation(models.Model):
    """A member asked to put their name to someone else's text (a proposal's co-signer, a report's co-author):
    invited, then confirmed, declined or lapsed at the deadline. Each kind adds what it is about and the member."""

    class Status(models.TextChoices):
        INVITED = "invited", pgettext_lazy("proposal", "Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    deadline = models.DateField(_("confirm by"))
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    member: Member  # each kind's own foreign key

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"


class CoSigner(Invitation):
    """A co-signer 联名 of a member proposal, invited by the lead proposer and confirming before submission."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="cosigners"
    )
    member = models.ForeignKey(
        "groups.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="cosigned"
    )

    class Meta:
        verbose_name = _("co-signer")
        verbose_name_plural = _("co-signers")
        constraints = [models.UniqueConstraint(fields=["proposal", "member"], name="cosigner_unique")]
        indexes = [models.Index(fields=["member", "status"])]


class Attachment(models.Model):
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to="proposals/attachments/%Y/", validators=[UploadValidator("attachment")]
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name or self.file.name or ""


def _open_first() -> tuple[models.Case, models.F, models.OrderBy]:
    """The order of a unit's assignments: those whose proposal is still in handling first, by due date, the latest
    assigned first on a day (by the state kept beside the assignment, ``Assignment.proposal_state``)."""
    still_open = models.Case(
        models.When(proposal_state__in=Proposal.HANDLING_STATES, then=models.Value(0)), default=models.Value(1)
    )
    return (still_open, models.F("due_date"), models.F("id").desc())


class Assignment(models.Model):
    """A proposal handed to a unit 交办: one lead 主办 and any co-handlers 会办."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        CO = "co", _("Co-handling unit")

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "groups.HandlingUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    assigned_on = models.DateField(_("assigned on"))
    due_date = models.DateField(_("due date"))
    reassign_until = models.DateField(_("reassignment possible until"))
    is_active = models.BooleanField(_("active"), default=True)
    reassignment_reason = models.TextField(_("reason for reassignment"), blank=True)
    reassignment_requested_at = models.DateTimeField(_("reassignment requested at"), null=True, blank=True)
    # the proposal's state beside the assignment, so a unit's pages order and count its assignments without joining
    # every one to its proposal (#22); kept by the database's triggers (proposals 0030), read only
    proposal_state = models.CharField(
        _("proposal state"),
        max_length=12,
        default="",
        db_default="",
        editable=False,
        help_text=_("Kept by the database from the assignment's proposal."),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["proposal_id", "role", "id"]
        indexes = [
            # a unit's open assignments counted (its card)
            models.Index(fields=["unit", "is_active", "proposal_state", "due_date"], name="assignment_unit_state"),
            # a unit's assignments in the order of its pages (``open_first``): a page is the index's first rows
            models.Index(models.F("unit"), models.F("is_active"), *_open_first(), name="assignment_unit_order"),
            # the few returned assignments awaiting reassignment (the workbench's returns): they were found among
            # every inactive assignment of every unit (387 pages, 3-7 ms at 50k)
            models.Index(
                fields=["proposal"],
                condition=Q(is_active=False, reassignment_requested_at__isnull=False),
                name="assignment_returned",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(role="lead", is_active=True), name="assignment_one_active_lead"
            ),
            models.UniqueConstraint(
                fields=["proposal", "unit"], condition=Q(is_active=True), name="assignment_unit_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()}"

    @staticmethod
    def open_first() -> tuple[models.Case, models.F, models.OrderBy]:
        """``order_by(*Assignment.open_first())``: the order the index ``assignment_unit_order`` holds."""
        return _open_first()


class ContactRecord(models.Model):
    """The unit's contact with the proposer 沟通记录."""

    class Way(models.TextChoices):
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        PHONE = "phone", _("Phone")
        OTHER = "other", _("Other")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="contacts"
    )
    date = models.DateField(_("date"))
    way = models.CharField(_("way"), max_length=10, choices=Way.choices)
    with_whom = models.CharField(_("with whom"), max_length=100)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_way_display()} {self.with_whom}"


class Reply(models.Model):
    """The lead unit's answer 答复 in one round: text, signed PDF, result code."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey(
        "groups.HandlingUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="replies"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    text = models.TextField(_("reply"))
    signed_pdf = models.FileField(
        _("signed PDF"), upload_to="proposals/replies/%Y/", validators=[UploadValidator("pdf")]
    )
    result_code = models.CharField(_("result code"), max_length=5)
    replied_on = models.DateField(_("replied on"))
    on_time = models.BooleanField(_("on time"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("replied by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["proposal_id", "round"]
        constraints = [models.UniqueConstraint(fields=["proposal", "round"], name="reply_one_per_round")]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.round} · {self.result_code}"


class CoHandlerOpinion(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="opinions"
    )
    text = models.TextField(_("opinion"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("co-handler opinion")
        verbose_name_plural = _("co-handler opinions")

    def __str__(self) -> str:
        return str(self.assignment)


class Feedback(models.Model):
    """The lead proposer's rating 反馈 of one round's reply."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="feedback"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    rating = models.CharField(_("rating"), max_length=12, choices=Proposal.Rating.choices)
    comment = models.TextField(pgettext_lazy("proposal", "comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["proposal_id", "round"]
        constraints = [models.UniqueConstraint(fields=["proposal", "round"], name="feedback_one_per_round")]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.get_rating_display()}"


class ImplementationEntry(models.Model):
    """Progress after closing 落实, until staff mark the proposal implemented."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="implementation"
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    completes = models.BooleanField(_("marks it implemented"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("implementation entry")
        verbose_name_plural = _("implementation entries")
        ordering = ["proposal_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.text[:30]}"


class SupervisionNote(models.Model):
    """A supervising leader's note on a key proposal 重点提案督办."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="supervision_notes"
    )
    date = models.DateField(_("date"))
    text = models.TextField(pgettext_lazy("proposal", "note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("supervision note")
        verbose_name_plural = _("supervision notes")
        ordering = ["proposal_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.text[:30]}"


class DuplicateHint(models.Model):
    """Two proposals of one session whose titles look alike (character-bigram Jaccard ≥ the hint threshold),
    kept in both directions when a proposal is submitted (``proposals.similarity``): the review queue reads
    a page's hints through the index on ``proposal`` instead of comparing every title on each request."""

    # No index of its own: ``duplicate_hint_by_score`` and the unique pair both begin with it.
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="duplicate_hints", db_index=False
    )
    similar = models.ForeignKey(
        Proposal, verbose_name=_("similar proposal"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("similarity"))

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "similar"], name="duplicate_hint_unique_pair"),
            models.CheckConstraint(condition=~Q(proposal=models.F("similar")), name="duplicate_hint_not_itself"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="duplicate_hint_score_range"),
        ]
        # A proposal's hints best first, with the similar proposal: the queue's best score is the first hint whose
        # similar proposal is compared (one or two entries read, not all 20 sorted; #22: sorting the queue by
        # similarity computes it for every proposal waiting, 14,000 at 50k), and its count reads this index alone.
        indexes = [
            models.Index(fields=["proposal", "-score"], include=["similar"], name="duplicate_hint_by_score"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} ~ {self.similar_id} ({self.score:.0%})"

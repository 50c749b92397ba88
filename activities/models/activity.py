"""Activities 履职活动, attendance 出勤, evidence 留痕 and annual plans 年度计划 of the groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.pinyin import InitialsMixin, InitialsQuerySet
from core.uploads import UploadValidator
from groups.models.organisation import (
    ActivityGroup,
    Committee,
    ContactPoint,
    GroupMembership,
    Member,
    Platform,
    SpecialCommittee,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ActivityKind(models.TextChoices):
    STUDY = "study", _("Study")
    INSPECTION = "inspection", _("Inspection")
    RESEARCH = "research", _("Research")
    CONSULTATION = "consultation", _("Consultation")
    SUPERVISION = "supervision", _("Democratic supervision")
    SERVICE = "service", _("Social service")
    RECEPTION = "reception", _("Member reception day")
    VISIT = "visit", _("Visits")
    THREE_ENTERS = "three_enters", _("Three enters")


class EnterTarget(models.TextChoices):
    """Where a 三进 activity goes; the contact point must be of the matching kind."""

    COMMUNITY = "community", _("Into a community")
    PARK = "park", _("Into an industrial park")
    VILLAGE = "village", _("Into a village")


class ActivityOpenTo(models.TextChoices):
    """Who may sign up 申报 for an activity besides those invited (seed 001: 双向选择; 本级政协委员和住地市政协委员混合编组)."""

    GROUP = "group", _("Its group only, by invitation")
    GROUPS = "groups", _("Members of the groups named")
    COMMITTEE = "committee", _("Every member of the committee")
    COMMITTEE_AND_CITY = "committee_city", _("The committee and city members living in the district")


class SixItem(models.TextChoices):
    """The six things 六个一 a group should do each year (seed 001)."""

    RESEARCH_FORUM = "research_forum", _("Hold a research forum")
    WINDOW_UNIT = "window_unit", _("Keep in touch with a window unit")
    SUGGESTIONS = "suggestions", _("Report a batch of valuable suggestions")
    MEDIATION = "mediation", _("Take part in resolving a dispute")
    CONSULTATION = "consultation", _("Hold a consultation")
    AID = "aid", _("Pair up with households in need")


class ActivitySettings(models.Model):
    """A committee's rules for activities: the sign-in window and what filing in the ledger needs."""

    committee = models.OneToOneField(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="activity_settings"
    )
    sign_in_opens_minutes = models.PositiveIntegerField(_("sign-in opens (minutes before the start)"), default=60)
    sign_in_closes_minutes = models.PositiveIntegerField(_("sign-in closes (minutes after the start)"), default=120)
    min_photos = models.PositiveSmallIntegerField(_("photos required to file"), default=1)
    min_documents = models.PositiveSmallIntegerField(_("documents required to file"), default=0)
    require_complete_attendance = models.BooleanField(
        _("attendance must be complete to file"),
        default=True,
        help_text=_("Every invited member is marked present, excused or absent."),
    )
    contacts_count_for_coverage = models.BooleanField(
        _("contacts at a contact point count for coverage"),
        default=True,
        help_text=_(
            "A member who recorded a contact with people at a contact point counts as having reached it "
            "in the three enters coverage."
        ),
    )
    contact_edit_days = models.PositiveSmallIntegerField(
        _("days the author may change a contact"),
        default=7,
        help_text=_("After recording a contact, its author may correct or delete it for this many days."),
    )
    quarter_locks_after_days = models.PositiveSmallIntegerField(
        _("days after a quarter ends until it is locked"),
        default=10,
        help_text=_("Contacts of a quarter can no longer be changed by their authors after this many days."),
    )

    class Meta:
        db_table = "groups_activitysettings"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("activity rules")
        verbose_name_plural = _("activity rules")

    def __str__(self) -> str:
        return str(self.committee)

    DEFAULTS = {
        "sign_in_opens_minutes": 60,
        "sign_in_closes_minutes": 120,
        "min_photos": 1,
        "min_documents": 0,
        "require_complete_attendance": True,
        "contacts_count_for_coverage": True,
        "contact_edit_days": 7,
        "quarter_locks_after_days": 10,
    }

    @classmethod
    def for_committee(cls, committee_id: int) -> ActivitySettings:
        """The committee's rules, or the defaults when it has none yet (not saved)."""
        return cls.for_committees([committee_id])[committee_id]

    @classmethod
    def for_committees(cls, committee_ids: Iterable[int]) -> dict[int, ActivitySettings]:
        """``for_committee`` of each committee, in one query (a list's rows from several committees)."""
        ids = set(committee_ids)
        found = {row.committee_id: row for row in cls.objects.filter(committee_id__in=ids)}
        return {pk: found.get(pk) or cls(committee_id=pk, **cls.DEFAULTS) for pk in ids}


class AnnualPlanQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(group__in=ActivityGroup.objects.visible_to(user))

    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(group__in=ActivityGroup.objects.editable_by(user))


class AnnualPlan(models.Model):
    """A group's plan for a year 年度计划: 安排到季度、分解到月、明确到人."""

    group = models.ForeignKey(ActivityGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AnnualPlanQuerySet.as_manager()

    class Meta:
        db_table = "groups_annualplan"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["group_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year"],
                name="plan_one_per_group_year",
                violation_error_message=_("This group already has a plan for that year."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(group)s plan for %(year)s") % {"group": self.group, "year": self.year}


class PlanItemQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(plan__group__in=ActivityGroup.objects.visible_to(user))


class PlanItem(models.Model):
    """One planned activity: its quarter and month, type, contact point and responsible members."""

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items")
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, q) for q in range(1, 5)])
    month = models.PositiveSmallIntegerField(_("month"), choices=[(m, m) for m in range(1, 13)])
    kind = models.CharField(_("type"), max_length=15, choices=ActivityKind.choices)
    target = models.CharField(_("three enters target"), max_length=10, choices=EnterTarget.choices, blank=True)
    six_item = models.CharField(_("six-ones item"), max_length=15, choices=SixItem.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    responsible = models.ManyToManyField(
        Member, verbose_name=_("responsible members"), blank=True, related_name="plan_items"
    )

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        db_table = "groups_planitem"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan_id", "month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=(models.F("quarter") - 1) * 3 + 1, month__lte=models.F("quarter") * 3),
                name="plan_item_month_in_quarter",
                violation_error_message=_("The month is not in that quarter."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month}月 · {self.title}"


def joinable_q(*, committee_id: int | None, group_ids: Iterable[int], home_district_id: int | None) -> Q:
    """The activities a member of ``committee_id`` (in ``group_ids``, living in ``home_district_id``) may sign up
    for: open to their whole committee, to one of their groups, or to city members living in the district."""
    if committee_id is None:
        return Q(pk__in=[])
    open_to = ActivityOpenTo
    q = Q(committee_id=committee_id, open_to__in=[open_to.COMMITTEE, open_to.COMMITTEE_AND_CITY])
    group_ids = list(group_ids)
    if group_ids:
        named = Activity.open_groups.through.objects.filter(activitygroup_id__in=group_ids).values("activity_id")
        q |= Q(committee_id=committee_id, open_to=open_to.GROUPS) & (Q(group_id__in=group_ids) | Q(pk__in=named))
    if home_district_id:
        q |= Q(committee_id=home_district_id, committee__parent_id=committee_id, open_to=open_to.COMMITTEE_AND_CITY)
    return q


def joinable_ways(
    *, committee_id: int | None, group_ids: Iterable[int], home_district_id: int | None
) -> list[models.QuerySet[Any, Any]]:
    """``joinable_q`` as id sets for a UNION, each read through an index (``activity_open_beyond_group``, the
    groups' named activities)."""
    if committee_id is None:
        return []
    open_to, rows = ActivityOpenTo, Activity.objects.order_by()
    ways: list[models.QuerySet[Any, Any]] = [
        rows.filter(committee_id=committee_id, open_to__in=[open_to.COMMITTEE, open_to.COMMITTEE_AND_CITY]).values("pk")
    ]
    group_ids = list(group_ids)
    if group_ids:
        ways.append(rows.filter(committee_id=committee_id, open_to=open_to.GROUPS, group_id__in=group_ids).values("pk"))
        ways.append(
            Activity.open_groups.through.objects.order_by()
            .filter(
                activitygroup_id__in=group_ids, activity__committee_id=committee_id, activity__open_to=open_to.GROUPS
            )
            .values("activity_id")
        )
    if home_district_id:
        ways.append(
            rows.filter(
                committee_id=home_district_id, committee__parent_id=committee_id, open_to=open_to.COMMITTEE_AND_CITY
            ).values("pk")
        )
    return ways


class ActivityQuerySet(InitialsQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees; conveners and members: their groups' or invited activities."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        committees = scope.staff_committee_ids | scope.leader_committee_ids
        # A convener's and a member's ways in, as one id set: a UNION of branches that each read an index, not an
        # OR over every activity (a member's page in date order otherwise filtered 460,000 rows at 50k members
        # to find the hundred they may see). The committees of staff and leaders stay a plain condition: most
        # rows in the list's order are theirs.
        activities = Activity.objects.order_by()
        ways: list[models.QuerySet[Any, Any]] = []
        if scope.convened_group_ids:
            ways.append(activities.filter(group_id__in=scope.convened_group_ids).values("pk"))
        if scope.member_id:
            ways.append(Attendance.objects.order_by().filter(member_id=scope.member_id).values("activity_id"))
            ways += joinable_ways(
                committee_id=scope.member_committee_id,
                group_ids=scope.group_ids,
                home_district_id=scope.member_home_district_id,
            )
        union = Q(pk__in=ways[0].union(*ways[1:], all=True) if len(ways) > 1 else ways[0]) if ways else None
        if not committees:
            return self.filter(union) if union is not None else self.none()
        q = Q(committee_id__in=committees)
        return self.filter(q | union if union is not None else q)

    def joinable_by(self, member: Member) -> Self:
        """Activities whose sign-up is open to ``member`` by their scope (whatever the state or deadline)."""
        group_ids = GroupMembership.objects.active().filter(member_id=member.pk).values_list("group_id", flat=True)
        return self.filter(
            joinable_q(
                committee_id=member.committee_id, group_ids=list(group_ids), home_district_id=member.home_district_id
            )
        )

    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff of the committee, or a convener or deputy of the organising group."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(Q(committee_id__in=scope.staff_committee_ids) | Q(group_id__in=scope.convened_group_ids))

    def counted(self) -> Self:
        """Activities that took place: held, or held and filed in the ledger."""
        return self.filter(state__in=[Activity.State.HELD, Activity.State.FILED])


class Activity(InitialsMixin, models.Model):
    """A duty activity 履职活动 organised by a group, a committee, a special committee or a platform."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ANNOUNCED = "announced", _("Announced")
        HELD = "held", _("Held")
        FILED = "filed", _("Filed")
        CANCELLED = "cancelled", _("Cancelled")

    Kind = ActivityKind
    OpenTo = ActivityOpenTo
    INITIALS_FROM = "title"
    Target = EnterTarget
    SixItem = SixItem

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="activities"
    )
    group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("organising group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    special_committee = models.ForeignKey(
        SpecialCommittee,
        verbose_name=_("organising special committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("type"), max_length=15, choices=ActivityKind.choices)
    target = models.CharField(_("three enters target"), max_length=10, choices=EnterTarget.choices, blank=True)
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    six_item = models.CharField(_("six-ones item"), max_length=15, choices=SixItem.choices, blank=True)
    plan_item = models.ForeignKey(
        PlanItem,
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=200)
    initials = models.CharField(
        _("pinyin initials"),
        max_length=200,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("First letters of the title's pinyin, for the search (kept up to date on save)."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.TextField(_("summary and minutes"), blank=True)
    suggestions = models.TextField(_("suggestions gathered"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    has_evidence = models.BooleanField(
        _("has evidence"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("Kept by the database from the activity's evidence (photos, minutes)."),
    )
    # The ledger's and the API's three per-activity figures (``selectors.activities.attendance_figure_q``: every
    # invitation, the present; and the evidence rows), kept by the database from the rows (activities 0009) so a
    # list of activities reads them with the activity instead of counting each activity's rows per request.
    invited_count = models.PositiveIntegerField(_("invited"), default=0, db_default=0, editable=False)
    present_count = models.PositiveIntegerField(_("present"), default=0, db_default=0, editable=False)
    evidence_count = models.PositiveIntegerField(_("evidence"), default=0, db_default=0, editable=False)
    open_to = models.CharField(
        _("open to"),
        max_length=15,
        choices=ActivityOpenTo.choices,
        default=ActivityOpenTo.GROUP,
        db_default=ActivityOpenTo.GROUP,
    )  # bulk loaders omit it
    open_groups = models.ManyToManyField(
        ActivityGroup, verbose_name=_("groups it is open to"), blank=True, related_name="open_activities"
    )
    capacity = models.PositiveSmallIntegerField(
        _("places"),
        null=True,
        blank=True,
        help_text=_("The most members on the list, invited ones included; blank: no limit."),
    )
    signup_deadline = models.DateTimeField(
        _("sign-up deadline"),
        null=True,
        blank=True,
        help_text=_("Blank: members may sign up until the activity starts."),
    )
    topic = models.ForeignKey(
        "groups.Expertise",
        verbose_name=_("activity topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        help_text=_("The area of expertise the activity needs; members who declared it are suggested."),
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every change, to detect conflicting edits.")
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

    objects = ActivityQuerySet.as_manager()

    class Meta:
        db_table = "groups_activity"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["committee", "starts_at"]),
            # A group's activities in a period; the coverage page counts its page of groups' held, three-enters and
            # six-ones activities from this index alone (#22: from the rows, 10,000 heap reads a page at 50k).
            models.Index(
                fields=["group", "starts_at"], include=["state", "kind", "six_item"], name="activity_group_start"
            ),
            models.Index(fields=["kind", "state", "starts_at"]),
            # Lists in the default order (ledger, admin) read the latest rows here instead of sorting them all.
            models.Index(fields=["-starts_at", "-id"], name="activity_latest_first"),
            # counts per committee, state and period (the assessment dashboard's filed activities per group) read
            # from the index alone
            models.Index(
                fields=["committee", "state", "starts_at"], include=["group"], name="activity_committee_state_start"
            ),
            # the few activities open beyond their own group (a member's visibility reads them per committee)
            models.Index(
                fields=["committee", "open_to"], condition=~Q(open_to="group"), name="activity_open_beyond_group"
            ),
            # the counted 三进 activities with their start, read from a small index instead of the big table: the
            # coverage cells' recount (activities.coverage) and a group's last 三进 (#22)
            models.Index(
                fields=["id"],
                include=["starts_at"],
                condition=Q(kind="three_enters", state__in=["held", "filed"]),
                name="activity_counted_three_enters",
            ),
            # the workbench's activities to file (held, or filed without evidence) of a period, counted from the
            # index alone: it holds them and nothing else, the filed ones with evidence (a city's ledger) are not in
            # it (``has_evidence``, kept by the database: #22, 71,749 filed activities each probed for evidence)
            models.Index(
                fields=["committee", "starts_at"],
                include=["id", "state"],
                condition=Q(state="held") | Q(state="filed", has_evidence=False),
                name="activity_to_file",
            ),
            # the newest research and inspection activities not cancelled (what a topic links as its research,
            # ``consultations.pickers.research_activities``) with what the topic board lists of them, from the index
            # alone: the board's 300 newest were found among all kinds in ``activity_latest_first`` (1,675 table
            # pages, 6-11 ms at 50k; 0.2 ms here)
            models.Index(
                fields=["-starts_at", "-id"],
                include=["committee", "title"],
                condition=Q(kind__in=["research", "inspection"]) & ~Q(state="cancelled"),
                name="activity_research_latest",
            ),
            # the open activities (planned, announced: a month's worth) of a committee with their ids, from the
            # index alone: the workbench's leave requests waiting join them
            models.Index(
                fields=["committee"],
                include=["id"],
                condition=Q(state__in=["planned", "announced"]),
                name="activity_open_state",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="activity_dates_ordered",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="three_enters") & ~Q(target="")) | (~Q(kind="three_enters") & Q(target="")),
                name="activity_target_iff_three_enters",
                violation_error_message=_("A three enters activity needs a target, and only it has one."),
            ),
            models.CheckConstraint(condition=Q(open_to__in=ActivityOpenTo.values), name="activity_open_to_known"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="activity_capacity_positive",
                violation_error_message=_("An activity has at least one place."),
            ),
            models.CheckConstraint(
                condition=Q(group__isnull=True, special_committee__isnull=True, platform__isnull=True)
                | Q(group__isnull=False, special_committee__isnull=True, platform__isnull=True)
                | Q(group__isnull=True, special_committee__isnull=False, platform__isnull=True)
                | Q(group__isnull=True, special_committee__isnull=True, platform__isnull=False),
                name="activity_one_organiser",
                violation_error_message=_("An activity has one organiser."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organiser(self) -> ActivityGroup | SpecialCommittee | Platform | Committee:
        return self.group or self.special_committee or self.platform or self.committee

    @property
    def is_editable(self) -> bool:
        return self.state in (self.State.PLANNED, self.State.ANNOUNCED, self.State.HELD)

    @property
    def takes_invitations(self) -> bool:
        """Members may still be invited (``activity_invite``): before the activity is held."""
        return self.state in (self.State.PLANNED, self.State.ANNOUNCED)

    @property
    def is_open(self) -> bool:
        """Open to sign-up 开放报名 beyond its invitations."""
        return self.open_to != ActivityOpenTo.GROUP

    @property
    def signup_closes_at(self) -> datetime:
        """When sign-up and withdrawing close: the deadline, or the start when none is set."""
        return self.signup_deadline or self.starts_at


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(activity__in=Activity.objects.visible_to(user))


class Attendance(models.Model):
    """One invited member at one activity: present, excused or absent, and how they signed in."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Not recorded")
        PRESENT = "present", _("Present")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    class Leave(models.TextChoices):
        NONE = "", _("No leave asked")
        REQUESTED = "requested", _("Leave requested")
        APPROVED = "approved", _("Leave approved")
        REFUSED = "refused", _("Leave refused")

    class Method(models.TextChoices):
        ON_SITE = "on_site", _("Signed in on site")
        CONVENER = "convener", _("Recorded by the convener")
        CORRECTION = "correction", _("Corrected by the convener")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.INVITED)
    leave = models.CharField(_("leave"), max_length=10, choices=Leave.choices, blank=True, default="")
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)
    leave_requested_at = models.DateTimeField(_("leave asked at"), null=True, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leave decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    sign_in_method = models.CharField(_("sign-in method"), max_length=10, choices=Method.choices, blank=True)
    signed_up_at = models.DateTimeField(
        _("signed up at"),
        null=True,
        blank=True,
        help_text=_("Set when the member signed up themselves rather than being invited."),
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        db_table = "groups_attendance"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["activity_id", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                name="attendance_one_per_member",
                violation_error_message=_("This member is already invited."),
            ),
            models.CheckConstraint(
                condition=~Q(status="excused") | ~Q(leave_reason=""),
                name="attendance_excused_has_reason",
                violation_error_message=_("An excused absence needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status="present") | Q(signed_in_at__isnull=False), name="attendance_present_has_time"
            ),
        ]
        indexes = [
            # With the activity: a member's attendance of a status gives its activities from the index alone (the
            # group dashboard's last 三进 of each member probed ~80 present rows per member in the table, #22).
            models.Index(fields=["member", "status"], include=["activity"], name="attendance_member_status"),
            # The roll-up's sign-up events (a few rows): found through this instead of a scan of all attendance.
            models.Index(fields=["activity"], condition=Q(signed_up_at__isnull=False), name="attendance_signed_up"),
            # The workbench's leave requests waiting (a few rows): read here, not among all attendance. With the
            # member: a group's requests but the convener's own are counted from the index alone (#22: the group
            # dashboard read 6,248 table pages for the 8,082 waiting at 50k to leave the convener's out).
            models.Index(
                fields=["activity"],
                include=["member"],
                condition=Q(leave="requested"),
                name="attendance_leave_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.member}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(activity__in=Activity.objects.visible_to(user))


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.activity_id}/{filename}"


class Evidence(models.Model):
    """A photo or document 留痕 kept with an activity; the type is checked by content on upload."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(
        _("file"), upload_to=evidence_path, max_length=300, validators=[UploadValidator("evidence")]
    )
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=evidence_path, max_length=300, blank=True, validators=[UploadValidator("thumbnail")]
    )
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original name"), max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        db_table = "groups_evidence"  # the table groups made (the model moved, its rows stayed)
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["activity_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

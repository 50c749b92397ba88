"""The organisation: committees, their members, sectors, groups, contact points, platforms, units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from simple_history.models import HistoricalRecords

from core.ordinals import session_label, term_label
from core.pinyin import InitialsMixin, InitialsQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

PHONE_REGEX = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
phone_validator = RegexValidator(
    PHONE_REGEX, _("Enter a mobile number of 11 digits or a landline such as 0551-12345678.")
)


class ScopedQuerySet(models.QuerySet):
    """Reference data of a committee: visible to anyone who belongs to that committee."""

    committee_field = "committee_id"

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(**{f"{self.committee_field}__in": scope.committee_ids})

    def administered_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """What secretariat staff may change: their committees (a city's staff: its districts too)."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(**{f"{self.committee_field}__in": scope.staff_committee_ids})


class CommitteeQuerySet(ScopedQuerySet):
    committee_field = "pk"


class Committee(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class UsernameRule(models.TextChoices):
        PHONE = "phone", _("Mobile phone number")
        PINYIN = "pinyin", _("Full name in pinyin")

    login_username_rule = models.CharField(
        _("username of new member logins"),
        max_length=10,
        choices=UsernameRule.choices,
        blank=True,
        help_text=_("How logins created for members in bulk are named; blank: the portal's setting."),
    )
    history = HistoricalRecords()

    objects = CommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = [models.F("parent_id").asc(nulls_first=True), "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="committee_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """A term 届 of a committee (five years)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("term number"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current term"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["committee_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="term_unique_number"),
            models.UniqueConstraint(fields=["committee"], condition=Q(is_current=True), name="term_one_current"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="term_dates_ordered"),
        ]

    def __str__(self) -> str:
        return pgettext("term of a committee", "%(committee)s, %(term)s") % {
            "committee": self.committee,
            "term": term_label(self.number),
        }


MAX_SESSION_HALF_DAYS = 20


class PlenarySessionQuerySet(ScopedQuerySet):
    committee_field = "term__committee_id"


class PlenarySession(models.Model):
    """An annual plenary session 次会议 of a term."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session number"))
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    half_days = models.PositiveSmallIntegerField(
        _("half-day sittings"),
        default=4,
        help_text=_("How many half-days the session sits; attendance is recorded in half-days."),
    )
    history = HistoricalRecords()

    objects = PlenarySessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("plenary session")
        verbose_name_plural = _("plenary sessions")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="session_unique_number"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="session_dates_ordered"),
            models.CheckConstraint(
                condition=Q(half_days__gte=1, half_days__lte=MAX_SESSION_HALF_DAYS),
                name="session_half_days_range",
                violation_error_message=_("A plenary session sits between 1 and 20 half-days."),
            ),
        ]

    def __str__(self) -> str:
        return pgettext("plenary session", "%(committee)s, %(session)s (%(year)s)") % {
            "committee": self.term.committee,
            "session": session_label(self.term.number, self.number),
            "year": self.year,
        }

    def clean(self) -> None:
        if self.start_date and self.end_date and self.half_days:
            days = (self.end_date - self.start_date).days + 1
            if days > 0 and self.half_days > 2 * days:
                raise ValidationError(
                    {
                        "half_days": _("A session of %(days)s days has at most %(n)s half-days.")
                        % {"days": days, "n": 2 * days}
                    }
                )
        if self.pk and self.half_days:
            # ``attendances``: the rows of ``plenary.PlenaryAttendance`` (the app above; read through the relation)
            most = self.attendances.aggregate(
                most=models.Max(models.F("present") + models.F("excused") + models.F("absent"))
            )["most"]
            if most and most > self.half_days:
                raise ValidationError(
                    {
                        "half_days": _(
                            "Attendance of %(n)s half-days is already recorded for a member of this session."
                        )
                        % {"n": most}
                    }
                )


class Sector(models.Model):
    """A sector 界别: the constituency a member represents."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="sectors"
    )
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["committee_id", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="sector_unique_name")]

    def __str__(self) -> str:
        return self.name


class SpecialCommittee(models.Model):
    """A special committee 专门委员会 that guides activity groups."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="special_committees"
    )
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("special committee")
        verbose_name_plural = _("special committees")
        ordering = ["committee_id", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="special_committee_unique_name")]

    def __str__(self) -> str:
        return self.name


class Party(models.TextChoices):
    CPC = "cpc", _("Communist Party of China")
    RCCK = "rcck", _("Revolutionary Committee of the Kuomintang")
    CDL = "cdl", _("China Democratic League")
    CNDCA = "cndca", _("China National Democratic Construction Association")
    CAPD = "capd", _("China Association for Promoting Democracy")
    CPWDP = "cpwdp", _("Chinese Peasants' and Workers' Democratic Party")
    CZGP = "czgp", _("China Zhi Gong Party")
    JIUSAN = "jiusan", _("Jiusan Society")
    TDSGL = "tdsgl", _("Taiwan Democratic Self-Government League")
    NONPARTY = "nonparty", _("Without party affiliation")
    MASSES = "masses", _("Ordinary citizen")


class MemberQuerySet(ScopedQuerySet, InitialsQuerySet):  # type: ignore[override]  # as_manager of two bases
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees; conveners: their groups; a member: themself."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        q = Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if scope.convened_group_ids:
            q |= Q(
                pk__in=GroupMembership.objects.active()
                .filter(group_id__in=scope.convened_group_ids)
                .values("member_id")
            )
        if scope.member_id:
            q |= Q(pk=scope.member_id)
        return self.filter(q)

    def colleagues_of(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The members of the user's own committee, whom a member may name (co-signers, co-authors); the services
        say which of them qualify (serving, not the author)."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(committee_id=scope.member_committee_id) if scope.member_committee_id else self.none()


class Member(InitialsMixin, models.Model):
    """A CPPCC member 委员 of one committee for one term."""

    class Gender(models.TextChoices):
        MALE = "m", _("Male")
        FEMALE = "f", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In office")
        LEFT = "left", _("Left office")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="members"
    )
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(_("full name"), max_length=50)
    initials = models.CharField(
        _("pinyin initials"),
        max_length=50,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("First letters of the name's pinyin, for the search (kept up to date on save)."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    sector = models.ForeignKey(Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="members")
    special_committee = models.ForeignKey(
        SpecialCommittee,
        verbose_name=_("special committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_standing = models.BooleanField(_("standing committee member"), default=False)
    party = models.CharField(_("party affiliation"), max_length=10, choices=Party.choices)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    street = models.CharField(_("street or township"), max_length=50, blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    home_district = models.ForeignKey(
        Committee,
        verbose_name=_("district lived in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_city_members",
        help_text=_(
            "For a member of the city committee: the district committee where they live, whose open "
            "activities they may join (mixed groups 混合编组)."
        ),
    )
    expertise = models.ManyToManyField(
        "groups.Expertise", verbose_name=_("areas of expertise"), blank=True, related_name="members"
    )
    history = HistoricalRecords(excluded_fields=["user", "initials"])

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["committee_id", "name", "id"]
        indexes = [models.Index(fields=["committee", "status", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "phone"],
                condition=~Q(phone=""),
                name="member_unique_phone_per_committee",
                violation_error_message=_("A member with this mobile phone already exists in this committee."),
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_REGEX),
                name="member_phone_format",
                violation_error_message=_("Enter a mobile number of 11 digits or a landline such as 0551-12345678."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="member_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """A place members "enter": a community, an industrial park, a village, or a window unit."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community")
        PARK = "park", _("Industrial park")
        VILLAGE = "village", _("Village")
        WINDOW = "window", _("Public-service window unit")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="contact_points"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    street = models.CharField(_("street or township"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, validators=[phone_validator])
    is_active = models.BooleanField(_("active"), default=True)
    needs = models.ManyToManyField(
        "groups.Expertise",
        verbose_name=_("needs"),
        blank=True,
        related_name="contact_points",
        help_text=_("What the place needs from members, in the words of the expertise list."),
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["committee_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="contact_point_unique_name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class ActivityGroupQuerySet(ScopedQuerySet, InitialsQuerySet):  # type: ignore[override]  # as_manager of two bases
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders: their committees' groups; members and conveners: the groups they are in."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(
            Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids) | Q(pk__in=scope.group_ids)
        )

    def editable_by(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff: their committees' groups; a convener or deputy: their own groups only."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(Q(committee_id__in=scope.staff_committee_ids) | Q(pk__in=scope.convened_group_ids))


class ActivityGroup(InitialsMixin, models.Model):
    """A members' activity group 委员活动组."""

    class Kind(models.TextChoices):
        STREET = "street", _("Street/township group")
        SECTOR = "sector", _("Sector group")
        SPECIAL = "special", _("Special-committee group")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="activity_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    initials = models.CharField(
        _("pinyin initials"),
        max_length=100,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("First letters of the name's pinyin, for the search (kept up to date on save)."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    street = models.CharField(_("street or township"), max_length=50, blank=True)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.PROTECT, related_name="groups"
    )
    special_committee = models.ForeignKey(
        SpecialCommittee,
        verbose_name=_("guiding special committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )
    liaison_leader = models.ForeignKey(
        Member,
        verbose_name=_("liaison leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_groups",
        help_text=_("A member of the chair meeting who keeps in touch with this group."),
    )
    contact_points = models.ManyToManyField(
        ContactPoint, verbose_name=_("contact points"), blank=True, related_name="groups"
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["initials"])

    objects = ActivityGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity group")
        verbose_name_plural = _("activity groups")
        ordering = ["committee_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="group_unique_name"),
            models.CheckConstraint(
                condition=~Q(kind="sector") | Q(sector__isnull=False), name="sector_group_has_sector"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembershipQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(left_on__isnull=True)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return self.filter(group__in=ActivityGroup.objects.visible_to(user))


class GroupMembership(models.Model):
    """A member's place in an activity group, from joining to leaving."""

    class Role(models.TextChoices):
        CONVENER = "convener", _("Convener")
        DEPUTY = "deputy", _("Deputy convener")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(
        ActivityGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = GroupMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["group_id", "role", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"], condition=Q(left_on__isnull=True), name="membership_one_active"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "left_on"]),
            # The groups' members in a span of time (the annual settlement counts each group's members of the year)
            # from the index alone: 393 groups' 19,412 memberships read 20,000 table pages at 50k (#22).
            models.Index(fields=["group"], include=["member", "joined_on", "left_on"], name="membership_group_span"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.member}（{self.get_role_display()}）"


class PlatformState(models.TextChoices):
    PROPOSED = "proposed", _("Being set up")
    ESTABLISHED = "established", _("Established")
    WOUND_UP = "wound_up", _("Wound up")


class PlatformQuerySet(ScopedQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The committee's staff and leaders see all its platforms; anyone else of the committee sees the public ones
        (established: in service, with a sign on the door), those they belong or belonged to, and those whose host
        group they convene (a platform being set up, or wound up, is not public)."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        overseen = scope.staff_committee_ids | scope.leader_committee_ids
        own = Q(state=PlatformState.ESTABLISHED) | Q(host_group_id__in=scope.convened_group_ids)
        if scope.member_id:
            own |= Q(pk__in=_platforms_of(scope.member_id))
        return self.filter(Q(committee_id__in=overseen) | (Q(committee_id__in=scope.committee_ids) & own))


def _platforms_of(member_id: int) -> models.QuerySet:
    """The ids of the platforms a member belongs or belonged to, as a subquery (the membership's member index)."""
    from groups.models.platforms import PlatformMembership

    return PlatformMembership.objects.filter(member_id=member_id).values("platform_id")


class Platform(models.Model):
    """A duty platform 履职平台: a member studio, a consultation room or station, a sector hub."""

    class Kind(models.TextChoices):
        STUDIO = "studio", _("Member studio")
        CONSULTATION = "consultation", _("Consultation room/station")
        SECTOR_HUB = "sector_hub", _("Sector hub")

    class Level(models.TextChoices):
        DISTRICT = "district", _("District level")
        STREET = "street", _("Street/township level")
        COMMUNITY = "community", _("Community level")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="platforms"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    brand = models.CharField(
        _("brand"), max_length=50, blank=True, help_text=_("e.g. 请你来协商, 协商在一线, 月月说事")
    )
    street = models.CharField(_("street or township"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    host_group = models.ForeignKey(
        ActivityGroup,
        verbose_name=_("host group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="platforms",
    )
    # Its life cycle (seed: "建立组建程序、激励奖惩和退出机制"): proposed 筹建, established 成立 by the committee's
    # staff with the approval document, wound up 撤销 with a reason; only the services of
    # ``groups.services.platforms`` move it.
    state = models.CharField(_("state"), max_length=12, choices=PlatformState.choices, default=PlatformState.PROPOSED)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    approval_document = models.CharField(
        _("approval document"), max_length=200, blank=True, help_text=_("e.g. 东政办〔2026〕12号")
    )
    wound_up_on = models.DateField(_("wound up on"), null=True, blank=True)
    wound_up_reason = models.TextField(_("reason for winding up"), max_length=1000, blank=True)
    # The six haves 六有 (seed 004) are computed from evidence (``activities.selectors.platforms.six_haves``); what was
    # ticked by hand before evidence was kept stays here as a declaration, shown as "declared, no evidence yet".
    declared_six_haves = models.JSONField(
        _("six haves declared without evidence"), default=list, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = PlatformQuerySet.as_manager()

    State = PlatformState

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["committee_id", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="platform_unique_name"),
            models.CheckConstraint(
                condition=~Q(state="wound_up") | Q(is_active=False),
                name="platform_wound_up_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(established_on__isnull=True)
                | Q(wound_up_on__isnull=True)
                | Q(wound_up_on__gte=models.F("established_on")),
                name="platform_dates_ordered",
                violation_error_message=_("A platform cannot be wound up before it was established."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HandlingUnit(models.Model):
    """A handling unit 承办单位: a government department that replies to proposals and outcomes."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="handling_units"
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, validators=[phone_validator])
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="handling_units"
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["committee_id", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="handling_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class CommitteeStaff(models.Model):
    """A login's position at a committee: secretariat staff, or a leader reading dashboards."""

    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat staff")
        LEADER = "leader", _("Leader")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="committee_positions"
    )
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    office = models.CharField(_("office"), max_length=50, blank=True, help_text=_("e.g. 委员联络室, 提案委员会办公室"))
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee staff position")
        verbose_name_plural = _("committee staff positions")
        constraints = [models.UniqueConstraint(fields=["user", "committee", "role"], name="staff_unique_position")]

    def __str__(self) -> str:
        return f"{self.user} · {self.committee} · {self.get_role_display()}"

"""Configuration as data, per committee: deadlines, the reply result codes, the holiday calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.models.organisation import ScopedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ProposalSettings(models.Model):
    """A committee's proposal rules (local rules differ: these are data, not code)."""

    committee = models.OneToOneField(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.CASCADE, related_name="proposal_settings"
    )
    reply_months_between_sessions = models.PositiveSmallIntegerField(
        _("reply deadline between sessions (months)"), default=3
    )
    reply_months_plenary = models.PositiveSmallIntegerField(
        _("reply deadline for plenary proposals (months)"), default=5
    )
    reply_months_max = models.PositiveSmallIntegerField(_("absolute reply limit (months)"), default=6)
    cohandler_opinion_days = models.PositiveSmallIntegerField(_("co-handler opinion deadline (days)"), default=30)
    reassignment_working_days = models.PositiveSmallIntegerField(_("reassignment window (working days)"), default=10)
    feedback_working_days = models.PositiveSmallIntegerField(_("feedback window (working days)"), default=15)
    second_round_months = models.PositiveSmallIntegerField(_("second-round reply deadline (months)"), default=2)
    cosign_working_days = models.PositiveSmallIntegerField(_("co-signer confirmation window (working days)"), default=3)
    report_follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up of an adopted report due after (days)"),
        default=30,
        help_text=_("Staff are reminded once when an adopted report has no follow-up this many days after adoption."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal settings")
        verbose_name_plural = _("proposal settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reply_months_max__gte=models.F("reply_months_plenary"))
                & models.Q(reply_months_max__gte=models.F("reply_months_between_sessions")),
                name="proposal_settings_max_is_max",
                violation_error_message=_("The absolute limit must not be shorter than the other reply deadlines."),
            )
        ]

    def __str__(self) -> str:
        return str(self.committee)


class ResultCode(models.Model):
    """One reply result code, e.g. A 已解决或基本解决; some committees use three codes, some four."""

    committee = models.ForeignKey(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.CASCADE, related_name="result_codes"
    )
    code = models.CharField(_("code"), max_length=5)
    label = models.CharField(_("meaning"), max_length=50)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("result code")
        verbose_name_plural = _("result codes")
        ordering = ["committee_id", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["committee", "code"], name="result_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


DEFAULT_RESULT_CODES = [
    ("A", "已解决或基本解决"),
    ("B", "正在解决或列入计划"),
    ("C", "条件成熟时解决"),
    ("D", "留作参考"),
]


class Holiday(models.Model):
    """A day off on a weekday, or a working weekend day (调休上班), in a committee's calendar: loaded from the
    official national calendar (``source`` official, replaced on a reload) or entered by the secretariat
    (local, kept on a reload and taking precedence over the official day)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Official holiday")
        WORKDAY = "workday", _("Adjusted working day")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("National calendar")
        LOCAL = "local", _("Local addition")

    committee = models.ForeignKey(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.LOCAL)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["committee_id", "date"]
        constraints = [models.UniqueConstraint(fields=["committee", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class NotFilingGroundQuerySet(ScopedQuerySet):
    def ensure_national(self) -> None:
        """The national list, written the first time it is needed if there is none at all (as the result codes are:
        the data migration writes it too, and a database emptied since starts again from it)."""
        if not NotFilingGround.objects.filter(committee__isnull=True).exists():
            NotFilingGround.objects.bulk_create(
                NotFilingGround(committee=None, text=text, needs_explanation=explain, order=(i + 1) * 10)
                for i, (text, explain) in enumerate(DEFAULT_NOT_FILING_GROUNDS)
            )

    def for_committee(self, committee_id: int) -> Self:
        """The grounds a committee uses: its own list when it has one, else the national list (no committee)."""
        self.ensure_national()
        active = self.filter(is_active=True)
        own = active.filter(committee_id=committee_id)
        return own if own.exists() else active.filter(committee__isnull=True)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The national list and the grounds of the user's committees."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(Q(committee__isnull=True) | Q(committee_id__in=scope.committee_ids))


class NotFilingGround(models.Model):
    """A published ground for not filing 不予立案 a proposal (e.g. 涉及党和国家秘密的). The national list has no
    committee; a committee that keeps grounds of its own uses those alone (local rules word them differently)."""

    committee = models.ForeignKey(
        "groups.Committee",
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="not_filing_grounds",
        null=True,
        blank=True,
        help_text=_("Empty: the national list, used by every committee without a list of its own."),
    )
    text = models.CharField(_("ground"), max_length=100)
    needs_explanation = models.BooleanField(
        _("needs an explanation"),
        default=False,
        help_text=_("Staff must explain in their own words (e.g. “other reasons”)."),
    )
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = NotFilingGroundQuerySet.as_manager()

    class Meta:
        verbose_name = _("ground for not filing")
        verbose_name_plural = _("grounds for not filing")
        ordering = ["committee_id", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["committee", "text"], name="not_filing_ground_unique")]

    def __str__(self) -> str:
        return self.text


# The grounds the national CPPCC's rules on proposals (提案工作条例) and local review rules publish.
DEFAULT_NOT_FILING_GROUNDS = [
    ("涉及党和国家秘密的", False),
    ("进入诉讼、仲裁程序或涉及司法裁决的", False),
    ("属于个人或家庭私事、为本人或亲属解决个人问题的", False),
    ("宣传、推介具体作品、产品或单位，带有广告性质的", False),
    ("内容空泛、没有具体建议的", False),
    ("一案多事的", False),
    ("属于学术研讨的", False),
    ("超出本级政协职责范围的", False),
    ("其他不宜作为提案的", True),
]

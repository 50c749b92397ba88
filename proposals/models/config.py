"""Configuration as data, per committee: deadlines, the reply result codes, the holiday calendar."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.organisation import ScopedQuerySet


class ProposalSettings(models.Model):
    """A committee's proposal rules (local rules differ: these are data, not code)."""

    committee = models.OneToOneField(
        "groups.Committee", verbose_name=_("committee"), on_delete=models.CASCADE, related_name="proposal_settings"
    )
    reply_months_between_sessions = models.PositiveSmallIntegerField(
        _("reply deadline between sessions (months)"), default=3
    )
    reply_months_plenary = models.PositiveSmallIntegerField(_("reply deadline for plenary proposals (months)"), default=5)
    reply_months_max = models.PositiveSmallIntegerField(_("absolute reply limit (months)"), default=6)
    cohandler_opinion_days = models.PositiveSmallIntegerField(_("co-handler opinion deadline (days)"), default=30)
    reassignment_working_days = models.PositiveSmallIntegerField(_("reassignment window (working days)"), default=10)
    feedback_working_days = models.PositiveSmallIntegerField(_("feedback window (working days)"), default=15)
    second_round_months = models.PositiveSmallIntegerField(_("second-round reply deadline (months)"), default=2)
    cosign_working_days = models.PositiveSmallIntegerField(_("co-signer confirmation window (working days)"), default=3)

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

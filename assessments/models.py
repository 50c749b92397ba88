"""Point-rule sets 履职积分规则 as data: per committee and year, edited by staff in the admin."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.ordinals import quarter_label
from groups.models import Committee
from groups.models.organisation import ScopedQuerySet

from . import scoring
from .kinds import EventKind, Rounding, Share, ShortfallEffect

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from django import forms
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from groups.models import ActivityGroup, Member

COSIGNER_KINDS = {
    EventKind.PROPOSAL_FILED_COSIGNER,
    EventKind.PROPOSAL_KEY_COSIGNER,
    EventKind.PROPOSAL_EXCELLENT_COSIGNER,
}
UNKNOWN_KIND = _("Unknown event kind: choose one from the list.")
UNKNOWN_KIND_VALUE = _("Unknown event kind “%(value)s”: choose one from the list.")
NEGATIVE_CAP = _("A cap cannot be negative.")
SHORTFALL_GRADE = _("Name the grade a member who misses a minimum gets.")
REPEAT_GRADE = _("Name the grade for a total below the line two years running.")


class EventKindField(models.CharField):
    """An event kind from ``EventKind``; an unknown value is refused with the same message everywhere."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs["choices"] = EventKind.choices
        kwargs.setdefault("error_messages", {"invalid_choice": UNKNOWN_KIND_VALUE})
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        field = super().formfield(**kwargs)
        if field is not None:
            field.error_messages["invalid_choice"] = UNKNOWN_KIND_VALUE
        return field


def _known_kind(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(kind__in=EventKind.values), name=name, violation_error_message=UNKNOWN_KIND
    )


class RuleSetQuerySet(ScopedQuerySet):
    def for_scoring(self) -> Self:
        return self.prefetch_related("rules", "caps", "minimums", "bands")


class RuleSet(models.Model):
    """A committee's point rules for one year: base score, points per event kind, caps, grades."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="rule_sets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. the title of the published rules"))
    base_score = models.DecimalField(_("base score"), max_digits=6, decimal_places=2, default=Decimal("0"))
    bonus_cap = models.DecimalField(
        _("bonus cap"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Most points that can be added to the base score; deductions always count. Empty: no cap."),
    )
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("A locked rule set can no longer be changed.")
    )
    award_top_n = models.PositiveSmallIntegerField(
        _("award candidates: best groups"),
        default=0,
        help_text=_("The best N groups by the year's points are award candidates (0: none by rank)."),
    )
    award_min_points = models.DecimalField(
        _("award candidates: points at least"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A group with at least these points in the year is also an award candidate. Empty: no threshold."),
    )
    funding_per_member = models.DecimalField(
        _("funding per member"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    funding_per_filed_activity = models.DecimalField(
        _("funding per filed activity"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    funding_cap = models.DecimalField(
        _("funding cap per group"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Most a group can receive in the year. Empty: no cap."),
    )
    shortfall_effect = models.CharField(
        _("when a minimum is not met"), max_length=5, choices=ShortfallEffect.choices, default=ShortfallEffect.NONE
    )
    shortfall_grade = models.CharField(
        _("grade for a shortfall"),
        max_length=30,
        blank=True,
        help_text=_("The grade a member missing a minimum gets at most (or exactly); one of the grade bands."),
    )
    repeat_below = models.DecimalField(
        _("below this total two years running"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "A total below this both this year and last year (last year's final snapshot) gives the "
            "grade below, e.g. 济南: below 60 two years running. Empty: no such condition."
        ),
    )
    repeat_grade = models.CharField(_("grade for two years running"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("point rule set")
        verbose_name_plural = _("point rule sets")
        ordering = ["committee_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="ruleset_one_per_year",
                violation_error_message=_("This committee already has a rule set for that year."),
            ),
            models.CheckConstraint(
                condition=Q(bonus_cap__isnull=True) | Q(bonus_cap__gte=0),
                name="ruleset_bonus_cap_not_negative",
                violation_error_message=NEGATIVE_CAP,
            ),
            models.CheckConstraint(
                condition=Q(funding_per_member__gte=0, funding_per_filed_activity__gte=0)
                & (Q(funding_cap__isnull=True) | Q(funding_cap__gte=0)),
                name="ruleset_funding_not_negative",
                violation_error_message=NEGATIVE_CAP,
            ),
            models.CheckConstraint(
                condition=Q(shortfall_effect=ShortfallEffect.NONE) | ~Q(shortfall_grade=""),
                name="ruleset_shortfall_names_a_grade",
                violation_error_message=SHORTFALL_GRADE,
            ),
            models.CheckConstraint(
                condition=Q(repeat_below__isnull=True) | ~Q(repeat_grade=""),
                name="ruleset_repeat_names_a_grade",
                violation_error_message=REPEAT_GRADE,
            ),
        ]

    def __str__(self) -> str:
        return _("%(committee)s point rules %(year)s") % {"committee": self.committee, "year": self.year}

    def book(
        self,
        *,
        rules: Iterable[PointRule] | None = None,
        caps: Iterable[CategoryCap] | None = None,
        minimums: Collection[MinimumRequirement] | None = None,
        bands: Iterable[GradeBand] | None = None,
    ) -> scoring.RuleBook:
        """This rule set as plain data for the scoring engine (use ``for_scoring()`` to load it, or pass its parts
        as read: ``selectors.rule_set_for_scoring``)."""
        rules = self.rules.all() if rules is None else rules
        caps = self.caps.all() if caps is None else caps
        minimums = self.minimums.all() if minimums is None else minimums
        bands = self.bands.all() if bands is None else bands
        return scoring.RuleBook(
            rules=tuple(r.as_rule() for r in rules),
            base=self.base_score,
            bonus_cap=self.bonus_cap,
            caps={c.category: c.cap for c in caps},
            minimums={m.kind: m.min_count for m in minimums},
            minimum_groups={m.kind: m.group for m in minimums if m.group},
            bands=tuple(
                sorted(
                    (b.as_band() for b in bands),
                    key=lambda b: b.min_score if b.min_score is not None else Decimal("-Infinity"),
                    reverse=True,
                )
            ),
            shortfall_effect=self.shortfall_effect,
            shortfall_grade=self.shortfall_grade,
            repeat_below=self.repeat_below,
            repeat_grade=self.repeat_grade,
        )

    def check_grades(self, labels: Collection[str]) -> None:
        """Refuse a shortfall grade that caps at no grade band (a capped grade must be one of them)."""
        if self.shortfall_effect == ShortfallEffect.CAP and self.shortfall_grade not in labels:
            raise ValidationError(
                {
                    "shortfall_grade": _(
                        "“%(grade)s” is not one of the grade bands: a grade can only be capped at one of them."
                    )
                    % {"grade": self.shortfall_grade}
                }
            )


class RulePartQuerySet(ScopedQuerySet):
    committee_field = "rule_set__committee_id"


class RulePart(models.Model):
    """A row of a rule set: refused once the rule set is locked."""

    rule_set_id: int | None  # each kind's own foreign key

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.rule_set_id and RuleSet.objects.filter(pk=self.rule_set_id, is_locked=True).exists():
            raise ValidationError(_("This rule set is locked and can no longer be changed."))


class PointRule(RulePart):
    """Points for one event kind, from its nth occurrence in the year on."""

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="rules")
    kind = EventKindField(_("event kind"))
    nth_from = models.PositiveSmallIntegerField(
        _("from occurrence"),
        default=1,
        help_text=_("1 for every occurrence; 2 for the second and later ones (e.g. each extra proposal)."),
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, help_text=_("Negative for a deduction."))
    per_unit = models.BooleanField(
        _("per unit"), default=True, help_text=_("Multiply by the quantity, e.g. per half-day of a plenary session.")
    )
    share = models.CharField(
        pgettext_lazy("assessment", "co-authors"), max_length=10, choices=Share.choices, default=Share.FULL
    )
    rounding = models.CharField(
        _("rounding"),
        max_length=4,
        choices=Rounding.choices,
        default=Rounding.CENT,
        help_text=_("Each line is rounded half up to this step."),
    )
    adds = models.BooleanField(
        _("on top"),
        default=False,
        help_text=_(
            "Added on top of the points the event already earns (e.g. three-enters activity +2 besides "
            "the attendance points), for every event of this kind or a more specific one."
        ),
    )
    category = models.CharField(
        _("category"), max_length=30, blank=True, help_text=_("Rules of one category add up and share its cap.")
    )
    history = HistoricalRecords()

    objects = RulePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["rule_set_id", "category", "kind", "nth_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "kind", "adds", "nth_from"],
                name="pointrule_unique_kind_adds",
                violation_error_message=_("There is already a rule for this event kind and occurrence."),
            ),
            models.CheckConstraint(
                condition=Q(share__in=Share.values),
                name="pointrule_known_share",
                violation_error_message=_("Choose how co-authors share the points."),
            ),
            models.CheckConstraint(
                condition=Q(rounding__in=Rounding.values),
                name="pointrule_known_rounding",
                violation_error_message=_("Choose a rounding step from the list."),
            ),
            _known_kind("pointrule_known_kind"),
            models.CheckConstraint(
                condition=Q(nth_from__gte=1),
                name="pointrule_nth_from_positive",
                violation_error_message=_("The occurrence counts from 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.points}"

    def clean(self) -> None:
        super().clean()
        if self.share == Share.COSIGNERS and self.kind not in COSIGNER_KINDS:
            raise ValidationError(
                {
                    "share": _(
                        "Only a co-signer's points can be shared among the co-signers: choose a co-signer event kind, "
                        "or share among all the authors."
                    )
                }
            )

    def as_rule(self) -> scoring.Rule:
        return scoring.Rule(
            kind=self.kind,
            points=self.points,
            nth_from=self.nth_from,
            per_unit=self.per_unit,
            share=self.share,
            category=self.category,
            adds=self.adds,
            rounding=Decimal(self.rounding),
        )


class CategoryCap(RulePart):
    """The most points one category can add in a year (合肥: activities at most 30)."""

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="caps")
    category = models.CharField(_("category"), max_length=30)
    cap = models.DecimalField(_("cap"), max_digits=6, decimal_places=2)
    history = HistoricalRecords()

    objects = RulePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("category cap")
        verbose_name_plural = _("category caps")
        ordering = ["rule_set_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "category"],
                name="categorycap_unique_category",
                violation_error_message=_("This category already has a cap."),
            ),
            models.CheckConstraint(
                condition=Q(cap__gte=0), name="categorycap_not_negative", violation_error_message=NEGATIVE_CAP
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ≤ {self.cap}"


class MinimumRequirement(RulePart):
    """A yearly minimum, e.g. at least 3 activities, 1 proposal and 1 report (闵行)."""

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="minimums")
    kind = EventKindField(_("event kind"))
    min_count = models.PositiveSmallIntegerField(_("at least"), default=1)
    group = models.CharField(
        _("any-of group"),
        max_length=30,
        blank=True,
        help_text=_(
            "Minimums with the same group name are alternatives: meeting any one of them is enough "
            "(e.g. at least 1 proposal or 1 report). Empty: this minimum stands alone."
        ),
    )
    history = HistoricalRecords()

    objects = RulePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("minimum yearly requirement")
        verbose_name_plural = _("minimum yearly requirements")
        ordering = ["rule_set_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "kind"],
                name="minimum_unique_kind",
                violation_error_message=_("This event kind already has a minimum."),
            ),
            _known_kind("minimum_known_kind"),
            models.CheckConstraint(
                condition=Q(min_count__gte=1),
                name="minimum_count_positive",
                violation_error_message=_("A minimum must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≥ {self.min_count}"

    def clean(self) -> None:
        """Refuse an any-of group named like an event kind (a minimum standing alone is grouped under its
        kind, ``RuleBook.minimum_group``): the name must say what the alternatives are together."""
        super().clean()
        name = (self.group or "").strip()
        kinds = {str(k) for k in EventKind.values} | {str(label) for label in EventKind.labels}
        with translation.override("en"):
            kinds |= {str(label) for label in EventKind.labels}
        if name and (name.startswith("=") or name in kinds):
            raise ValidationError(
                {
                    "group": _(
                        "“%(name)s” is an event kind, not a group: name the alternatives together, e.g. 建言 for "
                        "“1 proposal or 1 report”, or leave it empty for a minimum on its own."
                    )
                    % {"name": name}
                }
            )


class GradeBand(RulePart):
    """A grade 等次 for totals from ``min_score`` (inclusive) up to ``max_score`` (exclusive)."""

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("grade"), max_length=30, help_text=_("e.g. 优秀, 称职, 基本称职, 不称职"))
    min_score = models.DecimalField(
        _("from score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Inclusive; empty: no lower bound."),
    )
    max_score = models.DecimalField(
        _("below score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Exclusive; empty: no upper bound."),
    )
    history = HistoricalRecords()

    objects = RulePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        ordering = ["rule_set_id", "-min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "label"],
                name="gradeband_unique_label",
                violation_error_message=_("This grade is already defined."),
            ),
            models.CheckConstraint(
                condition=Q(min_score__isnull=True)
                | Q(max_score__isnull=True)
                | Q(max_score__gt=models.F("min_score")),
                name="gradeband_ordered",
                violation_error_message=_("A grade band must end above the score it starts from."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def as_band(self) -> scoring.Band:
        return scoring.Band(self.label, self.min_score, self.max_score)

    def clean(self) -> None:
        """Refuse a band that overlaps another band of the rule set already saved.

        The admin editor checks all bands of the form together instead (``sibling_check=False``),
        so that moving two bands in one save is not refused against the old values.
        """
        super().clean()
        if not getattr(self, "sibling_check", True) or self.rule_set_id is None:
            return
        others = [b.as_band() for b in GradeBand.objects.filter(rule_set_id=self.rule_set_id).exclude(pk=self.pk)]
        for a, b in scoring.overlapping_bands([*others, self.as_band()]):
            if self.label in (a.label, b.label):
                raise ValidationError(overlap_message(a, b))


def overlap_message(a: scoring.Band, b: scoring.Band) -> str:
    return _("Grade bands “%(a)s” and “%(b)s” overlap: a score may fall in one band only.") % {
        "a": a.label,
        "b": b.label,
    }


# --- Quarterly roll-up ---------------------------------------------------------------------------


class RollupRunQuerySet(ScopedQuerySet):
    def active(self) -> Self:
        return self.filter(status__in=RollupRun.ACTIVE)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Staff and leaders of the committee (a city's: its districts too); not members."""
        from groups.access import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self
        return self.filter(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids)


class RollupRun(models.Model):
    """One computation of a committee's quarter: queued, running, then done (or failed, then retried)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="rollup_runs"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    is_stale = models.BooleanField(
        _("stale"), default=False, help_text=_("A late change touched this quarter; the next run recomputes it.")
    )
    members_done = models.PositiveIntegerField(_("members computed"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = RollupRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["committee", "year", "quarter", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="rollup_quarter_1_to_4",
                violation_error_message=_("A quarter is 1, 2, 3 or 4."),
            ),
            models.UniqueConstraint(
                fields=["committee", "year", "quarter"],
                condition=Q(status__in=["queued", "running"]),
                name="rollup_one_active_per_quarter",
                violation_error_message=_("A roll-up of this quarter is already queued or running."),
            ),
            # What the snapshots' composite key (migration 0006) refers to.
            models.UniqueConstraint(fields=["id", "committee", "year", "quarter"], name="rollup_run_snapshot_key"),
        ]

    def __str__(self) -> str:
        return _("%(committee)s %(year)s %(quarter)s roll-up") % {
            "committee": self.committee,
            "year": self.year,
            "quarter": quarter_label(self.quarter),
        }


class SnapshotFigures(models.Model):
    """Figures shared by member, group and committee snapshots of one quarter."""

    # The database ties (run, committee, year, quarter) to the run's own with one composite key
    # (migration 0006: a foreign key on PostgreSQL, triggers on SQLite) instead of a key on the run and
    # one on the committee: a snapshot always belongs to its run's quarter. Member snapshots, written
    # 16,666 at a time, are checked once per statement on PostgreSQL (0011: a trigger over the statement's
    # rows, locking their run as the foreign key's check would) instead of once per row at commit.
    run = models.ForeignKey(
        RollupRun, verbose_name=_("roll-up run"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    activities_present = models.PositiveIntegerField(_("activities attended"), default=0)
    activities_excused = models.PositiveIntegerField(_("activities missed with leave"), default=0)
    activities_absent = models.PositiveIntegerField(_("activities missed without leave"), default=0)
    three_enters = models.PositiveIntegerField(_("three-enters activities"), default=0)
    proposals = models.PositiveIntegerField(_("proposals submitted"), default=0)
    reports = models.PositiveIntegerField(_("reports submitted"), default=0)
    consultations = models.PositiveIntegerField(_("consultations attended"), default=0)
    points = models.DecimalField(
        _("points in the quarter"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Points earned in the quarter before yearly caps."),
    )
    points_by_category = models.JSONField(_("points by category"), default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return _("%(owner)s, %(year)s %(quarter)s") % {
            "owner": self.owner,
            "year": self.year,
            "quarter": quarter_label(self.quarter),
        }

    @property
    def owner(self) -> models.Model:
        raise NotImplementedError


class MemberSnapshot(SnapshotFigures):
    """A member's quarter, plus the year-to-date score with caps, base and grade."""

    # No single-column indexes on committee and member: the (committee, year, quarter) index and the
    # unique (member, year, quarter) constraint lead with them (each roll-up writes every member's row).
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )  # checked through the run's key
    member = models.ForeignKey(
        "groups.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="quarter_snapshots",
        db_index=False,
    )  # PostgreSQL: checked once per statement by triggers instead of the foreign key's check per row (0014)
    ytd_points_by_category = models.JSONField(
        _("year-to-date points by category"),
        default=dict,
        blank=True,
        help_text=_("Points per category from 1 January to the end of the quarter, before yearly caps."),
    )
    ytd_total = models.DecimalField(_("year-to-date total"), max_digits=9, decimal_places=2, default=Decimal("0"))
    ytd_grade = models.CharField(_("year-to-date grade"), max_length=30, blank=True)
    missing = models.JSONField(_("minimums not met"), default=list, blank=True)
    # Written by the roll-up with the rows (``rollup.ranked_sql``), so that a page of the ranking reads 50 rows of an
    # index instead of ranking the committee's 16,666 on every request.
    ytd_rank = models.PositiveIntegerField(
        pgettext_lazy("assessment", "rank"),
        default=0,
        help_text=_("1 plus the members of the committee's quarter with a higher year-to-date total."),
    )
    ytd_place = models.PositiveIntegerField(
        _("place in the ranking"),
        default=0,
        help_text=_("1, 2, 3 … in the ranking's order: by rank, then name, then member number."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member snapshot")
        verbose_name_plural = _("member snapshots")
        ordering = ["year", "quarter", "member_id"]
        constraints = [models.UniqueConstraint(fields=["member", "year", "quarter"], name="member_snapshot_unique")]
        # a quarter's rows (the dashboards, the roll-up's own delete) and its ranking a page at a time
        indexes = [models.Index(fields=["committee", "year", "quarter", "ytd_place"], name="member_snapshot_place")]

    @property
    def owner(self) -> Member:
        return self.member


class GroupSnapshot(SnapshotFigures):
    group = models.ForeignKey(
        "groups.ActivityGroup",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="quarter_snapshots",
        db_index=False,
    )  # led by group_snapshot_unique
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )  # led by (committee, year, quarter); the run's key
    members = models.PositiveIntegerField(pgettext_lazy("assessment", "members"), default=0)
    members_covered = models.PositiveIntegerField(_("members with a three-enters activity"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group snapshot")
        verbose_name_plural = _("group snapshots")
        ordering = ["year", "quarter", "group_id"]
        constraints = [models.UniqueConstraint(fields=["group", "year", "quarter"], name="group_snapshot_unique")]
        indexes = [models.Index(fields=["committee", "year", "quarter"])]

    @property
    def owner(self) -> ActivityGroup:
        return self.group


class CommitteeSnapshot(SnapshotFigures):
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="quarter_snapshots",
        db_index=False,
        db_constraint=False,
    )  # led by committee_snapshot_unique; checked through the run's key
    members = models.PositiveIntegerField(pgettext_lazy("assessment", "members"), default=0)
    members_covered = models.PositiveIntegerField(_("members with a three-enters activity"), default=0)
    groups = models.PositiveIntegerField(_("groups"), default=0)
    # Counts of the quarter's member snapshots written with them, so that a page shows them without reading the
    # 16,666 rows: each is a figure whose list (the annual page's ranking, the dashboard's members) counts the rows.
    grades = models.JSONField(
        _("members per grade"), default=dict, blank=True, help_text=_("Members per year-to-date grade ('': none).")
    )
    members_below = models.PositiveIntegerField(_("members below the minimums"), default=0)
    buckets = models.JSONField(
        _("members per ten points"),
        default=list,
        blank=True,
        help_text=_("Members per band of ten points of the year-to-date total: below 10, 10–19, …, 120 and more."),
    )
    # The members' year-to-date totals summed (their average is this over ``members``): the leaders' home reads it
    # here, one row per committee, not from the committee's member snapshots (#22: 50,000 rows, 40–60 ms at 50k).
    ytd_total = models.DecimalField(
        _("members' year-to-date totals"), max_digits=14, decimal_places=2, default=Decimal("0")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee snapshot")
        verbose_name_plural = _("committee snapshots")
        ordering = ["year", "quarter", "committee_id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "year", "quarter"], name="committee_snapshot_unique")
        ]

    @property
    def owner(self) -> Committee:
        return self.committee


class GroupSettlement(models.Model):
    """A group's line of a locked year's settlement 经费补助结算: frozen when staff lock the year."""

    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "groups.ActivityGroup", verbose_name=_("group"), on_delete=models.CASCADE, related_name="settlements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rank = models.PositiveIntegerField(pgettext_lazy("assessment", "rank"))
    members = models.PositiveIntegerField(_("members"), default=0)
    filed_activities = models.PositiveIntegerField(_("filed activities"), default=0)
    points = models.DecimalField(_("points"), max_digits=12, decimal_places=2, default=Decimal("0"))
    is_award_candidate = models.BooleanField(_("award candidate"), default=False)
    funding = models.DecimalField(_("funding"), max_digits=12, decimal_places=2, default=Decimal("0"))
    settled_at = models.DateTimeField(_("settled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group settlement")
        verbose_name_plural = _("group settlements")
        ordering = ["committee_id", "-year", "rank"]
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="group_settlement_unique")]

    def __str__(self) -> str:
        return f"{self.group} {self.year}"


class AttendanceTally(models.Model):
    """The duty events of the attendance counted per committee, quarter, member and event kind (#22: a quarter's
    roll-up read the committee's whole year of attendance, 1.8 M rows of a city, to count ~16,000 members' events;
    it reads these few rows a member instead).

    One attendance row at a held or filed activity yields the events ``sources`` gives it: its main kind (the
    activity's type when present, ``activity_excused``, ``activity_absent``), ``platform_work`` when present at an
    activity held at a duty platform, ``activity_signup`` when present after signing up. Each counts in the cell
    (the activity's committee, the local year and quarter of its start, the member, the kind). The database keeps
    the cells (the triggers of ``assessments/migrations/0015_attendance_tally.py``, in the transaction of every
    write of an attendance row or of an activity's counted columns); ``assessments.tally`` rebuilds and checks
    them (``manage.py attendance_tally_rebuild [--check]``)."""

    # Keys, not foreign keys: the triggers write them; attendance protects its member and belongs to its activity.
    committee_id = models.PositiveIntegerField(_("committee"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    member_id = models.PositiveIntegerField(_("member"))
    kind = EventKindField(_("event kind"))
    n = models.IntegerField(_("events"), default=0)

    class Meta:
        verbose_name = _("attendance events tally")
        verbose_name_plural = _("attendance events tallies")
        constraints = [
            # a roll-up reads one committee's year up to a quarter: the key in that order
            models.UniqueConstraint(
                fields=["committee_id", "year", "quarter", "member_id", "kind"], name="attendance_tally_cell"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="attendance_tally_quarter"),
            # 0 only inside the write that empties a cell, which then deletes it
            models.CheckConstraint(condition=Q(n__gte=0), name="attendance_tally_not_negative"),
        ]
        indexes = [models.Index(fields=["n"], condition=Q(n=0), name="attendance_tally_emptied")]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year} Q{self.quarter} · {self.member_id} · {self.kind}: {self.n}"

"""Coverage 全覆盖 kept as data (#22): per member, committee and quarter, how many 三进 attendances and contacts at a
contact point there are. The coverage page, its member lists and the workbench read it instead of every member's
attendance; ``activities.coverage`` keeps it equal to the rows in the same transaction as every write that changes
them (and rebuilds it from them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groups.models.organisation import Committee, Member


class CoverageTally(models.Model):
    """One member's coverage facts of one quarter, from one committee's rows (the activity's committee for
    attendance, the contact's for contacts: the committee rule on contacts is applied when it is read)."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the cell's key starts with the member
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    three_enters = models.PositiveIntegerField(_("three-enters activities attended"), default=0)
    point_contacts = models.PositiveIntegerField(_("contacts at a contact point"), default=0)

    class Meta:
        verbose_name = _("coverage tally")
        verbose_name_plural = _("coverage tallies")
        constraints = [
            models.UniqueConstraint(fields=["member", "year", "quarter", "committee"], name="coverage_tally_cell"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="coverage_tally_quarter"),
            # a cell with nothing in it is no row: the table holds exactly what a rebuild from the rows makes
            models.CheckConstraint(
                condition=Q(three_enters__gt=0) | Q(point_contacts__gt=0), name="coverage_tally_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.year} Q{self.quarter} · {self.committee_id}"


class CommitteeCoverage(models.Model):
    """How many of a committee's members in office are covered in one period (a quarter, or the whole year: quarter
    0), by the coverage rule (``activities.selectors.activities.is_covered``) on the member cells: the coverage page,
    the leaders' home and the workbench read this row instead of matching every member against the cells. A member
    counts in the committee they belong to now, whichever committee's activities or contacts covered them."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the period's key starts with the committee
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), help_text=_("1 to 4; 0 for the whole year."))
    covered = models.PositiveIntegerField(_("members covered"), default=0)

    class Meta:
        verbose_name = _("committee coverage")
        verbose_name_plural = _("committee coverage")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year", "quarter"], name="committee_coverage_period"),
            models.CheckConstraint(condition=Q(quarter__gte=0, quarter__lte=4), name="committee_coverage_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year} Q{self.quarter} · {self.covered}"

"""The proposal figures kept as data (#22): per committee, session year, lead unit, category and result code, how many
submitted proposals each figure counts. The figures page, its workbook, the API and the leaders' home read these
cells instead of the year's proposals; the database keeps them equal to the proposals (triggers of
``proposals/migrations/0020_figure_tally.py``, in the same transaction as every write of a proposal), and
``proposals.tally`` rebuilds and checks them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

FIGURES = (
    "submitted",
    "filed",
    "replied",
    "on_time",
    "rated",
    "satisfied",
    "first_rated",
    "first_satisfied",
    "closed",
    "implemented",
)


class FigureTally(models.Model):
    """One cell of the figures: the submitted proposals (drafts are never counted) of one committee, session year,
    lead unit, category and result code, and how many of them each figure counts ("overdue now" moves with the
    date and is counted from the proposals when read)."""

    # Keys, not foreign keys: the triggers write them, and a committee or unit is never deleted while proposals
    # are counted in it (proposals protect their committee and their lead unit).
    committee_id = models.PositiveIntegerField(_("committee"))
    year = models.PositiveSmallIntegerField(_("session year"))
    lead_unit_key = models.PositiveIntegerField(_("lead unit (0: none)"))  # 0, not NULL: NULLs are never one key
    category = models.CharField(_("category"), max_length=12)
    result_code = models.CharField(_("result code"), max_length=5)
    submitted = models.IntegerField(_("submitted"), default=0)
    filed = models.IntegerField(_("filed"), default=0)
    replied = models.IntegerField(_("replied"), default=0)
    on_time = models.IntegerField(_("replied on time"), default=0)
    rated = models.IntegerField(_("rated"), default=0)
    satisfied = models.IntegerField(_("satisfied"), default=0)
    first_rated = models.IntegerField(_("rated in the first round"), default=0)
    first_satisfied = models.IntegerField(_("satisfied in the first round"), default=0)
    closed = models.IntegerField(_("closed"), default=0)
    implemented = models.IntegerField(_("implemented"), default=0)
    # the ratings apart (``satisfied`` counts both 满意 and 基本满意): the handling units' yearly sheet reads them
    basic = models.IntegerField(_("rated basically satisfied"), default=0)
    unsatisfied = models.IntegerField(_("rated unsatisfied"), default=0)

    class Meta:
        verbose_name = _("proposal figure tally")
        verbose_name_plural = _("proposal figure tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["committee_id", "year", "lead_unit_key", "category", "result_code"], name="figure_tally_cell"
            ),
            # no figure below 0 (proposals 0033, the ratings apart 0034): a cell emptied of proposals is deleted by the trigger
            models.CheckConstraint(
                condition=models.Q(*((f"{name}__gte", 0) for name in (*FIGURES, "basic", "unsatisfied"))),
                name="figure_tally_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year} · {self.lead_unit_key} · {self.category} · {self.result_code}"


class DeadlineTally(models.Model):
    """The open deadlines of one committee in one calendar year: the active assignments of its proposals in handling
    (assigned, handling) whose due date falls in the year. The workbench's "years with deadlines but no holiday
    calendar" reads these rows, not the assignments (#22: a scan of the 192,532 active assignments, 73–142 ms at 50k,
    to find 6 committee-years). The triggers of ``proposals/migrations/0029_deadline_tally.py`` keep it;
    ``proposals.tally`` rebuilds and checks it."""

    # Keys, not foreign keys: the triggers write them (proposals protect their committee).
    committee_id = models.PositiveIntegerField(_("committee"))
    year = models.PositiveSmallIntegerField(_("year"))
    deadlines = models.IntegerField(_("open deadlines"), default=0)

    class Meta:
        verbose_name = _("open deadlines tally")
        verbose_name_plural = _("open deadlines tallies")
        constraints = [
            models.UniqueConstraint(fields=["committee_id", "year"], name="deadline_tally_cell"),
            # never negative; a row that reaches 0 is deleted by the trigger that emptied it (0 only inside that
            # trigger), so the table holds exactly what a rebuild makes (proposals 0033)
            models.CheckConstraint(condition=models.Q(deadlines__gte=0), name="deadline_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year}: {self.deadlines}"


class ReportTally(models.Model):
    """The public-opinion reports' figures of one committee and year, kept by the database (#22): the submitted reports
    (drafts are never counted), the accepted ones, those with an adoption (at any level and at each level) and those
    with a leader's instruction, by the definitions of ``proposals.selectors.report_figure_q``. The figures page and
    its workbook read these cells instead of the year's reports; the triggers of
    ``proposals/migrations/0035_report_tally.py`` keep them, ``proposals.tally`` rebuilds and checks them."""

    # Keys, not foreign keys: the triggers write them (reports protect their committee).
    committee_id = models.PositiveIntegerField(_("committee"))
    year = models.PositiveSmallIntegerField(_("year"))
    submitted = models.IntegerField(_("submitted"), default=0)
    accepted = models.IntegerField(_("accepted"), default=0)
    adopted = models.IntegerField(_("adopted at any level"), default=0)
    adopted_national = models.IntegerField(_("adopted at the national level"), default=0)
    adopted_provincial = models.IntegerField(_("adopted at the provincial level"), default=0)
    adopted_city = models.IntegerField(_("adopted at the city level"), default=0)
    adopted_district = models.IntegerField(_("adopted at the district level"), default=0)
    instructed = models.IntegerField(_("instructed by leaders"), default=0)

    class Meta:
        verbose_name = _("report figure tally")
        verbose_name_plural = _("report figure tallies")
        constraints = [models.UniqueConstraint(fields=["committee_id", "year"], name="report_tally_cell")]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year}: {self.submitted}"

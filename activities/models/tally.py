"""The filed activities per group and year kept by the database (#22): the annual settlement's "filed activities"
(its page, both workbooks, the funding) read one cell per group instead of counting the year's filed activities of
the committee on every request (50,634 index entries at 50k)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FiledTally(models.Model):
    """The filed activities of one group in one calendar year (local time, by ``starts_at``), counted under the
    activity's own committee, as ``assessments.selectors.group_settlement`` counts them. The triggers of
    ``activities/migrations/0010_filed_tally.py`` (race-free since 0014) keep it; ``activities.tally`` rebuilds and checks it."""

    # Keys, not foreign keys: the triggers write them, and activities protect their committee and group.
    committee_id = models.PositiveIntegerField(_("committee"))
    year = models.PositiveSmallIntegerField(_("year"))
    group_id = models.PositiveIntegerField(_("group"))
    filed = models.IntegerField(_("filed activities"), default=0)

    class Meta:
        verbose_name = _("filed activities tally")
        verbose_name_plural = _("filed activities tallies")
        constraints = [
            # the settlement reads a committee's year: the key in that order
            models.UniqueConstraint(fields=["committee_id", "year", "group_id"], name="filed_tally_cell"),
            # never negative; a cell that reaches 0 is deleted by the trigger that emptied it (0 only inside that
            # trigger), so the table holds exactly what a rebuild from the rows makes (activities 0014)
            models.CheckConstraint(condition=Q(filed__gte=0), name="filed_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.year} · {self.group_id}: {self.filed}"

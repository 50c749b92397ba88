"""The members in office per committee kept by the database (#22): the coverage page, the leaders' home, the
workbench's "uncovered" to-do and the committees' overview read one row per committee instead of counting the
committee's members on every request (a sequential scan of the 50,000 members, 11–48 ms)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MemberTally(models.Model):
    """The members in office (``Member.Status.ACTIVE``) of one committee, and how many of them are standing members
    常委. The triggers of ``groups/migrations/0030_member_tally.py`` keep it; ``groups.tally`` rebuilds and checks it."""

    # A key, not a foreign key: the triggers write it, and members protect their committee.
    committee_id = models.PositiveIntegerField(_("committee"), unique=True)
    in_office = models.IntegerField(_("members in office"), default=0)
    standing = models.IntegerField(_("standing members in office"), default=0)

    class Meta:
        verbose_name = _("members in office tally")
        verbose_name_plural = _("members in office tallies")
        constraints = [
            # never negative; a row that reaches 0 is deleted by the trigger that emptied it (0 only inside that
            # trigger), so the table holds exactly what a rebuild makes (groups 0031)
            models.CheckConstraint(condition=Q(in_office__gte=0), name="member_tally_not_negative"),
            models.CheckConstraint(
                condition=Q(standing__gte=0, standing__lte=F("in_office")), name="member_tally_standing_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}: {self.in_office} ({self.standing})"

"""The open deadlines per committee and year kept as data (#22): ``DeadlineTally`` equal to the assignments it counts.

The database keeps the rows (the triggers of ``proposals/migrations/0029_deadline_tally.py`` move an assignment from
its old committee-year to its new one, and a proposal's active assignments as it enters or leaves handling, in the
transaction of every write); this module says what the assignments say of every committee-year (active, of a
proposal in handling, by the proposal's committee and the calendar year of the due date: ``open_deadlines``), rebuilds
the table from them (``manage.py deadlines_rebuild``) and lists where the two differ (``--check``;
``tests/proposals/test_deadline_tally.py`` runs random writes and compares)."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from core.management import kept_counts
from proposals.models import Assignment, DeadlineTally, Proposal

Cell = tuple[int, int]  # committee, year


def open_deadlines() -> QuerySet[Assignment]:
    """The assignments counted: active, of a proposal in handling (what the workbench's calendar gaps are about)."""
    return Assignment.objects.filter(is_active=True, proposal__state__in=Proposal.HANDLING_STATES)


def counted() -> dict[Cell, int]:
    """Every non-empty committee-year as the assignments say it: (committee, year) -> open deadlines."""
    rows = (
        open_deadlines()
        .order_by()
        .annotate(year=ExtractYear("due_date"))
        .values_list("proposal__committee_id", "year")
        .annotate(n=Count("pk"))
    )
    return {(committee, year): n for committee, year, n in rows}


def tallied() -> dict[Cell, int]:
    """Every row of the table: (committee, year) -> open deadlines."""
    return {(c, y): n for c, y, n in DeadlineTally.objects.values_list("committee_id", "year", "deadlines")}


def differences() -> dict[Cell, tuple[int | None, int | None]]:
    """Rows where the table and the assignments disagree: key -> (the table's count, the assignments'), None: none."""
    return kept_counts.differences(tallied(), counted())


def rebuild() -> int:
    """Count every committee-year from the assignments again (repairs; the triggers keep it otherwise)."""
    rows = counted()
    DeadlineTally.objects.all().delete()
    DeadlineTally.objects.bulk_create(
        DeadlineTally(committee_id=committee, year=year, deadlines=n) for (committee, year), n in rows.items()
    )
    return len(rows)

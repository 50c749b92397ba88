"""The proposal figures kept as data (#22): ``FigureTally`` equal to the proposals it counts.

The database keeps the cells (the triggers of ``proposals/migrations/0020_figure_tally.py`` move a proposal's counts
from its old cell to its new one in the transaction of every write); this module says what the proposals say of
every cell, by the figures' own definitions (``proposals.selectors.KEPT``: ``FIGURE_FILTERS`` and the ratings
apart), rebuilds the table from them (``manage.py figures_rebuild``) and lists where the two differ (``--check``;
``tests/proposals/test_figure_tally.py`` runs random writes and compares). The triggers are those of 0020, written
again with the ratings apart by ``proposals/migrations/0033_figure_tally_ratings.py``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Value
from django.db.models.functions import Coalesce

from core.management import kept_counts
from proposals.models import FigureTally, OpinionReport, Proposal, ReportTally
from proposals.selectors import KEPT, REPORT_TALLIED, TALLIED, report_tally_counts

KEY = ("committee_id", "year", "lead_unit_key", "category", "result_code")

Cell = tuple[int, int, int, str, str]


def counted() -> dict[Cell, tuple[int, ...]]:
    """Every non-empty cell as the proposals say it: key -> the ``TALLIED`` counts."""
    rows = (
        Proposal.objects.exclude(state=Proposal.State.DRAFT)
        .order_by()
        .annotate(lead_unit_key=Coalesce("lead_unit_id", Value(0)))
        .values_list(*KEY)
        .annotate(
            **{name: Count("committee", filter=KEPT[name]) if KEPT[name] else Count("committee") for name in TALLIED}
        )
    )
    return {tuple(row[: len(KEY)]): tuple(row[len(KEY) :]) for row in rows}


def tallied() -> dict[Cell, tuple[int, ...]]:
    """Every cell of the table: key -> the ``TALLIED`` counts."""
    return {tuple(row[: len(KEY)]): tuple(row[len(KEY) :]) for row in FigureTally.objects.values_list(*KEY, *TALLIED)}


def differences() -> dict[Cell, tuple[Any, Any]]:
    """Cells where the table and the proposals disagree: key -> (the table's counts, the proposals'), None for none."""
    return kept_counts.differences(tallied(), counted())


def rebuild() -> int:
    """Count every cell from the proposals again (repairs; the triggers keep it otherwise), and the reports' cells
    (``rebuild_reports``); returns the cells."""
    cells = counted()
    FigureTally.objects.all().delete()
    FigureTally.objects.bulk_create(
        FigureTally(**dict(zip(KEY, key, strict=True)), **dict(zip(TALLIED, counts, strict=True)))
        for key, counts in cells.items()
    )
    return len(cells) + rebuild_reports()


# --- the reports' figures (``ReportTally``, proposals/migrations/0035_report_tally.py) ---------------------------

REPORT_KEY = ("committee_id", "year")


def reports_counted() -> dict[tuple[int, int], tuple[int, ...]]:
    """Every non-empty cell of the reports as the reports say it: (committee, year) -> the ``REPORT_TALLIED`` counts."""
    rows = (
        OpinionReport.objects.exclude(state=OpinionReport.State.DRAFT)
        .order_by()
        .values_list(*REPORT_KEY)
        .annotate(**report_tally_counts())
    )
    return {tuple(row[:2]): tuple(row[2:]) for row in rows}


def reports_tallied() -> dict[tuple[int, int], tuple[int, ...]]:
    """Every cell of the reports' table: (committee, year) -> the ``REPORT_TALLIED`` counts."""
    return {tuple(row[:2]): tuple(row[2:]) for row in ReportTally.objects.values_list(*REPORT_KEY, *REPORT_TALLIED)}


def report_differences() -> dict[tuple[int, int], tuple[Any, Any]]:
    """Cells where the reports' table and the reports disagree: key -> (the table's counts, the reports')."""
    return kept_counts.differences(reports_tallied(), reports_counted())


def rebuild_reports() -> int:
    """Count every cell of the reports again; returns the cells."""
    cells = reports_counted()
    ReportTally.objects.all().delete()
    ReportTally.objects.bulk_create(
        ReportTally(**dict(zip(REPORT_KEY, key, strict=True)), **dict(zip(REPORT_TALLIED, counts, strict=True)))
        for key, counts in cells.items()
    )
    return len(cells)

"""The handling units' yearly evaluation sheet 承办单位年度考评表: each unit's figures for one committee and year.

The proposal figures reuse the figure filters of ``proposals.selectors`` (the same rules as the proposal figures
page); consultation outcomes count those handed to the unit from the year's sessions (the year of the outcome board's
filter). Three queries,
whatever the number of units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from consultations.models import Outcome
from core.dates import in_year
from groups.models import HandlingUnit
from proposals.models import Proposal
from proposals.selectors import figure_q

# (key, figure filter) of each proposal count; the ratings count each answer apart (满意/基本满意/不满意)
PROPOSAL_FIGURES = ("replied", "on_time", "late", "overdue", "rated", "implemented", "closed")
RATINGS = {
    "rated_satisfied": Proposal.Rating.SATISFIED,
    "rated_basic": Proposal.Rating.BASIC,
    "rated_unsatisfied": Proposal.Rating.UNSATISFIED,
}
FIELDS = (
    "assigned",
    *PROPOSAL_FIGURES,
    *RATINGS,
    "outcomes",
    "outcomes_replied",
    "outcomes_on_time",
    "outcomes_overdue",
)


@dataclass
class UnitSheet:
    """One unit's figures for the year (every count an ``int``)."""

    unit_id: int
    name: str
    assigned: int = 0
    replied: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    rated: int = 0
    rated_satisfied: int = 0
    rated_basic: int = 0
    rated_unsatisfied: int = 0
    implemented: int = 0
    closed: int = 0
    outcomes: int = 0
    outcomes_replied: int = 0
    outcomes_on_time: int = 0
    outcomes_overdue: int = 0

    def values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}


def _proposal_counts(committee_id: int, year: int, today: date) -> dict[int, dict]:
    counts = {name: Count("pk", filter=figure_q(name, today)) for name in PROPOSAL_FIGURES}
    counts |= {name: Count("pk", filter=Q(rating=value)) for name, value in RATINGS.items()}
    rows = (
        Proposal.objects.filter(year=year, lead_unit__committee_id=committee_id)
        .exclude(state=Proposal.State.DRAFT)
        .values("lead_unit")
        .annotate(assigned=Count("pk"), **counts)
        .order_by("lead_unit")
    )
    return {row.pop("lead_unit"): row for row in rows}


def _outcome_counts(committee_id: int, year: int, today: date) -> dict[int, dict]:
    rows = (
        Outcome.objects.filter(unit__committee_id=committee_id, state__in=Outcome.HANDED_OVER)
        .filter(in_year("session__starts_at", year))
        .values("unit")
        .annotate(
            outcomes=Count("pk"),
            outcomes_replied=Count("pk", filter=Q(replied_at__isnull=False)),
            outcomes_on_time=Count("pk", filter=Q(answered_on_time=True)),
            # the same rule as OutcomeQuerySet.overdue
            outcomes_overdue=Count("pk", filter=Q(state__in=Outcome.OPEN_AT_UNIT, deadline__lt=today)),
        )
        .order_by("unit")
    )
    return {row.pop("unit"): row for row in rows}


def unit_sheets(committee_id: int, year: int, today: date | None = None) -> list[UnitSheet]:
    """Every handling unit of the committee (active, or with figures in the year) with its year's figures."""
    today = today or timezone.localdate()
    proposals = _proposal_counts(committee_id, year, today)
    outcomes = _outcome_counts(committee_id, year, today)
    units = (
        HandlingUnit.objects.filter(committee_id=committee_id)
        .order_by("name", "pk")
        .values_list("pk", "name", "is_active")
    )
    return [
        UnitSheet(unit_id=pk, name=name, **proposals.get(pk, {}), **outcomes.get(pk, {}))
        for pk, name, active in units
        if active or pk in proposals or pk in outcomes
    ]


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal (``None`` when nothing to divide by), as on the proposal figures page."""
    return round(100 * part / whole, 1) if whole else None


SHEET_NAME_MAX = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_titles(names: list[str], taken: tuple[str, ...] = ()) -> list[str]:
    """Excel sheet names for ``names``: forbidden characters replaced, at most 31 characters, unique (Excel
    compares them case-insensitively), none equal to one of ``taken``."""
    seen = {t.casefold() for t in taken}
    titles = []
    for name in names:
        base = _FORBIDDEN.sub("_", name).strip().strip("'") or "_"
        title, n = base[:SHEET_NAME_MAX], 1
        while title.casefold() in seen:
            n += 1
            suffix = f"({n})"
            title = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        seen.add(title.casefold())
        titles.append(title)
    return titles

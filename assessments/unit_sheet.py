"""The handling units' yearly evaluation sheet 承办单位年度考评表: each unit's figures for one committee and year.

The proposal figures are those of the proposal figures page by the same rules (``proposals.selectors``), read from
the cells the database keeps of them (``proposals.FigureTally``) but "overdue now", counted from the proposals;
consultation outcomes count those handed to the unit from the year's sessions (the year of the outcome board's
filter). Three queries, whatever the number of units.

Each figure's rows (``figure_rows``) are read with the same filter as its count (``PROPOSAL_Q``/``OUTCOME_Q``), so
a number on the sheet always equals the list behind it, for staff and for the unit itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.utils import timezone

from consultations.models import Outcome
from core.dates import in_year
from groups.models import HandlingUnit
from proposals.models import FigureTally, Proposal
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


def proposal_q(name: str, today: date) -> Q:
    """The proposals one proposal figure of the sheet counts (of those the unit leads in the year)."""
    if name in RATINGS:
        return Q(rating=RATINGS[name])
    return Q() if name == "assigned" else figure_q(name, today)


def outcome_q(name: str, today: date) -> Q:
    """The outcomes one outcome figure of the sheet counts (of those handed to the unit from the year's sessions)."""
    return {
        "outcomes": Q(),
        "outcomes_replied": Q(replied_at__isnull=False),
        "outcomes_on_time": Q(answered_on_time=True),
        # the same rule as OutcomeQuerySet.overdue
        "outcomes_overdue": Q(state__in=Outcome.OPEN_AT_UNIT, deadline__lt=today),
    }[name]


OUTCOME_FIGURES = ("outcomes", "outcomes_replied", "outcomes_on_time", "outcomes_overdue")


def _count(q: Q, column: str = "pk") -> Count:
    return Count(column, filter=q) if q else Count(column)


def _proposals(committee_id: int, year: int, unit_ids=None):
    # the committee's proposals led by its units (a city proposal handed to a district's unit is the city's, and
    # the district's staff cannot open it)
    qs = Proposal.objects.filter(year=year, committee_id=committee_id, lead_unit__committee_id=committee_id).exclude(
        state=Proposal.State.DRAFT
    )
    return qs if unit_ids is None else qs.filter(lead_unit_id__in=unit_ids)


def _outcomes(committee_id: int, year: int, unit_ids=None):
    qs = Outcome.objects.filter(
        committee_id=committee_id, unit__committee_id=committee_id, state__in=Outcome.HANDED_OVER
    ).filter(in_year("session__starts_at", year))
    return qs if unit_ids is None else qs.filter(unit_id__in=unit_ids)


def figure_rows(committee_id: int, year: int, unit_id: int, figure: str, today: date | None = None):
    """The proposals or outcomes behind one figure of one unit's sheet (``None`` for an unknown figure): the same
    rows its count counts."""
    today = today or timezone.localdate()
    if figure in (
        "assigned",
        "satisfied",
        *PROPOSAL_FIGURES,
        *RATINGS,
    ):  # satisfied: 满意 and 基本满意, the rate's part
        return _proposals(committee_id, year, [unit_id]).filter(proposal_q(figure, today))
    if figure in OUTCOME_FIGURES:
        return _outcomes(committee_id, year, [unit_id]).filter(outcome_q(figure, today))
    return None


# The sheet's proposal figures from the kept cells' columns (``proposals.FigureTally``): each figure a column, or
# a difference of two (every replied proposal is on time or late; ``satisfied`` counts 满意 and 基本满意).
_FROM_CELLS = {
    "assigned": ("submitted", None),
    "replied": ("replied", None),
    "on_time": ("on_time", None),
    "late": ("replied", "on_time"),
    "rated": ("rated", None),
    "implemented": ("implemented", None),
    "closed": ("closed", None),
    "rated_satisfied": ("satisfied", "basic"),
    "rated_basic": ("basic", None),
    "rated_unsatisfied": ("unsatisfied", None),
}
_CELL_COLUMNS = (
    "submitted",
    "replied",
    "on_time",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "implemented",
    "closed",
)


def _proposal_counts(committee_id: int, year: int, today: date, unit_ids=None) -> dict[int, dict]:
    """Each unit's proposal figures, one statement: the cells the database keeps (``FigureTally``: the committee's
    year of proposals per request was 15 ms at 50k, its few hundred cells 0.5), summed per lead unit, and "overdue
    now", which moves with the date, counted from the proposals in handling (index ``proposal_overdue``)."""
    units = HandlingUnit.objects.filter(committee_id=committee_id)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    zero = Value(0, output_field=IntegerField())
    kept = (
        FigureTally.objects.filter(committee_id=committee_id, year=year, lead_unit_key__in=units.values("pk"))
        .order_by()
        .values_list("lead_unit_key")
        .annotate(**{name: Sum(name) for name in _CELL_COLUMNS}, overdue=zero)
    )
    overdue = (
        _proposals(committee_id, year, unit_ids)
        .filter(figure_q("overdue", today))
        .order_by()
        .values_list("lead_unit")
        .annotate(**dict.fromkeys(_CELL_COLUMNS, zero), overdue=Count("committee"))  # index-only: see ``_proposals``
    )
    sums: dict[int, list[int]] = {}
    for unit, *values in kept.union(overdue, all=True):
        total = sums.setdefault(unit, [0] * len(values))
        for i, value in enumerate(values):
            total[i] += value or 0
    counts = {}
    for unit, values in sums.items():
        cell = dict(zip((*_CELL_COLUMNS, "overdue"), values, strict=True))
        counts[unit] = {name: cell[of] - (cell[minus] if minus else 0) for name, (of, minus) in _FROM_CELLS.items()}
        counts[unit]["overdue"] = cell["overdue"]
    return counts


def _outcome_counts(committee_id: int, year: int, today: date, unit_ids=None) -> dict[int, dict]:
    counts = {name: _count(outcome_q(name, today)) for name in OUTCOME_FIGURES}
    rows = _outcomes(committee_id, year, unit_ids).values("unit").annotate(**counts).order_by("unit")
    return {row.pop("unit"): row for row in rows}


def unit_sheets(committee_id: int, year: int, today: date | None = None, unit_ids=None) -> list[UnitSheet]:
    """Every handling unit of the committee (active, or with figures in the year) with its year's figures;
    ``unit_ids``: those units only (a unit's own sheet)."""
    today = today or timezone.localdate()
    proposals = _proposal_counts(committee_id, year, today, unit_ids)
    outcomes = _outcome_counts(committee_id, year, today, unit_ids)
    units = HandlingUnit.objects.filter(committee_id=committee_id)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    units = units.order_by("name", "pk").values_list("pk", "name", "is_active")
    return [
        UnitSheet(unit_id=pk, name=name, **proposals.get(pk, {}), **outcomes.get(pk, {}))
        for pk, name, active in units
        if active or pk in proposals or pk in outcomes or unit_ids is not None
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


def readable_units(user):
    """The handling units whose sheet ``user`` may read: every unit of the committees they are staff or a leader
    of, and their own units (a unit's user sees its own sheet only)."""
    from groups.access import scope_of

    scope = scope_of(user)
    if scope.is_superuser:
        return HandlingUnit.objects.all()
    return HandlingUnit.objects.filter(
        Q(committee_id__in=scope.staff_committee_ids | scope.leader_committee_ids) | Q(pk__in=scope.unit_ids)
    )

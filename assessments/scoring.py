"""The scoring engine: a rule book and a member's duty events in, a breakdown of points out.

Pure functions over frozen dataclasses, no database: the same inputs always give the same
breakdown, which is what makes a quarter's roll-up reproducible. All arithmetic is ``Decimal``;
each line is rounded to hundredths (half up) before anything is added, so subtotals are the sums
of what the member sees.

How a total is reached:
1. Each event is priced by the rules of its kind (``kinds.pricing_of``); with ``nth_from`` rules the
   event's occurrence number among the events priced by the same rule kind (in date order) picks
   the rule, so "first filed proposal 15, each extra 5" is two rows.
2. A line's points: rule points x quantity (per unit, e.g. half-days) or x 1 (per occurrence),
   divided by the number of authors when the rule says co-authors share.
3. Lines add up per category; a category cap limits the subtotal (raw and capped are both kept).
4. Positive subtotals are the bonus, limited by the bonus cap (济南: up to 50 above the base of 70);
   negative subtotals (deductions, e.g. unexcused absence) are taken off in full.
5. total = base + bonus (capped) + deductions; the grade is the band holding the total.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .kinds import Share, counts_as, pricing_of

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class DutyEvent:
    """One thing a member did (or missed) that a rule may price, with a link back to its source."""

    kind: str
    on: date
    quantity: Decimal = Decimal(1)
    role: str = ""
    authors: int = 1
    source: tuple[str, int] | None = None  # (model label, pk), e.g. ("proposals.proposal", 12)
    title: str = ""

    def __post_init__(self):
        object.__setattr__(self, "quantity", _d(self.quantity))
        if self.authors < 1:
            raise ValueError("authors must be at least 1")


@dataclass(frozen=True)
class Rule:
    kind: str
    points: Decimal
    nth_from: int = 1
    per_unit: bool = True
    share: str = Share.FULL
    category: str = ""


@dataclass(frozen=True)
class Band:
    label: str
    min_score: Decimal | None = None  # inclusive; None: no lower bound
    max_score: Decimal | None = None  # exclusive; None: no upper bound

    def holds(self, score: Decimal) -> bool:
        return (self.min_score is None or score >= self.min_score) and (
            self.max_score is None or score < self.max_score
        )


@dataclass(frozen=True)
class RuleBook:
    """A rule set as plain data; ``RuleSet.book()`` builds one from the database."""

    rules: tuple[Rule, ...]
    base: Decimal = ZERO
    bonus_cap: Decimal | None = None
    caps: dict[str, Decimal] = field(default_factory=dict)
    minimums: dict[str, int] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()

    def rules_for(self, kind: str) -> list[Rule]:
        return sorted((r for r in self.rules if r.kind == kind), key=lambda r: r.nth_from)


@dataclass(frozen=True)
class Line:
    event: DutyEvent
    rule_kind: str | None  # None: no rule prices this event (shown, worth nothing)
    occurrence: int
    points: Decimal
    category: str


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    raw: Decimal
    cap: Decimal | None
    capped: Decimal


@dataclass(frozen=True)
class Shortfall:
    kind: str
    required: int
    actual: int


@dataclass(frozen=True)
class Breakdown:
    lines: tuple[Line, ...]
    categories: tuple[CategoryTotal, ...]
    base: Decimal
    bonus_raw: Decimal
    bonus_cap: Decimal | None
    bonus: Decimal
    deductions: Decimal
    total: Decimal
    grade: str | None
    missing: tuple[Shortfall, ...]


def _ordered(events) -> list[DutyEvent]:
    return sorted(events, key=lambda e: (e.on, e.source or ("", 0), e.kind, e.title))


def _rule_for(book: RuleBook, kind: str, occurrence: int) -> Rule | None:
    chosen = None
    for rule in book.rules_for(kind):
        if rule.nth_from <= occurrence:
            chosen = rule
    return chosen


def _points(rule: Rule, event: DutyEvent) -> Decimal:
    points = rule.points * (event.quantity if rule.per_unit else 1)
    if rule.share == Share.SPLIT:
        points = points / event.authors
    return points.quantize(CENT, rounding=ROUND_HALF_UP)


def price_events(book: RuleBook, events) -> list[Line]:
    """One line per event and pricing slot that has a rule; events no rule prices get a 0 line."""
    seen: dict[str, int] = defaultdict(int)
    lines = []
    for event in _ordered(events):
        priced = False
        for slot in pricing_of(event.kind):
            kind = next((k for k in slot if book.rules_for(k)), None)
            if kind is None:
                continue
            seen[kind] += 1
            rule = _rule_for(book, kind, seen[kind])
            if rule is not None:
                lines.append(Line(event, kind, seen[kind], _points(rule, event), rule.category))
                priced = True
        if not priced:
            lines.append(Line(event, None, 0, ZERO, ""))
    return lines


def category_totals(book: RuleBook, lines) -> list[CategoryTotal]:
    """Subtotals per category in first-seen order, each limited by its cap."""
    raw: dict[str, Decimal] = {}
    for line in lines:
        if line.rule_kind is not None:
            raw[line.category] = raw.get(line.category, ZERO) + line.points
    totals = []
    for category, amount in raw.items():
        cap = book.caps.get(category) if category else None
        totals.append(CategoryTotal(category, amount, cap, amount if cap is None else min(amount, cap)))
    return totals


def shortfalls(book: RuleBook, events) -> list[Shortfall]:
    """Minimum yearly requirements not met: at least N events standing for a kind."""
    missing = []
    for kind, required in sorted(book.minimums.items()):
        actual = sum(1 for e in events if kind in counts_as(e.kind))
        if actual < required:
            missing.append(Shortfall(kind, required, actual))
    return missing


def grade_for(book: RuleBook, total: Decimal) -> str | None:
    return next((b.label for b in book.bands if b.holds(total)), None)


def score(book: RuleBook, events) -> Breakdown:
    """The full breakdown of one member's events for a period under a rule book."""
    events = list(events)
    lines = price_events(book, events)
    categories = category_totals(book, lines)
    bonus_raw = sum((c.capped for c in categories if c.capped > 0), ZERO)
    deductions = sum((c.capped for c in categories if c.capped < 0), ZERO)
    bonus = bonus_raw if book.bonus_cap is None else min(bonus_raw, book.bonus_cap)
    total = book.base + bonus + deductions
    return Breakdown(
        lines=tuple(lines), categories=tuple(categories), base=book.base, bonus_raw=bonus_raw,
        bonus_cap=book.bonus_cap, bonus=bonus, deductions=deductions, total=total,
        grade=grade_for(book, total), missing=tuple(shortfalls(book, events)),
    )


def overlapping_bands(bands) -> list[tuple[Band, Band]]:
    """Pairs of grade bands that share a score: a rule set must have none."""
    def low(b):
        return b.min_score if b.min_score is not None else Decimal("-Infinity")

    def high(b):
        return b.max_score if b.max_score is not None else Decimal("Infinity")

    ordered = sorted(bands, key=low)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:] if low(b) < high(a)]

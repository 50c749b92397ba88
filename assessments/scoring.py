"""The scoring engine: a rule book and a member's duty events in, a breakdown of points out.

Pure functions over frozen dataclasses, no database: the same inputs always give the same
breakdown, which is what makes a quarter's roll-up reproducible. All arithmetic is ``Decimal``;
each line is rounded to hundredths (half up) before anything is added, so subtotals are the sums
of what the member sees.

How a total is reached:
1. Each event is priced by the rules of its kind (``kinds.pricing_of``); with ``nth_from`` rules the
   event's occurrence number among the events priced by the same rule kind (in date order) picks
   the rule, so "first filed proposal 15, each extra 5" is two rows. Rules marked ``adds`` (on top)
   stay out of that choice: each prices, in addition, every event that stands for its kind
   (``kinds.counts_as``), numbered among its own events — "三进 activity: +2 on top of the
   attendance points" is a rule for ``activity_three_enters`` that adds.
2. A line's points: rule points x quantity (per unit, e.g. half-days) or x 1 (per occurrence),
   divided by the number of authors (``split``) or of co-signers (``cosigners``: authors - 1, at
   least 1) when the rule shares, then rounded half up to the rule's step (0.01, 0.1, 0.5 or 1).
3. Lines add up per category; a category cap limits the subtotal (raw and capped are both kept).
4. Positive subtotals are the bonus, limited by the bonus cap (济南: up to 50 above the base of 70);
   negative subtotals (deductions, e.g. unexcused absence) are taken off in full.
5. total = base + bonus (capped) + deductions; the grade is the band holding the total.
6. Minimums: each group of alternatives (any of its kinds reaching its count) not met is a
   shortfall; with shortfalls the grade is at most, or exactly, the grade the rule set names.
7. Two years running: a total below ``repeat_below`` this year and last year (the previous year's
   final snapshot) gives ``repeat_grade`` (济南: below 60 two years running).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .kinds import Share, ShortfallEffect, counts_as, missing_text, pricing_of

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _d(value: Decimal | int | float | str) -> Decimal:
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

    def __post_init__(self) -> None:
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
    adds: bool = False  # on top: prices every event standing for its kind, besides the slot's rule
    rounding: Decimal = CENT

    @property
    def key(self) -> str:
        """The rule kind as the engines number occurrences: an adding rule counts apart ("+kind")."""
        return f"+{self.kind}" if self.adds else str(self.kind)


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
    # kind -> group label: minimums sharing a label are alternatives (any one met is enough)
    minimum_groups: dict[str, str] = field(default_factory=dict)
    shortfall_effect: str = ShortfallEffect.NONE
    shortfall_grade: str = ""
    repeat_below: Decimal | None = None
    repeat_grade: str = ""

    def rules_for(self, kind: str, adds: bool = False) -> list[Rule]:
        return sorted((r for r in self.rules if r.kind == kind and r.adds == adds), key=lambda r: r.nth_from)

    def adding_kinds(self) -> list[str]:
        return sorted({str(r.kind) for r in self.rules if r.adds})

    def minimum_group(self, kind: str) -> str:
        """The group a minimum belongs to: its label, or the kind itself when it stands alone."""
        return self.minimum_groups.get(kind) or f"={kind}"


@dataclass(frozen=True)
class Line:
    event: DutyEvent
    rule_kind: str | None  # None: no rule prices this event (shown, worth nothing)
    occurrence: int
    points: Decimal
    category: str
    rule: Rule | None = None  # the rule that priced the line
    exact: Decimal | None = None  # before rounding (points x quantity / sharers)
    counted: Decimal | None = None  # what the line adds to the total after the category and bonus caps


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
    group: str = ""  # the any-of group's label; empty for a minimum of its own


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
    band_grade: str | None = None  # the band holding the total, before minimums and the two-year condition
    previous_total: Decimal | None = None
    grade_reason: str = ""  # in words, why ``grade`` is not ``band_grade`` ("" when it is)


def _ordered(events: Iterable[DutyEvent]) -> list[DutyEvent]:
    return sorted(events, key=lambda e: (e.on, e.source or ("", 0), e.kind, e.title))


def _rule_for(book: RuleBook, kind: str, occurrence: int, adds: bool = False) -> Rule | None:
    chosen = None
    for rule in book.rules_for(kind, adds):
        if rule.nth_from <= occurrence:
            chosen = rule
    return chosen


def sharers(rule: Rule, authors: int) -> int:
    """How many share the rule's points: 1, the authors, or the co-signers (the authors but the lead)."""
    if rule.share == Share.SPLIT:
        return authors
    if rule.share == Share.COSIGNERS:
        return max(authors - 1, 1)
    return 1


def exact_points(rule: Rule, event: DutyEvent) -> Decimal:
    return rule.points * (event.quantity if rule.per_unit else 1) / sharers(rule, event.authors)


def round_to(amount: Decimal, step: Decimal) -> Decimal:
    """``amount`` rounded half up (away from zero) to a multiple of ``step``, in hundredths."""
    step = _d(step)
    return ((amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(CENT)


def _line(event: DutyEvent, kind: str, occurrence: int, rule: Rule) -> Line:
    exact = exact_points(rule, event)
    return Line(event, kind, occurrence, round_to(exact, rule.rounding), rule.category, rule, exact)


def price_events(book: RuleBook, events: Iterable[DutyEvent]) -> list[Line]:
    """One line per event and pricing slot that has a rule, and per adding rule the event stands for;
    events no rule prices get a 0 line."""
    seen: dict[str, int] = defaultdict(int)
    adding = book.adding_kinds()
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
                lines.append(_line(event, kind, seen[kind], rule))
                priced = True
        stands_for = counts_as(event.kind)
        for kind in adding:
            if kind in stands_for:
                seen[f"+{kind}"] += 1
                rule = _rule_for(book, kind, seen[f"+{kind}"], adds=True)
                if rule is not None:
                    lines.append(_line(event, kind, seen[f"+{kind}"], rule))
                    priced = True
        if not priced:
            lines.append(Line(event, None, 0, ZERO, ""))
    return lines


def _counted(book: RuleBook, lines: Iterable[Line], categories: Iterable[CategoryTotal]) -> list[Line]:
    """Each priced line with what it adds after the caps: the category's cap, then the bonus cap,
    taken from the lines in date order (the first lines count in full, the one reaching a cap in part)."""
    from dataclasses import replace

    caps = {c.category: c.cap for c in categories}
    positive = {c.category for c in categories if c.capped > 0}
    raw_sum: dict[str, Decimal] = defaultdict(Decimal)
    bonus_so_far = ZERO
    out = []
    for line in lines:
        if line.rule_kind is None:
            out.append(line)
            continue
        cap = caps.get(line.category)
        before = raw_sum[line.category]
        raw_sum[line.category] += line.points
        counted = line.points if cap is None else min(raw_sum[line.category], cap) - min(before, cap)
        if line.category in positive and book.bonus_cap is not None:
            after = bonus_so_far + counted
            counted = min(after, book.bonus_cap) - min(bonus_so_far, book.bonus_cap)
            bonus_so_far = after
        out.append(replace(line, counted=counted))
    return out


def category_totals(book: RuleBook, lines: Iterable[Line]) -> list[CategoryTotal]:
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


def shortfalls(book: RuleBook, events: Sequence[DutyEvent]) -> list[Shortfall]:
    """Minimum yearly requirements not met: at least N events standing for a kind. Minimums of one
    group are alternatives: the group is missed only when none is met, and then all are listed."""
    actual = {kind: sum(1 for e in events if kind in counts_as(e.kind)) for kind in book.minimums}
    met = {book.minimum_group(k) for k, required in book.minimums.items() if actual[k] >= required}
    return [
        Shortfall(kind, required, actual[kind], book.minimum_groups.get(kind, ""))
        for kind, required in sorted(book.minimums.items())
        if book.minimum_group(kind) not in met
    ]


def grade_for(book: RuleBook, total: Decimal) -> str | None:
    return next((b.label for b in book.bands if b.holds(total)), None)


def final_grade(
    book: RuleBook, band_grade: str | None, short: bool, total: Decimal, previous_total: Decimal | None
) -> str | None:
    """The grade after the minimums' effect and the two-year condition (bands are best first)."""
    grade = band_grade
    if short and book.shortfall_effect == ShortfallEffect.FAIL:
        grade = book.shortfall_grade
    elif short and book.shortfall_effect == ShortfallEffect.CAP and grade is not None:
        ranks = [b.label for b in book.bands]
        if book.shortfall_grade in ranks and ranks.index(grade) < ranks.index(book.shortfall_grade):
            grade = book.shortfall_grade
    if (
        book.repeat_below is not None
        and previous_total is not None
        and total < book.repeat_below
        and previous_total < book.repeat_below
    ):
        grade = book.repeat_grade
    return grade


def grade_reason(
    book: RuleBook,
    band_grade: str | None,
    grade: str | None,
    missing: str,
    total: Decimal,
    previous_total: Decimal | None = None,
) -> str:
    """Why the final grade differs from the band holding the total, in the user's words ("" when it does not):
    "按总分为良好；未达最低要求（…），等次最高为一般；连续两年总分低于60分，等次定为约谈".

    ``missing``: the minimums not met as one line (``kinds.missing_text``). A snapshot does not keep last
    year's total (``previous_total`` None): the two-year rule is then read from the grade it gives."""
    from django.utils.translation import gettext as _

    if grade == band_grade:
        return ""
    parts = [_("%(band)s by the total") % {"band": band_grade or "—"}]
    shortfall_grade = final_grade(book, band_grade, True, total, None) if missing else band_grade
    if shortfall_grade != band_grade:
        text = (
            _("a yearly minimum is not met (%(missing)s), so the grade is at most %(grade)s")
            if book.shortfall_effect == ShortfallEffect.CAP
            else _("a yearly minimum is not met (%(missing)s), so the grade is %(grade)s")
        )
        parts.append(text % {"missing": missing, "grade": shortfall_grade})
    if (
        book.repeat_below is not None
        and total < book.repeat_below
        and grade == book.repeat_grade
        and (previous_total is None or previous_total < book.repeat_below)
    ):
        parts.append(
            _("below %(limit)s points this year and the year before, so the grade is %(grade)s")
            % {"limit": format(book.repeat_below.normalize(), "f"), "grade": grade}
        )
    return "；".join(parts)


def score(book: RuleBook, events: Iterable[DutyEvent], previous_total: Decimal | None = None) -> Breakdown:
    """The full breakdown of one member's events for a period under a rule book; ``previous_total``:
    the member's total of the year before (for the two-year condition), None when there is none."""
    events = list(events)
    lines = price_events(book, events)
    categories = category_totals(book, lines)
    bonus_raw = sum((c.capped for c in categories if c.capped > 0), ZERO)
    deductions = sum((c.capped for c in categories if c.capped < 0), ZERO)
    bonus = bonus_raw if book.bonus_cap is None else min(bonus_raw, book.bonus_cap)
    total = book.base + bonus + deductions
    missing = shortfalls(book, events)
    band_grade = grade_for(book, total)
    grade = final_grade(book, band_grade, bool(missing), total, previous_total)
    return Breakdown(
        lines=tuple(_counted(book, lines, categories)),
        categories=tuple(categories),
        base=book.base,
        bonus_raw=bonus_raw,
        bonus_cap=book.bonus_cap,
        bonus=bonus,
        deductions=deductions,
        total=total,
        grade=grade,
        missing=tuple(missing),
        band_grade=band_grade,
        previous_total=previous_total,
        grade_reason=""
        if grade == band_grade
        else grade_reason(
            book,
            band_grade,
            grade,
            missing_text(
                [{"kind": m.kind, "required": m.required, "actual": m.actual, "group": m.group} for m in missing]
            ),
            total,
            previous_total,
        ),
    )


def overlapping_bands(bands: Iterable[Band]) -> list[tuple[Band, Band]]:
    """Pairs of grade bands that share a score: a rule set must have none."""

    def low(b: Band) -> Decimal:
        return b.min_score if b.min_score is not None else Decimal("-Infinity")

    def high(b: Band) -> Decimal:
        return b.max_score if b.max_score is not None else Decimal("Infinity")

    ordered = sorted(bands, key=low)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :] if low(b) < high(a)]

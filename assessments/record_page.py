"""The duty record 履职档案 as people read it: the words of the page and of the PDF, from the engine's figures.

Nothing here prices anything: every number is the engine's (``scoring.Line.points``, ``exact``, ``counted``,
the breakdown's categories and shortfalls); this module only groups the lines and says in words what each
scored and why ("按规则计 5 分", "已达上限不再计分", "本规则不计分", "按规则扣 10 分"), so the page and the PDF
say the same thing. No database access: the page's query count is the selector's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext, pgettext

from core.ordinals import quarter_label

from .kinds import EventKind, Role, kind_label
from .scoring import Breakdown, Line
from .selectors import exact_text, how_priced, rule_text
from .sources import PLENARY_EVENT_KINDS, source_url

K = EventKind
ZERO = Decimal("0.00")

# What happened, for a line's heading: the kinds whose labels name a rule ("…（加分）", "(per half-day)",
# "(any type)") read as the fact itself, so no line says 加分 when the rule set gives it nothing.
EVENT_WORDS: dict[str, str] = {
    K.ACTIVITY_PRESENT: gettext_lazy("Activity attended"),
    K.PLENARY_PRESENT: gettext_lazy("Plenary session attended"),
    K.PLENARY_EXCUSED: gettext_lazy("Plenary session missed with leave"),
    K.PLENARY_ABSENT: gettext_lazy("Plenary session missed without leave"),
    K.PROPOSAL_KEY_LEAD: gettext_lazy("Key proposal, as lead author"),
    K.PROPOSAL_KEY_COSIGNER: gettext_lazy("Key proposal, as co-signer"),
    K.PROPOSAL_EXCELLENT_LEAD: gettext_lazy("Excellent proposal, as lead author"),
    K.PROPOSAL_EXCELLENT_COSIGNER: gettext_lazy("Excellent proposal, as co-signer"),
    K.REPORT_ADOPTED: gettext_lazy("Public-opinion report adopted"),
    K.REPORT_ADOPTED_NATIONAL: gettext_lazy("Report adopted by the national CPPCC"),
    K.REPORT_ADOPTED_PROVINCIAL: gettext_lazy("Report adopted by the provincial CPPCC"),
    K.REPORT_ADOPTED_CITY: gettext_lazy("Report adopted by the city CPPCC"),
    K.REPORT_ADOPTED_DISTRICT: gettext_lazy("Report adopted by the district CPPCC"),
}
# Minimums counted in times (次) rather than items (件).
_TIMES = {
    K.ACTIVITY_PRESENT,
    K.ACTIVITY_STUDY,
    K.ACTIVITY_INSPECTION,
    K.ACTIVITY_RESEARCH,
    K.ACTIVITY_CONSULTATION,
    K.ACTIVITY_SUPERVISION,
    K.ACTIVITY_SERVICE,
    K.ACTIVITY_RECEPTION,
    K.ACTIVITY_VISIT,
    K.ACTIVITY_THREE_ENTERS,
    K.PLENARY_PRESENT,
    K.CONSULTATION_PRESENT,
    K.PLATFORM_WORK,
    K.CONSTITUENT_CONTACT,
}


def event_label(kind: str) -> str:
    """What a member did, in their words ("社情民意信息被市政协采用"), never a rule's name."""
    words = EVENT_WORDS.get(kind)
    return str(words) if words is not None else kind_label(kind)


def points_text(amount: Decimal) -> str:
    """5.00 → "5", 2.50 → "2.5", -10.00 → "-10" (as points are said)."""
    value = Decimal(amount).quantize(Decimal("0.01")).normalize()
    return format(value, "f")


class LineState(str, Enum):
    SCORED = "scored"  # the rule's points count in full
    PARTLY_CAPPED = "partly_capped"  # a cap was reached on this line: part of it counts
    CAPPED = "capped"  # a cap was reached before: nothing more counts
    ZERO = "zero"  # a rule prices it at 0 (桐城: absent from the plenary)
    DEDUCTED = "deducted"  # a rule takes points off (合肥: unexcused absence −10)
    NOT_PRICED = "not_priced"  # no rule of the set prices it: shown, worth nothing


@dataclass(frozen=True)
class LineWords:
    state: LineState
    verdict: str  # what the line scored, in one phrase
    notes: tuple[str, ...] = ()  # why: the rule, the rounding, the cap


def line_state(line: Line) -> LineState:
    if line.rule is None and line.rule_kind is None:
        return LineState.NOT_PRICED
    counted = line.points if line.counted is None else line.counted
    if line.points < 0:
        return LineState.DEDUCTED
    if line.points == 0:
        return LineState.ZERO
    if counted <= 0:
        return LineState.CAPPED
    if counted < line.points:
        return LineState.PARTLY_CAPPED
    return LineState.SCORED


def _cap_note(
    line: Line, caps: Mapping[str, Decimal | None], raw: Mapping[str, Decimal], bonus_cap: Decimal | None
) -> str:
    cap = caps.get(line.category)
    if cap is not None and raw.get(line.category, ZERO) > cap:
        return _("the cap of %(category)s is %(cap)s points") % {
            "category": line.category or _("Other"),
            "cap": points_text(cap),
        }
    if bonus_cap is not None:
        return _("the bonus above the base score is at most %(cap)s points") % {"cap": points_text(bonus_cap)}
    return ""


def line_words(
    line: Line,
    caps: Mapping[str, Decimal | None] | None = None,
    raw: Mapping[str, Decimal] | None = None,
    bonus_cap: Decimal | None = None,
) -> LineWords:
    """What one line scored and why. ``caps``/``raw``: each category's cap and raw subtotal, to say which cap
    stopped a line (the category's, else the bonus cap)."""
    state = line_state(line)
    if state is LineState.NOT_PRICED:
        return LineWords(state, _("This rule set gives no points for it"))
    counted = line.points if line.counted is None else line.counted
    points = points_text(line.points)
    verdict = {
        LineState.SCORED: _("%(points)s points by the rule") % {"points": points},
        LineState.ZERO: _("0 points by the rule"),
        LineState.DEDUCTED: _("%(points)s points deducted by the rule") % {"points": points_text(-line.points)},
        LineState.CAPPED: _("The cap is reached: no more points"),
        LineState.PARTLY_CAPPED: _("%(points)s points by the rule; the cap is reached, %(counted)s counted")
        % {"points": points, "counted": points_text(counted)},
    }[state]
    notes = [_("Rule: %(rule)s") % {"rule": rule_text(line)}] if line.rule is not None else []
    exact = exact_text(line)
    if exact and Decimal(exact) != line.points:
        notes.append(_("%(exact)s before rounding, %(points)s after") % {"exact": exact, "points": points})
    if state is LineState.CAPPED:
        notes.append(_("the rule gives %(points)s points") % {"points": points})
    if state in (LineState.CAPPED, LineState.PARTLY_CAPPED):
        note = _cap_note(line, caps or {}, raw or {}, bonus_cap)
        if note:
            notes.append(note)
    if state is LineState.DEDUCTED and counted != line.points:
        notes.append(_("%(counted)s counted") % {"counted": points_text(counted)})
    return LineWords(state, verdict, tuple(notes))


@dataclass(frozen=True)
class Row:
    """One line of the record as the page and the PDF show it."""

    date: date
    label: str
    role: str
    title: str
    url: str | None
    half_days: int | None
    points: Decimal
    counted: Decimal
    words: LineWords
    line: Line | None = field(default=None, repr=False, compare=False)

    @property
    def how(self) -> str:
        """The rule and the steps in words (``selectors.how_priced``), worked out when read: the page does not."""
        return "" if self.line is None else how_priced(self.line)

    @property
    def state(self) -> str:
        return self.words.state.value

    @property
    def detail(self) -> str:
        return _("; ").join(self.words.notes)

    @property
    def what(self) -> str:
        """The event, the member's part and the half-days: "出席全体会议 · 4个半天"."""
        parts = [self.label]
        if self.role:
            parts.append(self.role)
        if self.half_days:
            parts.append(ngettext("%(n)s half-day", "%(n)s half-days", self.half_days) % {"n": self.half_days})
        return " · ".join(parts)

    @property
    def meta(self) -> str:
        return f"{self.date.isoformat()} · {self.what}"


@dataclass(frozen=True)
class RowGroup:
    """The lines of one category (or the lines no rule prices), with their count and what they add."""

    key: str
    heading: str
    rows: tuple[Row, ...]
    counted: Decimal
    priced: bool

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def summary(self) -> str:
        items = npgettext("lines", "%(n)s item", "%(n)s items", self.count) % {"n": self.count}
        if not self.priced:
            return _("%(items)s, no points") % {"items": items}
        return _("%(items)s, %(points)s points counted") % {"items": items, "points": points_text(self.counted)}


@dataclass(frozen=True)
class CategoryRow:
    category: str
    raw: Decimal
    cap: Decimal | None
    counted: Decimal
    # the category's lines on the page (``lines-N``, the N-th group) and how many, where they add up to the
    # category: the whole year as it stands (a quarter shows its own lines only, a locked year its snapshot)
    anchor: str = ""
    items: int | None = None


@dataclass(frozen=True)
class RecordPage:
    """Everything the page and the PDF say, in the same words."""

    year: int
    quarter: int | None
    period: str  # "2026年" / "2026年第二季度"
    total: Decimal
    grade: str | None
    grade_reason: str
    base: Decimal
    bonus: Decimal
    bonus_raw: Decimal
    bonus_cap: Decimal | None
    deductions: Decimal
    categories: tuple[CategoryRow, ...]
    missing: tuple[str, ...]  # "还差：提交提案或报送社情民意信息 1 件"
    locked_quarter: int | None
    total_label: str  # "2026年总分" / "全年累计（截至第二季度末）"
    period_points: Decimal | None = None  # a quarter: what its lines add (None for the whole year)
    period_items: int = 0
    period_raw: Decimal | None = None  # a quarter: its lines' points before the caps
    groups: tuple[RowGroup, ...] | None = None  # None: a summary without lines (a convener's view)
    line_count: int = 0

    @property
    def period_note(self) -> str:
        """A quarter whose lines met a cap: what the rules gave and what counted ("按规则计 20.5 分，…")."""
        if self.period_raw is None or self.period_raw == self.period_points:
            return ""
        return _("%(raw)s points by the rules, %(counted)s counted after the caps") % {
            "raw": points_text(self.period_raw),
            "counted": points_text(self.period_points),
        }


def grade_reason(b: Breakdown, book=None) -> str:
    """Why the grade is not the band's, in words; empty when it is: the engine's reason
    (``scoring.grade_reason``), so the page, the PDF, the API and the annual page say the same."""
    return str(b.grade_reason)


def missing_lines(b: Breakdown) -> list[str]:
    """Minimums not met, one line per requirement (alternatives joined by 或): "还差：提交提案或报送社情民意信息 1 件"."""
    order: list[str] = []
    groups: dict[str, list] = {}
    for m in b.missing:
        key = m.group or f"={m.kind}"
        if key not in groups:
            order.append(key)
            groups[key] = []
        groups[key].append(m)
    out = []
    for key in order:
        items = groups[key]
        short = min(max(m.required - m.actual, 1) for m in items)
        what = pgettext("alternatives", " or ").join(event_label(m.kind) for m in items)
        times = all(m.kind in _TIMES for m in items)
        amount = (
            npgettext("minimum", "%(n)s time", "%(n)s times", short)
            if times
            else npgettext("minimum", "%(n)s item", "%(n)s items", short)
        ) % {"n": short}
        out.append(_("Still needed: %(what)s %(amount)s") % {"what": what, "amount": amount})
    return out


def _role(role: str) -> str:
    label = _ROLE_LABELS.get(role)
    return role if label is None else str(label)


_ROLE_LABELS = {r.value: r.label for r in Role}  # built once (``Role.values`` is a new list per call)


class _Words:
    """A record's words worked out once for the lines that share them: a record of a hundred lines has a few kinds,
    roles, rules and sources, and each line's words (``line_words``: four to ten translations) and source link (a URL
    reversed) were most of the page's Python (about 150 µs a line)."""

    def __init__(self, caps, raw, bonus_cap):
        self.caps, self.raw, self.bonus_cap = caps, raw, bonus_cap
        self.words: dict[tuple, LineWords] = {}
        self.labels: dict[tuple[str, str], tuple[str, str]] = {}
        self.urls: dict[str, tuple[str, str] | None] = {}

    def of(self, line: Line) -> LineWords:
        # everything ``line_words`` reads of a line (``rule_text``: the rule, the quantity and the authors)
        key = (line.rule, line.rule_kind, line.points, line.counted, line.exact, line.category)
        key += (line.event.quantity, line.event.authors)
        words = self.words.get(key)
        if words is None:
            words = self.words[key] = line_words(line, self.caps, self.raw, self.bonus_cap)
        return words

    def label(self, kind: str, role: str) -> tuple[str, str]:
        found = self.labels.get((kind, role))
        if found is None:
            label, said = event_label(kind), _role(role)
            if said and said in label:  # "提案立案（领衔）" already says the member led it
                said = ""
            found = self.labels[(kind, role)] = (label, said)
        return found

    def url(self, source: tuple[str, int] | None) -> str | None:
        """``source_url``, reversed once per kind of source: the others are the same path with their own id."""
        if source is None:
            return None
        if source[0] not in self.urls:
            marker = 987654321
            url = source_url((source[0], marker))
            self.urls[source[0]] = tuple(url.split(str(marker), 1)) if url and url.count(str(marker)) == 1 else None
        parts = self.urls[source[0]]
        return f"{parts[0]}{source[1]}{parts[1]}" if parts else source_url(source)


def _row(line: Line, said: _Words) -> Row:
    event = line.event
    counted = line.points if line.counted is None else line.counted
    label, role = said.label(event.kind, event.role)
    return Row(
        event.on,
        label,
        role,
        event.title,
        said.url(event.source),
        int(event.quantity) if event.kind in PLENARY_EVENT_KINDS else None,
        line.points,
        counted if line.rule_kind is not None else ZERO,
        said.of(line),
        line,
    )


def row_groups(lines, categories, bonus_cap: Decimal | None) -> tuple[RowGroup, ...]:
    """The lines grouped by category, in the order of the categories, the lines no rule prices last."""
    caps = {c.category: c.cap for c in categories}
    raw = {c.category: c.raw for c in categories}
    said = _Words(caps, raw, bonus_cap)
    by_key: dict[str, list[Row]] = {c.category: [] for c in categories}
    unpriced: list[Row] = []
    for line in lines:
        row = _row(line, said)
        if line.rule_kind is None:
            unpriced.append(row)
        else:
            by_key.setdefault(line.category, []).append(row)
    groups = [
        RowGroup(key, key or _("Other"), tuple(rows), sum((r.counted for r in rows), ZERO), True)
        for key, rows in by_key.items()
        if rows
    ]
    if unpriced:
        groups.append(RowGroup("", _("Not scored"), tuple(unpriced), ZERO, False))
    return tuple(groups)


def lines_points(lines) -> tuple[Decimal, Decimal]:
    """What the lines add to the total after the caps, and what the rules gave them before."""
    priced = [line for line in lines if line.rule_kind is not None]
    return (
        sum((line.points if line.counted is None else line.counted for line in priced), ZERO),
        sum((line.points for line in priced), ZERO),
    )


def record_page(record, *, with_lines: bool) -> RecordPage:
    """The page (and PDF) of a ``selectors.DutyRecord``; ``with_lines`` False: the summary only."""
    b = record.breakdown
    book = getattr(record, "book", None)
    groups = row_groups(record.lines, b.categories, b.bonus_cap) if with_lines else None
    expands = {}
    if groups is not None and not record.quarter and not record.locked_quarter:
        expands = {g.key: (f"lines-{i}", g.count) for i, g in enumerate(groups) if g.priced}
    categories = tuple(
        CategoryRow(c.category or _("Other"), c.raw, c.cap, c.capped, *expands.get(c.category, ("", None)))
        for c in b.categories
    )
    period = (
        _("%(year)s, %(quarter)s") % {"year": record.year, "quarter": quarter_label(record.quarter)}
        if record.quarter
        else _("%(year)s") % {"year": record.year}
    )
    total_label = (
        _("Year to date (up to the end of %(quarter)s)") % {"quarter": quarter_label(record.quarter)}
        if record.quarter
        else _("Total for %(year)s") % {"year": record.year}
    )
    period_points = period_raw = None
    if record.quarter:
        period_points, period_raw = lines_points(record.lines)
    return RecordPage(
        year=record.year,
        quarter=record.quarter,
        period=period,
        total=b.total,
        grade=b.grade,
        grade_reason=grade_reason(b, book),
        base=b.base,
        bonus=b.bonus,
        bonus_raw=b.bonus_raw,
        bonus_cap=b.bonus_cap,
        deductions=b.deductions,
        categories=categories,
        missing=tuple(missing_lines(b)),
        locked_quarter=record.locked_quarter,
        total_label=total_label,
        period_points=period_points,
        period_raw=period_raw,
        period_items=len(record.lines),
        groups=groups,
        line_count=len(record.lines),
    )

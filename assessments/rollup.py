"""Computing a committee's quarter in the database: member, group and committee snapshots written
by set-based SQL statements, no Python loop over members. Called by
``services.rollup_execute`` inside the transaction that replaces the quarter's snapshot.

The member statement is the scoring engine (``scoring.py``) in SQL, over the duty events that
``sources.event_sql`` reads from the source tables (year to date, so extras stay extras). ``scoring_sql``
builds it step by step, one function per table expression:

1. ``_add_rule_tables`` and ``_add_kind_lines``: the rule book as literal tables, worked out in Python
   (``_rule_tables``): ``rule_slot`` + ``numbered_rule`` (the rule keys priced "from the nth occurrence")
   and ``kind_line`` (each event kind's prices through the rules without an occurrence
   number: the first kind of each pricing slot that has rules, and every adding rule the kind stands for;
   and which figures the kind counts);
2. ``_add_event_counts``: ``event_count`` counts every member's events per kind, quantity and authors
   (year to date and in the quarter), grouped straight over the union of the sources' queries, never kept
   row by row (on PostgreSQL the attendance per member first, a sum per class of kinds priced and counted
   alike: ``bulk_count``, one row per class after); only the sources that can yield a kind some rule prices
   or some figure counts are read (``_needed_kinds``); only the small sources that can yield a kind priced
   by occurrence are kept (``small_event``, with their day and source) and counted from there;
3. ``_add_numbered_events`` (only for kinds priced by occurrence): ``numbered_event`` numbers the
   member's events of those kinds in the engine's order (day, source, kind) with a window function;
4. ``_add_priced_lines``: ``priced_line`` prices the counted events (flat price times the counts) and
   the numbered events (the rule of their occurrence) in whole cents: points × quantity, divided among
   the authors or the co-signers when the rule says so, rounded half away from zero to the rule's
   step like ``scoring.round_to``; the same lines carry the figures (one pass over the counts);
5. ``_add_category_totals`` and ``_add_member_totals``: the lines summed per member and category for the
   year and the quarter with the caps applied (a ``CASE`` over the capped categories), then per member the bonus (capped), the deductions,
   the quarter's points, the category maps, the quarter's figures and the year's events for the minimum
   requirements;
6. ``_add_scores`` and the final ``SELECT``: every member in office (members without events get an
   empty line) with the base and the grade band, the minimums not met (a group of alternatives only
   when none of it is met), the grade capped or set for a shortfall, and the two-year condition against
   ``last_year`` (last year's latest member snapshot; read only when the rule set has one).

``tests/assessments/test_rollup_sql.py`` checks this against ``scoring.score`` on generated rule
books and events, on SQLite and on PostgreSQL. Group and committee snapshots are then aggregated
from the member snapshots, category maps included, in SQL as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from sqlite3 import sqlite_version_info  # the library Django's SQLite backend runs on
from typing import Any

from django.db import connection, models

from groups.models import ActivityGroup, GroupMembership, Member

from . import sources
from .kinds import EventKind, Share, ShortfallEffect, counts_as, pricing_of
from .models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun, RuleSet
from .scoring import Rule, RuleBook
from .sources import all_branches, event_sql

# The duty events as a relation: ``sources.event_sql`` (or ``values_sql``) with the committee and period bound;
# the keyword arguments narrow it (``bulk``, ``kinds``, ``except_small``...), the result is (sql, params).
Relation = Callable[..., tuple[str, tuple[Any, ...]]]


@dataclass(frozen=True)
class LiteralTable:
    """Literal rows as a temporary table indexed on its first column, for SQLite: a CTE of ``VALUES`` has no
    index, and SQLite joins it by scanning its rows once for every row of the other side (the counted events
    with ``kind_line``: 22,754 × 23 rows, 35 of 265 ms of the member statement at 5,000 members)."""

    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple]

    def create(self, cursor: Any) -> None:
        columns = ", ".join(f"{name} {kind}" for name, kind in zip(self.columns, self.types, strict=True))
        cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({columns})")
        if self.rows:
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(f"INSERT INTO {self.name} VALUES ({marks})", self.rows)
        cursor.execute(f"CREATE INDEX temp.{self.name}_key ON {self.name} ({self.columns[0]})")

    def drop(self, cursor: Any) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{self.name}")


@dataclass(frozen=True)
class Query:
    """A ``WITH`` clause and the select list + ``FROM …`` that follows it, each with its parameters; ``tables``:
    the temporary tables it reads (SQLite), made by ``temporary_tables``."""

    with_sql: str
    with_params: list
    select_sql: str
    select_params: list
    tables: tuple[LiteralTable, ...] = ()

    def sql(self) -> tuple[str, list]:
        return f"WITH {self.with_sql}\nSELECT {self.select_sql}", [*self.with_params, *self.select_params]

    @contextmanager
    def temporary_tables(self) -> Iterator[None]:
        """The temporary tables the query reads, made for the block and dropped after it (on a cursor of their own:
        the caller's cursor keeps its rows)."""
        with connection.cursor() as cursor:
            for table in self.tables:
                table.create(cursor)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in self.tables:
                    table.drop(cursor)


EMPTY_BOOK = RuleBook(rules=())
NEVER = 2**31 - 1  # "until the last occurrence" for the last rule of a kind
# Snapshot figure -> the event kind it counts (events of a more specific kind count too).
K = EventKind
FIGURES = {
    "activities_present": K.ACTIVITY_PRESENT,
    "activities_excused": K.ACTIVITY_EXCUSED,
    "activities_absent": K.ACTIVITY_ABSENT,
    "three_enters": K.ACTIVITY_THREE_ENTERS,
    "proposals": K.PROPOSAL_SUBMITTED,
    "reports": K.REPORT_SUBMITTED,
    "consultations": K.CONSULTATION_PRESENT,
}
SUMMED = [*FIGURES, "points"]
STAGES = ("members", "groups", "committee")


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def book_for(committee_id: int, year: int) -> RuleBook:
    rule_set = RuleSet.objects.for_scoring().filter(committee_id=committee_id, year=year).first()
    return rule_set.book() if rule_set else EMPTY_BOOK


# --- the two dialects -----------------------------------------------------------------------------


class _Dialect:
    """The few expressions SQLite and PostgreSQL spell differently."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"
        # Compute the events once although three parts of the statement read them (SQLite >= 3.35
        # and PostgreSQL >= 12 take the hint; PostgreSQL does so anyway for a CTE read twice).
        self.materialized = "MATERIALIZED" if self.pg or sqlite_version_info >= (3, 35) else ""

    def money(self, cents: str) -> str:  # whole cents -> a decimal column value
        return f"(CAST({cents} AS numeric) / 100)" if self.pg else f"({cents} / 100.0)"

    def amount_text(self, cents: str) -> str:  # whole cents -> '12.50', as str(Decimal) writes it
        return (
            f"(CAST({cents} AS numeric) * 0.01)::text"  # scale 2 exactly, as a product has: no division, no rounding
            if self.pg
            else f"printf('%%.2f', {cents} / 100.0)"
        )

    def object_agg(self, key: str, value: str, where: str) -> str:
        fn = "jsonb_object_agg" if self.pg else "json_group_object"
        return f"{fn}({key}, {value}) FILTER (WHERE {where})"

    def json(self, text: str) -> str:
        return f"CAST({text} AS jsonb)" if self.pg else text

    def empty_object(self) -> str:
        return "CAST('{}' AS jsonb)" if self.pg else "'{}'"

    def each(self, column: str) -> str:  # (key, value) rows of a JSON object column, values as text
        return f"jsonb_each_text({column})" if self.pg else f"json_each({column})"

    def cents_of(self, text: str) -> str:  # '12.50' -> 1250
        return (
            f"CAST(ROUND(CAST({text} AS numeric) * 100) AS bigint)"
            if self.pg
            else f"CAST(ROUND(CAST({text} AS REAL) * 100) AS INTEGER)"
        )

    def text(self, param: str) -> str:
        return f"CAST({param} AS varchar)" if self.pg else param

    def join_in_order(self) -> str:
        """A join that reads its left side first: SQLite keeps a ``CROSS JOIN``'s order (``JOIN`` may scan the
        small literal table outside and the large side inside, once per literal row); PostgreSQL plans a hash
        join either way."""
        return "JOIN" if self.pg else "CROSS JOIN"


def _table(
    name: str, columns: tuple[str, ...], rows: list[tuple], types: tuple[str, ...], hint: str = ""
) -> tuple[str, list]:
    """A CTE of literal rows (parameters); an empty one selects typed NULLs and no row. ``hint``: "NOT
    MATERIALIZED" or ""."""
    head = f"{name}({', '.join(columns)}) AS {hint} "
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t})" for t in types)
        return head + f"(SELECT {nulls} WHERE 1 = 0)", []
    first = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    rest = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return head + "(VALUES " + ", ".join([first] + [rest] * (len(rows) - 1)) + ")", [v for row in rows for v in row]


def _cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != int(cents):
        raise ValueError(f"{amount} has more than two decimal places")
    return int(cents)


def _in(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    ordered = sorted(values)
    if not ordered:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ordered))})", ordered


# --- member snapshots -----------------------------------------------------------------------------
#
# The member statement is built step by step below: each ``_add_…`` function appends one common
# table expression (or a few that belong together) to a ``_Statement``; ``scoring_sql`` calls them
# in order. Every amount in the statement is in whole cents (integers), so SQLite and PostgreSQL
# round alike.

SHARES: dict[str, int] = {Share.FULL: 0, Share.SPLIT: 1, Share.COSIGNERS: 2}
# The column types of a rule's pricing (``_pricing``), for the literal tables.
PRICING_COLUMNS = ("points_cents", "per_unit", "share", "step_cents", "category")
PRICING_TYPES = ("integer", "integer", "integer", "integer", "varchar(30)")


def _pricing(rule: Rule) -> tuple[int, int, int, int, str]:
    """A rule's pricing columns: points in cents, per unit, share (``SHARES``), rounding step in cents, category."""
    return (
        _cents(rule.points),
        int(rule.per_unit),
        SHARES[rule.share],
        _cents(Decimal(str(rule.rounding))),
        rule.category,
    )


@dataclass
class _Statement:
    """The member statement under construction: its common table expressions in order, with their parameters."""

    dialect: _Dialect
    ctes: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    tables: list[LiteralTable] = field(default_factory=list)

    def add(self, sql: str, params: Iterable[Any] = ()) -> None:
        self.ctes.append(sql)
        self.params += list(params)

    def add_table(
        self, name: str, columns: tuple[str, ...], rows: list[tuple], types: tuple[str, ...], joined: bool = False
    ) -> None:
        """Literal rows named ``name``; ``joined``: looked up by their first column from a large relation, which
        on SQLite makes them an indexed temporary table (``LiteralTable``) instead of a ``VALUES`` CTE."""
        if joined and not self.dialect.pg:
            self.tables.append(LiteralTable(name, columns, types, rows))
            return
        # PostgreSQL: the literal rows inline wherever they are read (a CTE read twice would be materialised, and
        # a plan that scans a materialised CTE runs no parallel workers: the attendance would be priced serially).
        self.add(*_table(name, columns, rows, types, "NOT MATERIALIZED" if self.dialect.pg else ""))


@dataclass(frozen=True)
class _RuleTables:
    """The rule book as the rows of the statement's literal tables (worked out in Python).

    ``slots``: (event kind, rule key, kind rank) for the rule keys priced "from the nth occurrence"
    that an event kind is priced through; ``numbered``: those keys' rules with the occurrence range
    each one prices; ``flat``: (event kind, pricing…) for every other rule an event kind is priced
    through (several rows per kind: one per pricing slot and one per adding rule); ``caps``:
    (category, yearly cap in cents); ``categories``: the rules' categories in order."""

    slots: list[tuple]
    numbered: list[tuple]
    flat: list[tuple]
    caps: list[tuple]
    categories: list[str] = field(default_factory=list)

    @property
    def occurrence_kinds(self) -> list[str]:
        """The event kinds priced through some "from the nth occurrence" rule."""
        return sorted({kind for kind, _key, _rank in self.slots})


def _rule_tables(book: RuleBook) -> _RuleTables:
    """Which rules price each event kind, like ``scoring.score`` picks them.

    For each pricing slot of a kind (``kinds.pricing_of``) the first kind of the slot that has rules
    prices it; the adding rules (key ``+kind``) price every event kind that stands for their kind
    (``kinds.counts_as``), on top. Rules are numbered per key; a key with a rule "from the nth
    occurrence" goes to ``slots`` + ``numbered`` (its events are numbered in the statement), any
    other key has exactly one rule, joined to the kind here (``flat``)."""
    kinds = sorted(EventKind.values)
    kind_rank = {kind: rank for rank, kind in enumerate(kinds, start=1)}
    by_occurrence = {r.key for r in book.rules if r.nth_from > 1}
    adding = book.adding_kinds()
    slots = []  # (event kind, rule key, kind rank)
    for kind in kinds:
        for slot in pricing_of(kind):
            rule_kind = next((k for k in slot if book.rules_for(k)), None)
            if rule_kind is not None:
                slots.append((kind, str(rule_kind), kind_rank[kind]))
        stands_for = {str(k) for k in counts_as(kind)}
        slots += [(kind, f"+{k}", kind_rank[kind]) for k in adding if k in stands_for]
    numbered = []
    for key in sorted(by_occurrence):
        rules = book.rules_for(key.lstrip("+"), adds=key.startswith("+"))
        for rule, after in zip(rules, [*rules[1:], None], strict=True):
            numbered.append((key, rule.nth_from, after.nth_from if after else NEVER, *_pricing(rule)))
    single = {r.key: r for r in book.rules if r.key not in by_occurrence}
    return _RuleTables(
        slots=[row for row in slots if row[1] in by_occurrence],
        numbered=numbered,
        flat=[(kind, *_pricing(single[key])) for kind, key, _rank in slots if key not in by_occurrence],
        caps=[(category, _cents(cap)) for category, cap in sorted(book.caps.items()) if category],
        categories=sorted({r.category for r in book.rules}),
    )


def _add_rule_tables(statement: _Statement, tables: _RuleTables) -> None:
    """The rule book's literal tables: ``rule_slot`` (event kind -> numbered rule key) and ``numbered_rule``
    (a key's rules, each for occurrences ``from_nth`` up to before ``until_nth``); ``_add_kind_lines`` adds the
    prices without occurrence numbers, ``_add_category_totals`` the caps."""
    statement.add_table(
        "rule_slot", ("event_kind", "rule_key", "kind_rank"), tables.slots, ("varchar(30)", "varchar(30)", "integer")
    )
    statement.add_table(
        "numbered_rule",
        ("rule_key", "from_nth", "until_nth", *PRICING_COLUMNS),
        tables.numbered,
        ("varchar(30)", "integer", "integer", *PRICING_TYPES),
    )


def _figure_targets(minimums: list[tuple[str, int]]) -> list[tuple[str, str, str]]:
    """(column, event kind counted, count column) of every figure the member statement sums: the snapshot's
    ``FIGURES`` (events in the quarter) and the year's events for each minimum requirement (``minimum_0``, …)."""
    return [(name, str(kind), "quarter_count") for name, kind in FIGURES.items()] + [
        (f"minimum_{i}", str(kind), "year_count") for i, (kind, _required) in enumerate(minimums)
    ]


def _needed_kinds(tables: _RuleTables, minimums: list[tuple[str, int]]) -> list[str]:
    """The event kinds the statement reads: those some rule prices and those some figure counts. A source that
    yields none of them is not read at all (the duty record still lists its events)."""
    targets = {kind for _name, kind, _count in _figure_targets(minimums)}
    priced = {row[0] for row in tables.flat} | {kind for kind, _key, _rank in tables.slots}
    return sorted(k for k in EventKind.values if k in priced or {str(x) for x in counts_as(k)} & targets)


def _kind_line_rows(tables: _RuleTables, minimums: list[tuple[str, int]]) -> list[tuple]:
    """The rows of ``kind_line`` (see ``_add_kind_lines``), event kind first."""
    targets = _figure_targets(minimums)
    flat: dict[str, list[tuple]] = {}
    for kind, *columns in tables.flat:
        flat.setdefault(kind, []).append(tuple(columns))
    rows: list[tuple] = []
    for kind in sorted(EventKind.values):
        counts = tuple(int(target in {str(x) for x in counts_as(kind)}) for _name, target, _count in targets)
        pricings = flat.get(kind, [])
        if not pricings and any(counts):
            rows.append((kind, 0, 0, 0, 1, None, *counts))
        for i, pricing in enumerate(pricings):
            rows.append((kind, *pricing, *(counts if i == 0 else (0,) * len(counts))))
    return rows


def _add_kind_lines(statement: _Statement, rows: list[tuple], minimums: list[tuple[str, int]]) -> None:
    """``kind_line``: what one counted event of a kind adds to its member's lines — the pricing of each rule
    without occurrence numbers that prices the kind (``flat``: one row per pricing slot and adding rule), and
    which figures it counts (0/1 per figure column, on the kind's first row only, so that a kind priced twice
    counts once). A kind that only counts (no flat price) gets one row with no category and no points.
    ``rows``: ``_kind_line_rows``."""
    targets = _figure_targets(minimums)
    statement.add_table(
        "kind_line",
        ("event_kind", *PRICING_COLUMNS, *(name for name, _target, _count in targets)),
        rows,
        ("varchar(30)", *PRICING_TYPES, *["integer"] * len(targets)),
        joined=True,
    )


def _alike_kinds(kind_lines: list[tuple]) -> list[list[str]]:
    """The event kinds that have ``kind_line`` rows, in classes of kinds whose rows are the same but for the kind
    (priced and counted alike: one count per class is enough); each class in kind order, the classes by their
    first kind."""
    lines: dict[str, list[tuple]] = {}
    for kind, *columns in kind_lines:
        lines.setdefault(kind, []).append(tuple(columns))
    classes: dict[tuple, list[str]] = {}
    for kind in sorted(lines):
        classes.setdefault(tuple(lines[kind]), []).append(kind)
    return sorted(classes.values())


def _line_cents(event: str, rule: str) -> str:
    """One line's cents from a rule (``PRICING_COLUMNS``) and an event row (``quantity``, ``authors``).

    The points (times the quantity when per unit) divided among the sharers (share 0: nobody, 1: the
    authors, 2: the co-signers, i.e. authors - 1, at least 1) and rounded half away from zero to the
    rule's step (``scoring.round_to``), in integers: num / (sharers x step), rounded, times the step."""
    points = f"(CASE WHEN {rule}.per_unit = 1 THEN {rule}.points_cents * {event}.quantity ELSE {rule}.points_cents END)"
    divisor = (
        f"((CASE WHEN {rule}.share = 1 THEN {event}.authors "
        f"WHEN {rule}.share = 2 AND {event}.authors > 1 THEN {event}.authors - 1 ELSE 1 END) * {rule}.step_cents)"
    )
    return (
        f"CASE WHEN {rule}.share = 0 AND {rule}.step_cents = 1 THEN {points} "
        f"WHEN {points} >= 0 THEN ((2 * {points} + {divisor}) / (2 * {divisor})) * {rule}.step_cents "
        f"ELSE -(((-2 * {points} + {divisor}) / (2 * {divisor})) * {rule}.step_cents) END"
    )


def _small_counts(counted: Relation, occurrence_kinds: list[str], kind_lines: list[tuple]) -> tuple[str, list]:
    """PostgreSQL: the small sources' events counted per member, kind, quantity and authors, where the quantity
    counts only for a kind some price multiplies by it and the authors only for a kind some price is shared by
    (``kind_line``'s ``per_unit`` and ``share``; 1 for the others): a proposal's co-signers, whose authors differ
    from proposal to proposal, make one group per member and kind, not one per event."""
    per_unit = {row[0] for row in kind_lines if row[2]}
    shared = {row[0] for row in kind_lines if row[3]}
    rows_sql, rows_params = counted(bulk=False, except_small=occurrence_kinds, per_row=True)
    by_unit, unit_params = _in("small.event_kind", per_unit)
    by_share, share_params = _in("small.event_kind", shared)
    quantity = f"CASE WHEN {by_unit} THEN small.quantity ELSE 1 END"
    authors = f"CASE WHEN {by_share} THEN small.authors ELSE 1 END"
    return (
        f"SELECT small.member_id, small.event_kind, {quantity}, {authors}, CAST(COUNT(*) AS integer), "
        f"CAST(SUM(small.in_quarter) AS integer) FROM ({rows_sql}) small(member_id, event_kind, quantity, authors, "
        f"in_quarter) GROUP BY small.member_id, small.event_kind, {quantity}, {authors}",
        [*unit_params, *share_params, *rows_params, *unit_params, *share_params],
    )


def _add_event_counts(
    statement: _Statement,
    events: Relation,
    quarter_start: date,
    occurrence_kinds: list[str],
    needed: list[str],
    classes: list[list[str]],
    kind_lines: list[tuple],
    bulk_counts: Callable[..., tuple[str, tuple]] | None = None,
) -> None:
    """``event_count``: every member's events counted per kind, quantity and authors — ``year_count`` year to
    date, ``quarter_count`` in the quarter — for every figure and every rule without an occurrence number;
    ``small_event``: the events, one row each, of the small sources that can yield a kind priced by occurrence
    (read once, counted from there).

    The big source (attendance, ``bulk_event``) is counted as the fair hand-written aggregate counts it: one group
    per member (and quantity and authors, one value each for attendance), a conditional sum per class of kinds
    priced and counted alike (``classes``: ``_alike_kinds``), year to date and in the quarter (``bulk_count``);
    then each class's counts become an ``event_count`` row of its first kind (16,666 members x a few classes at
    50,000 members). Grouping 1.8 M rows per member and kind or per member and category (a text key, a few groups
    per member, sorted in the workers and spilling) cost more than the sums.

    Only the sources that can yield a kind in ``needed`` are read. Other members' attendance may be counted too
    (``members_checked``: no lookup of the member per attendance row); only the members of ``score`` get a
    snapshot.

    ``bulk_counts`` (the roll-up of real rows): the big source's counts are read as they are kept
    (``AttendanceTally``: per member, kind and quarter), only of the kinds with a ``kind_line``: on PostgreSQL summed
    per member and class as the events were, on SQLite counted per member and kind with the small sources."""
    dialect = statement.dialect
    # Only the committee's members in office get a row (``_add_scores``): the counts need not check it.
    counted = partial(events, counts_from=quarter_start, members_checked=True, kinds=needed)
    # SQLite: the attendance counted per member and kind with the small sources, one GROUP BY over their union (its
    # rows' kind, a CASE, worked out once as a sort key: 84 ms against 126 ms for the sums per class at 5,000 members)
    counted_sql, params = counted(
        bulk=False if dialect.pg or bulk_counts is not None else None, except_small=occurrence_kinds
    )
    counted_params = list(params)
    if dialect.pg:
        counted_sql, counted_params = _small_counts(counted, occurrence_kinds, kind_lines)
    kept_kinds = sorted({row[0] for row in kind_lines} & set(needed))
    if bulk_counts is not None and not dialect.pg:
        kept_sql, kept_params = bulk_counts(kept_kinds)
        counted_sql, counted_params = f"{counted_sql} UNION ALL {kept_sql}", [*counted_params, *kept_params]
    elif classes and dialect.pg:
        if bulk_counts is not None:  # the kept counts, a row per member, kind and quarter: summed per class below
            bulk_sql, bulk_params = bulk_counts(kept_kinds, per_row=True)
            year, quarter = "bulk_event.year_count", "bulk_event.quarter_count"
        else:  # the events, a row each
            bulk_sql, bulk_params = counted(bulk=True, per_row=True)
            year, quarter = "1", "bulk_event.in_quarter"
        counts = "year_count, quarter_count" if bulk_counts is not None else "in_quarter"
        statement.add(f"bulk_event(member_id, event_kind, quantity, authors, {counts}) AS ({bulk_sql})", bulk_params)
        # each kind's class by a join (the row's kind, a CASE in the source's SQL, is worked out once per row, not
        # once per conditional sum)
        statement.add_table(
            "bulk_kind",
            ("event_kind", "class_rank"),
            [(kind, i) for i, kinds in enumerate(classes) for kind in kinds],
            ("varchar(30)", "integer"),
        )
        sums = ", ".join(
            f"SUM(CASE WHEN bulk_kind.class_rank = {i} THEN {year} ELSE 0 END) AS year_{i}, "
            f"SUM(CASE WHEN bulk_kind.class_rank = {i} THEN {quarter} ELSE 0 END) AS quarter_{i}"
            for i in range(len(classes))
        )
        statement.add(
            f"bulk_count AS {'' if dialect.pg else dialect.materialized} (SELECT bulk_event.member_id, "
            f"bulk_event.quantity, bulk_event.authors, {sums} FROM bulk_event {dialect.join_in_order()} bulk_kind "
            "ON bulk_kind.event_kind = bulk_event.event_kind "
            "GROUP BY bulk_event.member_id, bulk_event.quantity, bulk_event.authors)"
        )
        statement.add_table(
            "bulk_class",
            ("class_rank", "event_kind"),
            [(i, kinds[0]) for i, kinds in enumerate(classes)],
            ("integer", "varchar(30)"),
        )

        def pick(name: str) -> str:
            whens = " ".join(f"WHEN {i} THEN bulk_count.{name}_{i}" for i in range(len(classes)))
            return f"CAST(CASE bulk_class.class_rank {whens} END AS integer)"

        counted_sql += (
            " UNION ALL SELECT bulk_count.member_id, bulk_class.event_kind, bulk_count.quantity, bulk_count.authors, "
            f"{pick('year')}, {pick('quarter')} FROM bulk_count CROSS JOIN bulk_class WHERE {pick('year')} > 0"
        )
    if occurrence_kinds:
        small_sql, small_params = events(bulk=False, kinds=occurrence_kinds)
        statement.add(
            "small_event(member_id, event_kind, day, quantity, authors, source_rank, source_pk) AS "
            f"{dialect.materialized} ({small_sql})",
            small_params,
        )
        counted_sql += (
            " UNION ALL SELECT small_event.member_id, small_event.event_kind, small_event.quantity, "
            "small_event.authors, CAST(COUNT(*) AS integer), "
            "CAST(SUM(CASE WHEN small_event.day >= %s THEN 1 ELSE 0 END) AS integer) FROM small_event "
            "GROUP BY small_event.member_id, small_event.event_kind, small_event.quantity, small_event.authors"
        )
        counted_params = [*counted_params, connection.ops.adapt_datefield_value(quarter_start)]
    # SQLite keeps the counts materialised, or it would evaluate the grouping again for each row of ``kind_line``.
    statement.add(
        "event_count(member_id, event_kind, quantity, authors, year_count, quarter_count) AS "
        f"{'' if dialect.pg else dialect.materialized} ({counted_sql})",
        counted_params,
    )


def _add_numbered_events(
    statement: _Statement, events: Relation, quarter_start: date, occurrence_kinds: list[str]
) -> None:
    """``numbered_event``: the events of the kinds priced by occurrence, numbered per member and rule
    key in the engine's order (day, source, source record, kind rank), with whether each falls in the
    quarter; the attendance's rows only when attendance itself is priced by occurrence."""
    big_sql, big_params = events(bulk=True, kinds=occurrence_kinds)
    statement.add(
        "occurrence_event(member_id, event_kind, day, quantity, authors, source_rank, source_pk) AS "
        f"({big_sql} UNION ALL SELECT * FROM small_event)",
        big_params,
    )
    kind_in, kind_values = _in("occurrence_event.event_kind", occurrence_kinds)
    statement.add(
        "numbered_event(member_id, in_quarter, quantity, authors, rule_key, occurrence) AS (SELECT "
        "occurrence_event.member_id, CASE WHEN occurrence_event.day >= %s THEN 1 ELSE 0 END, "
        "occurrence_event.quantity, occurrence_event.authors, rule_slot.rule_key, ROW_NUMBER() OVER ("
        "PARTITION BY occurrence_event.member_id, rule_slot.rule_key ORDER BY occurrence_event.day, "
        "occurrence_event.source_rank, occurrence_event.source_pk, rule_slot.kind_rank) "
        f"FROM occurrence_event CROSS JOIN rule_slot WHERE {kind_in} AND rule_slot.event_kind = occurrence_event.event_kind)",
        [connection.ops.adapt_datefield_value(quarter_start), *kind_values],
    )


def _add_priced_lines(statement: _Statement, numbered: bool, figures: list[str]) -> None:
    """``priced_line``: the member's points per category — the counted events times each flat price of their
    kind (``kind_line``), and each numbered event priced by the rule for its occurrence — as cents in the year so
    far and in the quarter, with the events behind them (in the quarter, in the year); and, on the same lines,
    the figures the counted events make (``figures``: a kind's first line carries them, a kind that only counts
    has a line with no category). One pass over the counted events: nothing reads them again."""
    flat = _line_cents("event_count", "kind_line")
    counted = ", ".join(
        f"event_count.{'year_count' if name.startswith('minimum_') else 'quarter_count'} * kind_line.{name}"
        for name in figures
    )
    lines = [
        f"SELECT event_count.member_id, kind_line.category, event_count.year_count * ({flat}), "
        f"event_count.quarter_count * ({flat}), event_count.quarter_count, event_count.year_count"
        f"{', ' + counted if figures else ''} "
        f"FROM event_count {statement.dialect.join_in_order()} kind_line ON kind_line.event_kind = event_count.event_kind",
    ]
    if numbered:
        line = _line_cents("numbered_event", "numbered_rule")
        zeros = "".join(", 0" for _name in figures)
        lines.append(
            f"SELECT numbered_event.member_id, numbered_rule.category, {line}, numbered_event.in_quarter * ({line}), "
            f"numbered_event.in_quarter, 1{zeros} FROM numbered_event JOIN numbered_rule "
            "ON numbered_rule.rule_key = numbered_event.rule_key AND numbered_event.occurrence >= numbered_rule.from_nth "
            "AND numbered_event.occurrence < numbered_rule.until_nth"
        )
    columns = "".join(f", {name}" for name in figures)
    statement.add(
        f"priced_line(member_id, category, year_cents, quarter_cents, quarter_events, year_events{columns}) AS "
        f"({' UNION ALL '.join(lines)})"
    )


def _capped_year_sql(caps: list[tuple], dialect: _Dialect) -> tuple[str, list]:
    """``summed.year_cents`` after its category's yearly cap (``caps``: (category, cap in cents)), as one
    ``CASE`` over the capped categories: no join of every (member, category) line with a table of caps."""
    if not caps:
        return "summed.year_cents", []
    whens = " ".join(
        f"WHEN summed.category = {dialect.text('%s')} AND summed.year_cents > {int(cap)} THEN {int(cap)}"
        for _category, cap in caps
    )
    return f"CASE {whens} ELSE summed.year_cents END", [category for category, _cap in caps]


def _add_category_totals(statement: _Statement, figures: list[str], caps: list[tuple]) -> None:
    """``category_total``: per member and category the lines summed, and the year so far after the
    category's yearly cap (``capped_year_cents``; ``year_cents`` keeps what the lines add up to); the figures
    summed along (``figures``; the lines of counting-only kinds have no category)."""
    summed = "".join(f", SUM(priced_line.{name}) AS {name}" for name in figures)
    carried = "".join(f", summed.{name}" for name in figures)
    capped, capped_params = _capped_year_sql(caps, statement.dialect)
    statement.add(
        "category_total(member_id, category, capped_year_cents, quarter_cents, quarter_events, year_cents, "
        f"year_events{''.join(f', {name}' for name in figures)}) AS (SELECT summed.member_id, summed.category, "
        f"{capped}, summed.quarter_cents, summed.quarter_events, summed.year_cents, summed.year_events{carried} FROM ("
        "SELECT priced_line.member_id, priced_line.category, SUM(priced_line.year_cents) AS year_cents, "
        "SUM(priced_line.quarter_cents) AS quarter_cents, SUM(priced_line.quarter_events) AS quarter_events, "
        f"SUM(priced_line.year_events) AS year_events{summed} FROM priced_line "
        "GROUP BY priced_line.member_id, priced_line.category) summed)",
        capped_params,
    )


def category_columns(categories: list[str]) -> list[str]:
    """The member statement's extra columns on PostgreSQL (``scoring_sql(with_category_columns=True)``): each
    category's cents and events in the quarter, in the order of ``categories``, which the group and committee
    snapshots sum (no member's category map read back from JSON)."""
    return [f"category_{i}_{part}" for i in range(len(categories)) for part in ("cents", "events")]


def _add_member_totals(statement: _Statement, figures: list[str], categories: list[str] | None = None) -> None:
    """``member_total``: per member the capped categories' bonus (above 0) and deductions (below 0),
    the quarter's points, the category maps of the quarter and of the year so far (a category
    only when it has events in that period), and the figures (``figures``: the snapshot's ``FIGURES`` in the
    quarter, ``minimum_0``… the year's events for each minimum requirement); with ``categories``, each one's
    quarter cents and events too (``category_columns``)."""
    dialect = statement.dialect
    named = "category_total.category IS NOT NULL"
    quarter = dialect.object_agg(
        "category_total.category",
        dialect.amount_text("category_total.quarter_cents"),
        f"{named} AND category_total.quarter_events > 0",
    )
    year = dialect.object_agg(
        "category_total.category",
        dialect.amount_text("category_total.year_cents"),
        f"{named} AND category_total.year_events > 0",
    )
    capped = "category_total.capped_year_cents"
    sums = "".join(f", SUM(category_total.{name})" for name in figures)
    names = [*figures, *category_columns(categories or [])]
    params: list[str] = []
    for category in categories or []:
        sums += "".join(
            f", SUM(CASE WHEN category_total.category = {dialect.text('%s')} THEN category_total.quarter_{part} "
            "ELSE 0 END)"
            for part in ("cents", "events")
        )
        params += [category, category]
    statement.add(
        "member_total(member_id, bonus_cents, deduction_cents, quarter_cents, categories, year_categories"
        f"{''.join(f', {name}' for name in names)}) AS ("
        f"SELECT category_total.member_id, SUM(CASE WHEN {capped} > 0 THEN {capped} ELSE 0 END), "
        f"SUM(CASE WHEN {capped} < 0 THEN {capped} ELSE 0 END), SUM(category_total.quarter_cents), {quarter}, {year}"
        f"{sums} FROM category_total GROUP BY category_total.member_id)",
        params,
    )


def _add_scores(
    statement: _Statement, book: RuleBook, member_filter: tuple[str, list], figures: list[str], named: bool = False
) -> None:
    """``score``: every member in office (``member_filter`` on ``groups_member mem``) with the year's
    total in cents: the base, plus the bonus (capped by the rule book's bonus cap), plus the deductions; and
    their ``member_total`` columns (the final select reads only this); ``named``: the member's name too
    (``NAME_COLUMN``, for the ranking's order)."""
    bonus = "COALESCE(member_total.bonus_cents, 0)"
    if book.bonus_cap is not None:
        cap = _cents(book.bonus_cap)
        bonus = f"CASE WHEN {bonus} > {cap} THEN {cap} ELSE {bonus} END"
    total = f"({_cents(book.base)} + {bonus} + COALESCE(member_total.deduction_cents, 0))"
    statement.add(
        f"score AS (SELECT mem.id AS member_id, {total} AS total, member_total.quarter_cents, "
        f"{f'mem.name AS {NAME_COLUMN}, ' if named else ''}"
        "member_total.categories, member_total.year_categories"
        f"{''.join(f', member_total.{name}' for name in figures)} FROM groups_member mem "
        f"LEFT JOIN member_total ON member_total.member_id = mem.id WHERE {member_filter[0]})",
        member_filter[1],
    )


def _grade_with_last_year(
    statement: _Statement, book: RuleBook, grade: str, grade_params: list, previous: tuple[str, list] | None
) -> tuple[str, list]:
    """The grade after the two-year condition: below the rule book's line this year and last year
    (``last_year``: the latest snapshot's total in cents, read only when the rule book has the
    condition) gives the repeat grade."""
    if book.repeat_below is None or previous is None:
        return grade, grade_params
    statement.add(f"last_year(member_id, total_cents) AS ({previous[0]})", previous[1])
    below = _cents(book.repeat_below)
    return (
        f"CASE WHEN score.total < {below} AND EXISTS (SELECT 1 FROM last_year WHERE last_year.member_id = "
        f"score.member_id AND last_year.total_cents < {below}) THEN {statement.dialect.text('%s')} ELSE {grade} END",
        [book.repeat_grade, *grade_params],
    )


# The ranking columns of member snapshots, over the rows of one roll-up (a committee's quarter): the rank (ties share
# it) and the place in the ranking's order (rank, then name, then member number: the order the annual page, its
# workbook and the API list). ``NAME_COLUMN``: the member's name, carried by the member statement for them.
RANK_COLUMNS = ("ytd_rank", "ytd_place")
NAME_COLUMN = "member_name"


def ranked_sql(rows: str, total: str) -> str:
    """``RANK_COLUMNS`` as two windows over the relation ``rows`` (its ``total``, ``member_name`` and ``member_id``)."""
    return (
        f"RANK() OVER (ORDER BY {rows}.{total} DESC), "
        f"ROW_NUMBER() OVER (ORDER BY {rows}.{total} DESC, {rows}.{NAME_COLUMN}, {rows}.member_id)"
    )


SNAPSHOT_COLUMNS = [
    "member_id",
    "points",
    "points_by_category",
    "ytd_points_by_category",
    "ytd_total",
    "ytd_grade",
    "missing",
    *FIGURES,
]


def scoring_sql(
    book: RuleBook,
    events: Relation,
    *,
    quarter_start: date,
    dialect: _Dialect,
    member_filter: tuple[str, list],
    previous: tuple[str, list] | None = None,
    bulk_kinds: frozenset[str] | None = None,
    with_category_columns: bool = False,
    ranked: bool = False,
    bulk_counts: Callable[..., tuple[str, tuple]] | None = None,
) -> tuple[Query, list[str]]:
    """One row per member (the columns named): the quarter's snapshot figures and points.

    ``events``: ``sources.event_sql`` with the committee and period bound (or ``sources.values_sql``
    with made-up events). ``bulk_kinds``: the kinds the big source can yield (None: any). ``previous``: SQL with
    (member id, total in cents) of the year before, for
    the two-year condition (read only when the rule book has one). ``with_category_columns``: the quarter's cents
    and events per category as columns after the snapshot's (``category_columns``). ``ranked``: the ranking among
    the rows, no second pass over them joined to their members' names: on SQLite each row's rank and place
    (``RANK_COLUMNS``) from the same select, one window over the rows it makes; on PostgreSQL the member's name
    (``NAME_COLUMN``), for ``_insert`` to rank the rows it copies (a window here would sort the statement's wide rows,
    spilling past ``work_mem``: 40-50 ms of CPU against ~10 for the narrow rows there). ``bulk_counts``: the big
    source's events of some kinds already counted per member and kind (``sources.attendance_counts_sql``, the kept
    counts), read instead of counting its rows; None: counted from ``events``."""
    statement = _Statement(dialect)
    tables = _rule_tables(book)
    occurrence_kinds = tables.occurrence_kinds
    minimums = sorted(book.minimums.items())
    figures = [name for name, _kind, _count in _figure_targets(minimums)]
    _add_rule_tables(statement, tables)
    kind_lines = _kind_line_rows(tables, minimums)
    _add_kind_lines(statement, kind_lines, minimums)
    needed = _needed_kinds(tables, minimums)
    classes = _alike_kinds([row for row in kind_lines if bulk_kinds is None or row[0] in bulk_kinds])
    _add_event_counts(statement, events, quarter_start, occurrence_kinds, needed, classes, kind_lines, bulk_counts)
    if occurrence_kinds:
        _add_numbered_events(statement, events, quarter_start, occurrence_kinds)
    _add_priced_lines(statement, numbered=bool(occurrence_kinds), figures=figures)
    _add_category_totals(statement, figures, tables.caps)
    categories = tables.categories if with_category_columns else []
    extra = category_columns(categories)
    _add_member_totals(statement, figures, categories)
    _add_scores(statement, book, member_filter, [*figures, *extra], named=ranked)
    missing, missing_params, short = _missing_sql(book, minimums, dialect)
    grade, grade_params = _grade_sql(book, short, dialect)
    grade, grade_params = _grade_with_last_year(statement, book, grade, grade_params, previous)
    select = (
        f"score.member_id, {dialect.money('COALESCE(score.quarter_cents, 0)')}, "
        f"COALESCE(score.categories, {dialect.empty_object()}), "
        f"COALESCE(score.year_categories, {dialect.empty_object()}), "
        f"{dialect.money('score.total')}, {grade}, {dialect.json(missing)}, "
        + ", ".join(f"COALESCE(score.{name}, 0)" for name in [*FIGURES, *extra])
        + (f", {ranked_sql('score', 'total') if not dialect.pg else f'score.{NAME_COLUMN}'}" if ranked else "")
        + " FROM score"
    )
    query = Query(
        ",\n".join(statement.ctes), statement.params, select, grade_params + missing_params, tuple(statement.tables)
    )
    ranks = (NAME_COLUMN,) if dialect.pg else RANK_COLUMNS
    return query, [*SNAPSHOT_COLUMNS, *extra, *(ranks if ranked else ())]


def _bands_case(book: RuleBook, dialect: _Dialect, at_most: str | None = None) -> tuple[str, list]:
    """The grade band holding ``score.total`` ('' for none); ``at_most``: bands better than it give it instead."""
    labels = [b.label for b in book.bands]
    whens, params = [], []
    for i, band in enumerate(book.bands):
        conds = []
        if band.min_score is not None:
            conds.append(f"score.total >= {_cents(band.min_score)}")
        if band.max_score is not None:
            conds.append(f"score.total < {_cents(band.max_score)}")
        whens.append(f"WHEN {' AND '.join(conds) or '1 = 1'} THEN {dialect.text('%s')}")
        capped = at_most is not None and at_most in labels and i < labels.index(at_most)
        params.append(at_most if capped else band.label)
    return (f"CASE {' '.join(whens)} ELSE '' END" if whens else "''"), params


def _grade_sql(book: RuleBook, short: str, dialect: _Dialect) -> tuple[str, list]:
    """The grade: the band, then the minimums' effect when ``short`` holds (see ``scoring.final_grade``)."""
    grade, params = _bands_case(book, dialect)
    if short == "1 = 0" or book.shortfall_effect == ShortfallEffect.NONE:
        return grade, params
    if book.shortfall_effect == ShortfallEffect.FAIL:
        return f"CASE WHEN {short} THEN {dialect.text('%s')} ELSE {grade} END", [book.shortfall_grade, *params]
    capped, capped_params = _bands_case(book, dialect, at_most=book.shortfall_grade)
    return f"CASE WHEN {short} THEN {capped} ELSE {grade} END", [*capped_params, *params]


def _missing_sql(book: RuleBook, minimums: list[tuple[str, int]], dialect: _Dialect) -> tuple[str, list, str]:
    """The minimums not met as a JSON list, its parameters, and a condition "some group is missed".
    A group of alternatives is missed when each of its minimums is (``scoring.shortfalls``)."""
    groups: dict[str, list[str]] = {}
    for i, (kind, required) in enumerate(minimums):
        groups.setdefault(book.minimum_group(kind), []).append(f"COALESCE(score.minimum_{i}, 0) < {int(required)}")
    unmet = {g: "(" + " AND ".join(conds) + ")" for g, conds in groups.items()}
    parts, params = [], []
    for i, (kind, required) in enumerate(minimums):
        actual = f"COALESCE(score.minimum_{i}, 0)"
        label = book.minimum_groups.get(kind, "")
        group = f", \"group\": ' || {dialect.text('%s')} || '" if label else ""
        parts.append(
            f"CASE WHEN {unmet[book.minimum_group(kind)]} THEN "
            f'\'{{"kind": "\' || {dialect.text("%s")} || \'", "required": {int(required)}, '
            f"\"actual\": ' || {actual} || '{group}}}, ' ELSE '' END"
        )
        params += [str(kind), json.dumps(label)] if label else [str(kind)]
    missing = ("'[' || RTRIM(" + " || ".join(parts) + ", ', ') || ']'") if parts else "'[]'"
    return missing, params, (" OR ".join(unmet.values()) or "1 = 0")


# PostgreSQL: the member rows just computed, kept in the transaction for the group and committee snapshots
# (``_member_rows``); dropped by ``replace_quarter``.
MEMBER_ROWS = "rollup_member_rows"


def _insert(
    model: type[models.Model],
    columns: list[str],
    constants: dict[str, Any],
    query: Query,
    keep: str = "",
) -> int:
    """Write ``WITH … SELECT constants…, <select>`` into ``model`` (constants…, columns…); rows written.

    SQLite: one ``INSERT … WITH … SELECT`` (starting with INSERT so that the driver reports the row
    count: Python's sqlite3 gives -1 for a statement that starts with WITH). PostgreSQL runs no
    parallel workers for ``INSERT … SELECT``, which would scan the attendance alone; so the rows are
    computed by ``CREATE TEMP TABLE … AS`` (parallel, like a plain SELECT) and copied from there; ``keep``: the
    temporary table's name, left for the caller to read and drop (else it is dropped here). Columns that are not
    the model's (``category_columns``) stay in the temporary table only; with ``NAME_COLUMN`` among them the rows
    are copied with their ``RANK_COLUMNS`` (``ranked_sql``), numbered over the narrow rows (member, total, name).
    """
    column_of = {name: str(f.column) for f in model._meta.concrete_fields for name in (f.name, f.attname)}
    names = ", ".join(column_of.get(c, c) for c in [*constants, *columns])
    stored_columns = [column_of[c] for c in [*constants, *columns] if c in column_of]
    stored = ", ".join(stored_columns)
    placeholders = ", ".join(["%s"] * len(constants))
    params = [*query.with_params, *constants.values(), *query.select_params]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            select = f"WITH {query.with_sql}\nSELECT {placeholders}, {query.select_sql}"
            with query.temporary_tables():
                cursor.execute(f"INSERT INTO {model._meta.db_table} ({names})\n{select}", params)
                return int(cursor.rowcount)
        select = f"WITH {query.with_sql}\nSELECT {placeholders}, {query.select_sql}"
        temporary = keep or "rollup_rows"
        cursor.execute(f"CREATE TEMPORARY TABLE {temporary} ({names}) ON COMMIT DROP AS {select}", params)
        copied, ranks, ranked_from = stored, "", ""
        if NAME_COLUMN in columns:
            # in the members' order, as the rows were computed: inserted in the ranking's order (a hash join's), the
            # unique key's index takes them in a random order, 40 ms of backend CPU more for 16,666 rows
            copied, ranks = f"{stored}, {', '.join(RANK_COLUMNS)}", ", k.ytd_rank, k.ytd_place"
            ranked_from = (
                f" JOIN (SELECT r.member_id, {ranked_sql('r', 'ytd_total')} FROM {temporary} r) "
                "k(member_id, ytd_rank, ytd_place) ON k.member_id = r.member_id ORDER BY r.member_id"
            )
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({copied}) "
            f"SELECT {', '.join(f'r.{c}' for c in stored_columns)}{ranks} FROM {temporary} r{ranked_from}"
        )
        written = int(cursor.rowcount)
        if not keep:
            cursor.execute(f"DROP TABLE {temporary}")
        return written


def _member_rows(run: RollupRun) -> tuple[str, list]:
    """The run's member snapshots as a relation ``ms`` and its parameters: on PostgreSQL the rows as they were
    computed (``MEMBER_ROWS``: read without the table's indexes, and with the real row count, where the rows just
    written have no statistics and the planner expects one), on SQLite the table's rows of the run."""
    if connection.vendor == "postgresql":
        return f"{MEMBER_ROWS} ms", []
    return f"(SELECT * FROM {MemberSnapshot._meta.db_table} WHERE run_id = %s) ms", [run.pk]


def last_quarter(committee_id: int, year: int) -> int | None:
    """The latest quarter of the year with member snapshots (the year's final figures once it is over)."""
    from django.db.models import Max

    quarter: int | None = MemberSnapshot.objects.filter(committee_id=committee_id, year=year).aggregate(
        q=Max("quarter")
    )["q"]
    return quarter


def previous_totals_sql(committee_id: int, year: int, dialect: _Dialect) -> tuple[str, list]:
    """(member id, year-to-date total in cents) of the year's latest snapshot, for the two-year condition."""
    table = MemberSnapshot._meta.db_table
    return (
        f"SELECT ms.member_id, {dialect.cents_of('ms.ytd_total')} FROM {table} ms WHERE ms.committee_id = %s "
        f"AND ms.year = %s AND ms.quarter = (SELECT MAX(x.quarter) FROM {table} x WHERE x.committee_id = %s "
        f"AND x.year = %s)",
        [committee_id, year, committee_id, year],
    )


def previous_total(member_id: int, committee_id: int, year: int) -> Decimal | None:
    """A member's total of ``year`` as its latest snapshot has it; None without one."""
    quarter = last_quarter(committee_id, year)
    if quarter is None:
        return None
    return (
        MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter, member_id=member_id)
        .values_list("ytd_total", flat=True)
        .first()
    )


# The member statement per committee, quarter and rule book, built once per process (``_member_query``).
_MEMBER_QUERIES: dict[tuple, tuple[Query, list[str]]] = {}


def _member_query(committee_id: int, year: int, quarter: int, book: RuleBook) -> tuple[Query, list[str]]:
    """``scoring_sql`` over the committee's duty events of the year up to the quarter's end, for its members in
    office; built once per process for each committee, quarter and rule book.

    Building it (two dozen annotated querysets compiled, the rule tables worked out) costs 60-250 ms of Python at
    load 10: a third of a roll-up on SQLite at 5,000 members. The statement depends on nothing else than its key:
    the committee, the quarter, the rule book, the time zone (local days) and the database (vendor, the content
    types the sources' audit-trail lookups name); the rows it reads are parameters of none of them. Events that are
    not ``sources.event_sql`` (made-up rows in tests) are built every time.
    """
    start, end = quarter_bounds(year, quarter)
    dialect = _Dialect(connection.vendor)
    key = sources.statement_key(committee_id, year, quarter, repr(book))
    cached = event_sql is sources.event_sql
    built = _MEMBER_QUERIES.get(key) if cached else None
    if built is not None:
        return built
    members = ("mem.committee_id = %s AND mem.status = %s", [committee_id, Member.Status.ACTIVE])
    branches = all_branches(committee_id, date(year, 1, 1), end)
    built = scoring_sql(
        book,
        partial(event_sql, committee_id, date(year, 1, 1), end, built=branches),
        quarter_start=start,
        dialect=dialect,
        member_filter=members,
        previous=previous_totals_sql(committee_id, year - 1, dialect),
        bulk_kinds=frozenset(kind for branch in branches if branch.bulk for kind in branch.kinds),
        with_category_columns=dialect.pg,
        ranked=True,
        bulk_counts=partial(sources.attendance_counts_sql, committee_id, year, quarter) if cached else None,
    )
    if cached:
        sources.remember(_MEMBER_QUERIES, key, built, at_most=64)
    return built


def member_snapshots(run: RollupRun) -> int:
    """Write a snapshot for every member in office, in one statement; return how many."""
    book = book_for(run.committee_id, run.year)
    query, columns = _member_query(run.committee_id, run.year, run.quarter, book)
    _RUN_CATEGORIES[run.pk] = _rule_tables(book).categories
    constants = {"run": run.pk, "committee": run.committee_id, "year": run.year, "quarter": run.quarter}
    # No larger work_mem: with 64 MB PostgreSQL chose one single-threaded hash aggregate over a whole
    # year's attendance (it overestimates the groups) instead of sorting in parallel workers, 35 % slower.
    return _insert(
        MemberSnapshot,
        columns,
        constants,
        query,
        keep=MEMBER_ROWS if connection.vendor == "postgresql" else "",
    )


# --- group and committee snapshots ------------------------------------------------------------------


def _category_map(dialect: _Dialect, owner: str, pairs: str) -> str:
    """From ``pairs`` (owner, member snapshot) rows, each owner's summed category map."""
    return (
        f"SELECT x.o AS o, {dialect.object_agg('x.cat', dialect.amount_text('x.c'), '1 = 1')} AS cats FROM ("
        f"SELECT {owner} AS o, j.key AS cat, SUM({dialect.cents_of('j.value')}) AS c FROM {pairs} "
        f"CROSS JOIN {dialect.each('ms.points_by_category')} AS j GROUP BY {owner}, j.key) x GROUP BY x.o"
    )


# The rule book's categories of a run whose member rows were just computed (``member_snapshots``), for its group and
# committee snapshots in the same transaction; ``replace_quarter`` forgets them at the end.
_RUN_CATEGORIES: dict[int, list[str]] = {}


def _categories_of(run: RollupRun) -> list[str]:
    """The categories of the run's rule book, in the order of the member rows' ``category_columns``."""
    known = _RUN_CATEGORIES.get(run.pk)
    return known if known is not None else _rule_tables(book_for(run.committee_id, run.year)).categories


def _summed_categories(dialect: _Dialect, categories: list[str], owner: str) -> tuple[str, list]:
    """PostgreSQL: the category map of ``owner``'s summed ``category_columns`` (``fig.category_0_cents``…): each
    category some member had events of in the quarter, with the members' cents added up; and its parameter (the
    names). ``jsonb_object`` of two arrays, the NULLs stripped: ``jsonb_build_object`` looks up each argument's
    type on every call (two to three times the time)."""
    if not categories:
        return dialect.empty_object(), []
    values = [
        f"CASE WHEN {owner}.category_{i}_events > 0 THEN {dialect.amount_text(f'{owner}.category_{i}_cents')} END"
        for i in range(len(categories))
    ]
    return f"jsonb_strip_nulls(jsonb_object(CAST(%s AS text[]), ARRAY[{', '.join(values)}]))", [list(categories)]


def group_snapshots(run: RollupRun) -> int:
    """One row per active group, summed over its members' snapshots of the quarter (each member once).

    On PostgreSQL the category maps are made from the member rows' ``category_columns`` summed per group, in
    integers (SQLite: from the members' maps, each read back from JSON)."""
    start, end = quarter_bounds(run.year, run.quarter)
    dialect = _Dialect(connection.vendor)
    adapt = connection.ops.adapt_datefield_value
    membership, group = GroupMembership._meta.db_table, ActivityGroup._meta.db_table
    rows, rows_params = _member_rows(run)
    by_column = dialect.pg
    categories = _categories_of(run) if by_column else []
    extra = category_columns(categories)
    sums = ", ".join(f"SUM(ms.{name})" for name in [*SUMMED, *extra])
    carried = ", ".join(f"ms.{n}" for n in [*SUMMED, *extra]) + ("" if by_column else ", ms.points_by_category")
    with_sql = (
        f"gm(g, mid) AS (SELECT DISTINCT gm.group_id, gm.member_id FROM {membership} gm "
        f"JOIN {group} g ON g.id = gm.group_id WHERE g.committee_id = %s AND gm.joined_on <= %s "
        f"AND (gm.left_on IS NULL OR gm.left_on >= %s)),\n"
        # each (group, member snapshot) pair once; read twice on SQLite (the figures, the category maps), once on
        # PostgreSQL
        f"ms AS {'' if by_column else dialect.materialized} (SELECT gm.g, {carried} FROM gm "
        f"JOIN {rows} ON ms.member_id = gm.mid),\n"
        f"fig(g, members, covered, {', '.join([*SUMMED, *extra])}) AS (SELECT ms.g, COUNT(*), "
        f"SUM(CASE WHEN ms.three_enters > 0 THEN 1 ELSE 0 END), {sums} FROM ms GROUP BY ms.g)"
    )
    if by_column:
        cats, cats_params = _summed_categories(dialect, categories, "fig")
        cats = f"COALESCE({cats}, {dialect.empty_object()})"
        joined = ""
    else:
        with_sql += f",\ncat AS ({_category_map(dialect, 'ms.g', 'ms')})"
        cats, cats_params = f"COALESCE(cat.cats, {dialect.empty_object()})", []
        joined = " LEFT JOIN cat ON cat.o = g.id"
    select_sql = (
        "g.id, COALESCE(fig.members, 0), COALESCE(fig.covered, 0), "
        + ", ".join(f"COALESCE(fig.{name}, 0)" for name in SUMMED)
        + f", {cats} FROM {group} g LEFT JOIN fig ON fig.g = g.id{joined} "
        "WHERE g.committee_id = %s AND g.is_active = %s"
    )
    query = Query(
        with_sql,
        [run.committee_id, adapt(end), adapt(start), *rows_params],
        select_sql,
        [*cats_params, run.committee_id, True],
    )
    columns = ["group", "members", "members_covered", *SUMMED, "points_by_category"]
    constants = {"run": run.pk, "committee": run.committee_id, "year": run.year, "quarter": run.quarter}
    return _insert(GroupSnapshot, columns, constants, query)


def committee_snapshot(run: RollupRun) -> CommitteeSnapshot:
    """The committee's row, summed over its member snapshots of the quarter (the category map on PostgreSQL from
    the member rows' ``category_columns``, as for ``group_snapshots``)."""
    rows, params = _member_rows(run)
    dialect = _Dialect(connection.vendor)
    categories = _categories_of(run) if dialect.pg else []
    extra = category_columns(categories)
    sums = ", ".join(f"COALESCE(SUM(ms.{name}), 0)" for name in [*SUMMED, *extra])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN ms.three_enters > 0 THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM({dialect.cents_of('ms.ytd_total')}), 0), {sums} FROM {rows}",
            params,
        )
        members, covered, ytd_cents, *summed = cursor.fetchone()
        if dialect.pg:
            by_category = summed[len(SUMMED) :]
            summed = summed[: len(SUMMED)]
            pairs = [(name, by_category[2 * i]) for i, name in enumerate(categories) if by_category[2 * i + 1] > 0]
        else:
            cursor.execute(
                f"SELECT j.key, SUM({dialect.cents_of('j.value')}) FROM {rows} "
                f"CROSS JOIN {dialect.each('ms.points_by_category')} AS j GROUP BY j.key",
                params,
            )
            pairs = cursor.fetchall()
        categories_map = {key: str(Decimal(cents) / 100) for key, cents in sorted(pairs)}
        counts = _member_counts(cursor, rows, params, dialect)
    return CommitteeSnapshot.objects.create(
        run=run,
        committee_id=run.committee_id,
        year=run.year,
        quarter=run.quarter,
        groups=ActivityGroup.objects.filter(committee_id=run.committee_id, is_active=True).count(),
        points_by_category=categories_map,
        members=members,
        members_covered=covered,
        **counts,
        ytd_total=Decimal(int(ytd_cents)) / 100,
        **dict(zip(SUMMED, summed, strict=True)),
    )


BUCKETS = 13  # the year-to-date total in bands of ten points: below 10 (negatives too), 10–19, …, 120 and more


def bucket_bounds(bucket: int) -> tuple[int | None, int | None]:
    """A band's lowest total and the total above it (None: unbounded): (None, 10), (10, 20), …, (120, None)."""
    return (bucket * 10 if bucket > 0 else None), ((bucket + 1) * 10 if bucket < BUCKETS - 1 else None)


def _member_counts(cursor: Any, rows: str, params: list, dialect: _Dialect) -> dict[str, Any]:
    """The committee snapshot's counts of its member rows ``rows`` (``ms``): per grade, below the minimums, per band
    of ten points (``BUCKETS``), as the lists behind them filter (``selectors.ranking_q``, ``snapshot_members_q``)."""
    empty = "CAST('[]' AS jsonb)" if dialect.pg else "'[]'"
    bands = []
    for bucket in range(BUCKETS):
        low, high = bucket_bounds(bucket)
        conditions = [f"ms.ytd_total >= {low}"] * (low is not None) + [f"ms.ytd_total < {high}"] * (high is not None)
        bands.append(f"COALESCE(SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END), 0)")
    cursor.execute(
        f"SELECT COALESCE(SUM(CASE WHEN ms.missing <> {empty} THEN 1 ELSE 0 END), 0), {', '.join(bands)} FROM {rows}",
        params,
    )
    below, *buckets = cursor.fetchone()
    cursor.execute(f"SELECT ms.ytd_grade, COUNT(*) FROM {rows} GROUP BY ms.ytd_grade", params)
    grades = dict(sorted(cursor.fetchall()))
    return {"grades": grades, "members_below": below, "buckets": buckets}


def replace_quarter(run: RollupRun, progress: Callable[[str, int, int], None] | None = None) -> int:
    """Drop the quarter's previous snapshot and write the new one (the caller holds the transaction).

    ``progress(stage, done, total)`` is called as each stage of ``STAGES`` starts (done = stages
    finished so far, total = len(STAGES)) and once more with ("done", total, total) at the end.
    """
    report = progress or (lambda stage, done, total: None)
    where = {"committee_id": run.committee_id, "year": run.year, "quarter": run.quarter}
    for model in (MemberSnapshot, GroupSnapshot, CommitteeSnapshot):
        model.objects.filter(**where).delete()
    report(STAGES[0], 0, len(STAGES))
    try:
        written = member_snapshots(run)
        report(STAGES[1], 1, len(STAGES))
        group_snapshots(run)
        report(STAGES[2], 2, len(STAGES))
        committee_snapshot(run)
    finally:
        _RUN_CATEGORIES.pop(run.pk, None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {MEMBER_ROWS}")
    report("done", len(STAGES), len(STAGES))
    return written

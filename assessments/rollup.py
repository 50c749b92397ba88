"""Computing a committee's quarter in the database: member, group and committee snapshots written
by set-based SQL statements, no Python loop over members. Called by
``services.rollup_execute`` inside the transaction that replaces the quarter's snapshot.

The member statement is the scoring engine (``scoring.py``) in SQL, over the duty events that
``event_sql`` reads from the source tables (year to date, so extras stay extras):

1. ``ag`` counts all events per member, kind, quantity and authors (``n`` year to date, ``nq`` in
   the quarter), grouped straight over the union of the sources' queries, attendance included, never
   kept row by row; only the small sources that can yield a kind priced "from the nth occurrence"
   are kept (``evx``, with their day and source) and counted from there;
2. for each event kind the rule book prices through rules without an occurrence number, ``pz`` holds
   those rules (the first kind of each pricing slot that has one, and every adding rule the kind
   stands for, worked out in Python: several rows per kind); ``ln`` prices the counted rows in whole
   cents (points × quantity, divided among the authors or the co-signers when the rule says so,
   rounded half away from zero to the rule's step like ``scoring.round_to``, times the counts);
   adding rules are numbered apart from the slot's rules (key ``+kind`` in ``km``/``ru``);
3. only for rule kinds with "from the nth occurrence" rules, ``km``/``ru`` and ``pr`` number the
   member's events of that kind in the engine's order (day, source, kind) with a window function,
   and ``ln`` prices each numbered event with its rule;
4. ``ca``/``cc`` sum lines per member and category for the year and the quarter and apply the caps;
   ``tot`` adds the bonus (capped), deductions and the quarter's points and builds the category map;
   ``fa`` counts the quarter's figures and the year's events for the minimum requirements (``fk``:
   which kinds each counts);
5. the final ``SELECT`` joins every member in office (members without events get an empty line),
   adds the base and the grade band, lists the minimums not met (a group of alternatives only when
   none of it is met), caps or sets the grade for a shortfall, and applies the two-year condition
   against ``prev`` (last year's latest member snapshot; read only when the rule set has one).

``tests/assessments/test_rollup_sql.py`` checks this against ``scoring.score`` on generated rule
books and events, on SQLite and on PostgreSQL. Group and committee snapshots are then aggregated
from the member snapshots, category maps included, in SQL as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from django.db import connection
from django.db.models import Count, Q, Sum

from groups.models import ActivityGroup, GroupMembership, Member

from .kinds import EventKind, Share, ShortfallEffect, counts_as, pricing_of
from .models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun, RuleSet
from .scoring import RuleBook
from .sources import all_branches, event_sql


@dataclass(frozen=True)
class Query:
    """A ``WITH`` clause and the select list + ``FROM …`` that follows it, each with its parameters."""

    with_sql: str
    with_params: list
    select_sql: str
    select_params: list

    def sql(self) -> tuple[str, list]:
        return f"WITH {self.with_sql}\nSELECT {self.select_sql}", [*self.with_params, *self.select_params]


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
        self.materialized = "MATERIALIZED" if self.pg or connection.Database.sqlite_version_info >= (3, 35) else ""

    def money(self, cents: str) -> str:  # whole cents -> a decimal column value
        return f"(CAST({cents} AS numeric) / 100)" if self.pg else f"({cents} / 100.0)"

    def amount_text(self, cents: str) -> str:  # whole cents -> '12.50', as str(Decimal) writes it
        return (
            f"CAST(CAST({cents} AS numeric) / 100 AS numeric(20, 2))::text"
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


def _table(name: str, columns: tuple[str, ...], rows: list[tuple], types: tuple[str, ...]) -> tuple[str, list]:
    """A CTE of literal rows (parameters); an empty one selects typed NULLs and no row."""
    head = f"{name}({', '.join(columns)}) AS "
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


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(values)
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


# --- member snapshots -----------------------------------------------------------------------------

SHARES = {Share.FULL: 0, Share.SPLIT: 1, Share.COSIGNERS: 2}


def _pricing(rule) -> tuple:
    """A rule's pricing columns: points in cents, per unit, share (``SHARES``), rounding step in cents, category."""
    return (
        _cents(rule.points),
        int(rule.per_unit),
        SHARES[rule.share],
        _cents(Decimal(str(rule.rounding))),
        rule.category,
    )


def scoring_sql(
    book: RuleBook,
    events,
    *,
    quarter_start: date,
    dialect: _Dialect,
    member_filter: tuple[str, list],
    previous: tuple[str, list] | None = None,
) -> tuple[Query, list[str]]:
    """One row per member (the columns named): the quarter's snapshot figures and points.

    ``previous``: SQL with (member id, total in cents) of the year before, for the two-year
    condition (read only when the rule book has one)."""
    adapt = connection.ops.adapt_datefield_value
    qs = adapt(quarter_start)
    kinds = sorted(EventKind.values)
    kind_rank = {kind: rank for rank, kind in enumerate(kinds, start=1)}
    # Rules are numbered per key: the rule kind, or "+kind" for the rules that add on top.
    nth_keys = {r.key for r in book.rules if r.nth_from > 1}
    adding = book.adding_kinds()
    km_rows = []
    for kind in kinds:
        for slot in pricing_of(kind):
            rule_kind = next((k for k in slot if book.rules_for(k)), None)
            if rule_kind is not None:
                km_rows.append((kind, str(rule_kind), kind_rank[kind], int(str(rule_kind) in nth_keys)))
        stands_for = {str(k) for k in counts_as(kind)}
        km_rows += [(kind, f"+{k}", kind_rank[kind], int(f"+{k}" in nth_keys)) for k in adding if k in stands_for]
    ru_rows = []
    for key in sorted({r.key for r in book.rules}):
        rules = book.rules_for(key.lstrip("+"), adds=key.startswith("+"))
        for rule, after in zip(rules, [*rules[1:], None], strict=True):
            ru_rows.append((key, rule.nth_from, after.nth_from if after else NEVER, *_pricing(rule)))
    cp_rows = [(category, _cents(cap)) for category, cap in sorted(book.caps.items()) if category]
    # Kinds priced without occurrence numbers: the one rule of their key, joined here in Python
    # (``pz``, read once, so the database sees its real size; an event kind may have several rows,
    # one per slot and one per adding rule); the others keep ``km`` + ``ru``.
    single = {r.key: r for r in book.rules if r.key not in nth_keys}
    pz_rows = [(k, *_pricing(single[rk])) for k, rk, _kr, occ in km_rows if not occ]
    km_rows = [row for row in km_rows if row[3]]

    params: list = []
    ctes = []
    for name, columns, rows, types in (
        ("km", ("k", "rk", "kr", "occ"), km_rows, ("varchar(30)", "varchar(30)", "integer", "integer")),
        (
            "ru",
            ("rk", "nf", "nt", "pc", "pu", "sp", "rs", "cat"),
            ru_rows,
            ("varchar(30)", "integer", "integer", "integer", "integer", "integer", "integer", "varchar(30)"),
        ),
        ("cp", ("cat", "cap"), cp_rows, ("varchar(30)", "integer")),
        (
            "pz",
            ("k", "pc", "pu", "sp", "rs", "cat"),
            pz_rows,
            ("varchar(30)", "integer", "integer", "integer", "integer", "varchar(30)"),
        ),
    ):
        sql, values = _table(name, columns, rows, types)
        ctes.append(sql)
        params += values

    def line(row: str, rule: str = "ru") -> str:  # one line's cents from a rule and an event row's q and a
        # num / (sharers x step) rounded half away from zero in integers, times the step (in cents):
        # sp 0 full, 1 split among the authors, 2 among the co-signers (authors - 1, at least 1).
        num = f"(CASE WHEN {rule}.pu = 1 THEN {rule}.pc * {row}.q ELSE {rule}.pc END)"
        div = (
            f"((CASE WHEN {rule}.sp = 1 THEN {row}.a WHEN {rule}.sp = 2 AND {row}.a > 1 THEN {row}.a - 1 "
            f"ELSE 1 END) * {rule}.rs)"
        )
        return (
            f"CASE WHEN {rule}.sp = 0 AND {rule}.rs = 1 THEN {num} "
            f"WHEN {num} >= 0 THEN ((2 * {num} + {div}) / (2 * {div})) * {rule}.rs "
            f"ELSE -(((-2 * {num} + {div}) / (2 * {div})) * {rule}.rs) END"
        )

    # Events are counted per member, kind, quantity and authors (``n`` year to date, ``nq`` in the
    # quarter): what every rule without an occurrence number and every figure needs. Only the small
    # sources that can yield a kind priced "from the nth occurrence" are kept row by row (``evx``,
    # once, with their day and source) and counted from there; the big one (attendance) is only ever
    # counted, unless attendance itself is priced by occurrence.
    occ_kinds = sorted({k for k, _rk, _kr, _occ in km_rows})
    # PostgreSQL: the big source grouped on its own, so that it is scanned by parallel workers (one
    # GROUP BY over its union with the small sources ran single-threaded for a whole year's data).
    # SQLite has no parallel workers, and one GROUP BY over the union is faster there (293 vs 342 ms
    # at 5,000 members).
    if dialect.pg:
        big_sql, big_params = events(counts_from=quarter_start, bulk=True)
        small_sql, small_params = events(counts_from=quarter_start, bulk=False, except_small=occ_kinds)
        direct_sql, direct_params = f"{big_sql} UNION ALL {small_sql}", [*big_params, *small_params]
    else:
        direct_sql, direct_params = events(counts_from=quarter_start, except_small=occ_kinds)
    if occ_kinds:
        evx_sql, evx_params = events(bulk=False, kinds=occ_kinds)
        ctes.append(f"evx(m, k, d, q, a, s, p) AS {dialect.materialized} ({evx_sql})")
        params += evx_params
        direct_sql += (
            " UNION ALL SELECT evx.m, evx.k, evx.q, evx.a, CAST(COUNT(*) AS integer), "
            "CAST(SUM(CASE WHEN evx.d >= %s THEN 1 ELSE 0 END) AS integer) FROM evx "
            "GROUP BY evx.m, evx.k, evx.q, evx.a"
        )
        direct_params = [*direct_params, qs]
    ctes.append(f"ag(m, k, q, a, n, nq) AS {dialect.materialized} ({direct_sql})")
    params += direct_params
    price = line("ag", "pz")
    lines = [f"SELECT ag.m, pz.cat, ag.n * ({price}), ag.nq * ({price}), ag.nq, ag.n FROM ag JOIN pz ON pz.k = ag.k"]
    if occ_kinds:  # "from the nth occurrence" rules: each event numbered in the engine's order
        big_sql, big_params = events(bulk=True, kinds=occ_kinds)  # nothing unless attendance is nth-priced
        ctes.append(f"ev(m, k, d, q, a, s, p) AS ({big_sql} UNION ALL SELECT * FROM evx)")
        params += big_params
        cond, values = _in("ev.k", occ_kinds)
        ctes.append(
            "pr(m, iq, q, a, rk, n) AS (SELECT ev.m, CASE WHEN ev.d >= %s THEN 1 ELSE 0 END, ev.q, ev.a, km.rk, "
            "ROW_NUMBER() OVER (PARTITION BY ev.m, km.rk ORDER BY ev.d, ev.s, ev.p, km.kr) "
            f"FROM ev CROSS JOIN km WHERE {cond} AND km.k = ev.k)"
        )
        params += [qs, *values]
        lines.append(
            f"SELECT pr.m, ru.cat, {line('pr')}, pr.iq * ({line('pr')}), pr.iq, 1 FROM pr "
            "JOIN ru ON ru.rk = pr.rk AND pr.n >= ru.nf AND pr.n < ru.nt"
        )
    # per line: cents in the year, cents in the quarter, events in the quarter, events in the year so far
    ctes.append(f"ln(m, cat, c, cq, nq, ny) AS ({' UNION ALL '.join(lines)})")
    ctes.append(
        "ca(m, cat, y, qc, qn, ny) AS (SELECT ln.m, ln.cat, SUM(ln.c), SUM(ln.cq), SUM(ln.nq), SUM(ln.ny) "
        "FROM ln GROUP BY ln.m, ln.cat)"
    )
    # y: the year so far after the category's cap; r: the same before it (what the lines add up to)
    ctes.append(
        "cc(m, cat, y, qc, qn, r, ny) AS (SELECT ca.m, ca.cat, "
        "CASE WHEN cp.cap IS NOT NULL AND ca.y > cp.cap THEN cp.cap ELSE ca.y END, ca.qc, ca.qn, ca.y, ca.ny "
        "FROM ca LEFT JOIN cp ON cp.cat = ca.cat)"
    )
    cats = dialect.object_agg("cc.cat", dialect.amount_text("cc.qc"), "cc.qn > 0")
    year_cats = dialect.object_agg("cc.cat", dialect.amount_text("cc.r"), "cc.ny > 0")
    ctes.append(
        "tot(m, bonus, ded, qp, cats, ycats) AS (SELECT cc.m, SUM(CASE WHEN cc.y > 0 THEN cc.y ELSE 0 END), "
        f"SUM(CASE WHEN cc.y < 0 THEN cc.y ELSE 0 END), SUM(cc.qc), {cats}, {year_cats} FROM cc GROUP BY cc.m)"
    )

    # Which kinds each figure and each minimum counts, as 0/1 columns per kind (a join on the kind
    # instead of IN lists per row).
    minimums = sorted(book.minimums.items())
    targets = [(name, kind) for name, kind in FIGURES.items()] + [
        (f"n{i}", kind) for i, (kind, _required) in enumerate(minimums)
    ]
    fk_rows = [(k, *(int(str(target) in {str(x) for x in counts_as(k)}) for _name, target in targets)) for k in kinds]
    sql, values = _table(
        "fk", ("k", *(name for name, _t in targets)), fk_rows, ("varchar(30)", *["integer"] * len(targets))
    )
    ctes.append(sql)
    params += values
    counts = [f"SUM(ag.nq * fk.{name}) AS {name}" for name in FIGURES] + [
        f"SUM(ag.n * fk.n{i}) AS n{i}" for i in range(len(minimums))
    ]
    ctes.append(f"fa AS (SELECT ag.m, {', '.join(counts)} FROM ag JOIN fk ON fk.k = ag.k GROUP BY ag.m)")

    bonus = "COALESCE(tot.bonus, 0)"
    if book.bonus_cap is not None:
        cap = _cents(book.bonus_cap)
        bonus = f"CASE WHEN {bonus} > {cap} THEN {cap} ELSE {bonus} END"
    total = f"({_cents(book.base)} + {bonus} + COALESCE(tot.ded, 0))"
    ctes.append(
        f"sc AS (SELECT mem.id AS m, {total} AS total FROM groups_member mem "
        f"LEFT JOIN tot ON tot.m = mem.id WHERE {member_filter[0]})"
    )
    params += member_filter[1]

    missing, missing_params, short = _missing_sql(book, minimums, dialect)
    grade, grade_params = _grade_sql(book, short, dialect)
    if book.repeat_below is not None and previous is not None:
        ctes.append(f"prev(m, t) AS ({previous[0]})")
        params += previous[1]
        below = _cents(book.repeat_below)
        grade = (
            f"CASE WHEN sc.total < {below} AND EXISTS (SELECT 1 FROM prev WHERE prev.m = sc.m AND prev.t < {below}) "
            f"THEN {dialect.text('%s')} ELSE {grade} END"
        )
        grade_params = [book.repeat_grade, *grade_params]

    columns = [
        "member_id",
        "points",
        "points_by_category",
        "ytd_points_by_category",
        "ytd_total",
        "ytd_grade",
        "missing",
        *FIGURES,
    ]
    select = (
        f"sc.m, {dialect.money('COALESCE(tot.qp, 0)')}, "
        f"COALESCE(tot.cats, {dialect.empty_object()}), COALESCE(tot.ycats, {dialect.empty_object()}), "
        f"{dialect.money('sc.total')}, {grade}, "
        f"{dialect.json(missing)}, "
        + ", ".join(f"COALESCE(fa.{name}, 0)" for name in FIGURES)
        + " FROM sc LEFT JOIN tot ON tot.m = sc.m LEFT JOIN fa ON fa.m = sc.m"
    )
    return Query(",\n".join(ctes), params, select, grade_params + missing_params), columns


def _bands_case(book: RuleBook, dialect: _Dialect, at_most: str | None = None) -> tuple[str, list]:
    """The grade band holding ``sc.total`` ('' for none); ``at_most``: bands better than it give it instead."""
    labels = [b.label for b in book.bands]
    whens, params = [], []
    for i, band in enumerate(book.bands):
        conds = []
        if band.min_score is not None:
            conds.append(f"sc.total >= {_cents(band.min_score)}")
        if band.max_score is not None:
            conds.append(f"sc.total < {_cents(band.max_score)}")
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


def _missing_sql(book: RuleBook, minimums, dialect: _Dialect) -> tuple[str, list, str]:
    """The minimums not met as a JSON list, its parameters, and a condition "some group is missed".
    A group of alternatives is missed when each of its minimums is (``scoring.shortfalls``)."""
    groups: dict[str, list[str]] = {}
    for i, (kind, required) in enumerate(minimums):
        groups.setdefault(book.minimum_group(kind), []).append(f"COALESCE(fa.n{i}, 0) < {int(required)}")
    unmet = {g: "(" + " AND ".join(conds) + ")" for g, conds in groups.items()}
    parts, params = [], []
    for i, (kind, required) in enumerate(minimums):
        actual = f"COALESCE(fa.n{i}, 0)"
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


def _insert(model, columns: list[str], constants: dict, query: Query) -> int:
    """Write ``WITH … SELECT constants…, <select>`` into ``model`` (constants…, columns…); rows written.

    SQLite: one ``INSERT … WITH … SELECT`` (starting with INSERT so that the driver reports the row
    count: Python's sqlite3 gives -1 for a statement that starts with WITH). PostgreSQL runs no
    parallel workers for ``INSERT … SELECT``, which would scan the attendance alone; so the rows are
    computed by ``CREATE TEMP TABLE … AS`` (parallel, like a plain SELECT) and copied from there.
    """
    names = ", ".join(model._meta.get_field(c).column for c in [*constants, *columns])
    placeholders = ", ".join(["%s"] * len(constants))
    select = f"WITH {query.with_sql}\nSELECT {placeholders}, {query.select_sql}"
    params = [*query.with_params, *constants.values(), *query.select_params]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"INSERT INTO {model._meta.db_table} ({names})\n{select}", params)
            return cursor.rowcount
        cursor.execute(f"CREATE TEMPORARY TABLE rollup_rows ({names}) ON COMMIT DROP AS {select}", params)
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({names}) SELECT * FROM rollup_rows")
        written = cursor.rowcount
        cursor.execute("DROP TABLE rollup_rows")
        return written


def last_quarter(committee_id: int, year: int) -> int | None:
    """The latest quarter of the year with member snapshots (the year's final figures once it is over)."""
    from django.db.models import Max

    return MemberSnapshot.objects.filter(committee_id=committee_id, year=year).aggregate(q=Max("quarter"))["q"]


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


def member_snapshots(run: RollupRun) -> int:
    """Write a snapshot for every member in office, in one statement; return how many."""
    start, end = quarter_bounds(run.year, run.quarter)
    dialect = _Dialect(connection.vendor)
    members = ("mem.committee_id = %s AND mem.status = %s", [run.committee_id, Member.Status.ACTIVE])
    query, columns = scoring_sql(
        book_for(run.committee_id, run.year),
        partial(
            event_sql,
            run.committee_id,
            date(run.year, 1, 1),
            end,
            built=all_branches(run.committee_id, date(run.year, 1, 1), end),
        ),
        quarter_start=start,
        dialect=dialect,
        member_filter=members,
        previous=previous_totals_sql(run.committee_id, run.year - 1, dialect),
    )
    constants = {"run": run.pk, "committee": run.committee_id, "year": run.year, "quarter": run.quarter}
    # No larger work_mem: with 64 MB PostgreSQL chose one single-threaded hash aggregate over a whole
    # year's attendance (it overestimates the groups) instead of sorting in parallel workers, 35 % slower.
    return _insert(MemberSnapshot, columns, constants, query)


# --- group and committee snapshots ------------------------------------------------------------------


def _category_map(dialect: _Dialect, owner: str, pairs: str) -> str:
    """From ``pairs`` (owner, member snapshot) rows, each owner's summed category map."""
    return (
        f"SELECT x.o AS o, {dialect.object_agg('x.cat', dialect.amount_text('x.c'), '1 = 1')} AS cats FROM ("
        f"SELECT {owner} AS o, j.key AS cat, SUM({dialect.cents_of('j.value')}) AS c FROM {pairs} "
        f"CROSS JOIN {dialect.each('ms.points_by_category')} AS j GROUP BY {owner}, j.key) x GROUP BY x.o"
    )


def group_snapshots(run: RollupRun) -> int:
    """One row per active group, summed over its members' snapshots of the quarter (each member once)."""
    start, end = quarter_bounds(run.year, run.quarter)
    dialect = _Dialect(connection.vendor)
    adapt = connection.ops.adapt_datefield_value
    membership, group, snapshot = (
        GroupMembership._meta.db_table,
        ActivityGroup._meta.db_table,
        MemberSnapshot._meta.db_table,
    )
    sums = ", ".join(f"SUM(ms.{name})" for name in SUMMED)
    with_sql = (
        f"gm(g, mid) AS (SELECT DISTINCT gm.group_id, gm.member_id FROM {membership} gm "
        f"JOIN {group} g ON g.id = gm.group_id WHERE g.committee_id = %s AND gm.joined_on <= %s "
        f"AND (gm.left_on IS NULL OR gm.left_on >= %s)),\n"
        # each (group, member snapshot) pair once, the snapshot found by its unique (member, year, quarter)
        f"ms AS {dialect.materialized} (SELECT gm.g, {', '.join(f'ms.{n}' for n in SUMMED)}, ms.points_by_category "
        f"FROM gm CROSS JOIN {snapshot} ms WHERE ms.member_id = gm.mid AND ms.year = %s AND ms.quarter = %s "
        f"AND ms.run_id = %s),\n"
        f"fig(g, members, covered, {', '.join(SUMMED)}) AS (SELECT ms.g, COUNT(*), "
        f"SUM(CASE WHEN ms.three_enters > 0 THEN 1 ELSE 0 END), {sums} FROM ms GROUP BY ms.g),\n"
        f"cat AS ({_category_map(dialect, 'ms.g', 'ms')})"
    )
    select_sql = (
        "g.id, COALESCE(fig.members, 0), COALESCE(fig.covered, 0), "
        + ", ".join(f"COALESCE(fig.{name}, 0)" for name in SUMMED)
        + f", COALESCE(cat.cats, {dialect.empty_object()}) FROM {group} g LEFT JOIN fig ON fig.g = g.id "
        f"LEFT JOIN cat ON cat.o = g.id WHERE g.committee_id = %s AND g.is_active = %s"
    )
    query = Query(
        with_sql,
        [run.committee_id, adapt(end), adapt(start), run.year, run.quarter, run.pk],
        select_sql,
        [run.committee_id, True],
    )
    columns = ["group", "members", "members_covered", *SUMMED, "points_by_category"]
    constants = {"run": run.pk, "committee": run.committee_id, "year": run.year, "quarter": run.quarter}
    return _insert(GroupSnapshot, columns, constants, query)


def committee_snapshot(run: RollupRun) -> CommitteeSnapshot:
    snapshots = MemberSnapshot.objects.filter(run=run)
    totals = snapshots.aggregate(
        members=Count("pk"),
        members_covered=Count("pk", filter=Q(three_enters__gt=0)),
        **{name: Sum(name) for name in SUMMED},
    )
    dialect = _Dialect(connection.vendor)
    sql = (
        f"SELECT j.key, SUM({dialect.cents_of('j.value')}) FROM {MemberSnapshot._meta.db_table} ms "
        f"CROSS JOIN {dialect.each('ms.points_by_category')} AS j WHERE ms.run_id = %s GROUP BY j.key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        categories = {key: str(Decimal(cents) / 100) for key, cents in sorted(cursor.fetchall())}
    return CommitteeSnapshot.objects.create(
        run=run,
        committee_id=run.committee_id,
        year=run.year,
        quarter=run.quarter,
        groups=ActivityGroup.objects.filter(committee_id=run.committee_id, is_active=True).count(),
        points_by_category=categories,
        **{k: v or 0 for k, v in totals.items()},
    )


def replace_quarter(run: RollupRun, progress=None) -> int:
    """Drop the quarter's previous snapshot and write the new one (the caller holds the transaction).

    ``progress(stage, done, total)`` is called as each stage of ``STAGES`` starts (done = stages
    finished so far, total = len(STAGES)) and once more with ("done", total, total) at the end.
    """
    report = progress or (lambda stage, done, total: None)
    where = {"committee_id": run.committee_id, "year": run.year, "quarter": run.quarter}
    for model in (MemberSnapshot, GroupSnapshot, CommitteeSnapshot):
        model.objects.filter(**where).delete()
    report(STAGES[0], 0, len(STAGES))
    written = member_snapshots(run)
    report(STAGES[1], 1, len(STAGES))
    group_snapshots(run)
    report(STAGES[2], 2, len(STAGES))
    committee_snapshot(run)
    report("done", len(STAGES), len(STAGES))
    return written

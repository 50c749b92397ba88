"""The roll-up's SQL scoring gives what the Python scoring engine gives, for any rule book and events.

The rule books drawn use every feature a published rule may need: rules that add on top of the
slot's rule (三进 +2), shares among all authors or the co-signers only, rounding to 0.01/0.1/0.5/1,
minimums grouped as alternatives with a shortfall that caps or sets the grade, and the two-year
condition against a previous year's total.

``scoring.score`` is the reference (the duty-record page uses it, and the published rules are
hand-checked against it in test_presets.py); ``rollup.scoring_sql`` must agree with it to the cent on
every figure of a member snapshot. Runs on SQLite locally and on PostgreSQL in CI.
"""

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.kinds import EventKind as K
from assessments.kinds import Rounding, Share, ShortfallEffect, counts_as
from assessments.rollup import (
    FIGURES,
    _alike_kinds,
    _Dialect,
    _kind_line_rows,
    _rule_tables,
    quarter_bounds,
    scoring_sql,
)
from assessments.scoring import Band, DutyEvent, Rule, RuleBook, score
from assessments.sources import values_sql

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2026, 2
KINDS = [
    K.ACTIVITY_PRESENT,
    K.ACTIVITY_STUDY,
    K.ACTIVITY_THREE_ENTERS,
    K.ACTIVITY_ABSENT,
    K.ACTIVITY_EXCUSED,
    K.PLENARY_PRESENT,
    K.PROPOSAL_SUBMITTED,
    K.PROPOSAL_FILED_LEAD,
    K.PROPOSAL_JOINT_FIRST,
    K.PROPOSAL_FILED_COSIGNER,
    K.REPORT_SUBMITTED,
    K.REPORT_ADOPTED,
    K.REPORT_ADOPTED_CITY,
    K.INSTRUCTION_CITY,
    K.CONSULTATION_PRESENT,
    K.CONSTITUENT_CONTACT,
    K.ACTIVITY_SIGNUP,
]
CATEGORIES = ["活动", "提案", "社情民意", ""]

cents = st.integers(min_value=-1000, max_value=3000).map(lambda c: Decimal(c) / 100)
rules = st.lists(
    st.builds(
        Rule,
        kind=st.sampled_from(KINDS),
        points=cents,
        nth_from=st.integers(1, 3),
        per_unit=st.booleans(),
        share=st.sampled_from(list(Share)),
        category=st.sampled_from(CATEGORIES),
        adds=st.booleans(),
        rounding=st.sampled_from([Decimal(r) for r in Rounding.values]),
    ),
    max_size=8,
    unique_by=lambda r: (r.kind, r.adds, r.nth_from),
)


@st.composite
def books(draw):
    cuts = sorted(draw(st.lists(st.integers(0, 120), min_size=0, max_size=3, unique=True)))
    bounds = [None, *map(Decimal, cuts), None]
    bands = [
        Band(f"第{i}档", bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if draw(st.booleans()) or i == 0
    ]  # some bands missing: totals without a grade
    minimums = draw(st.dictionaries(st.sampled_from(KINDS), st.integers(1, 4), max_size=4))
    labels = [b.label for b in bands]
    return RuleBook(
        rules=tuple(draw(rules)),
        base=draw(st.sampled_from([Decimal(0), Decimal(60), Decimal("70.5")])),
        bonus_cap=draw(st.one_of(st.none(), st.integers(0, 60).map(Decimal))),
        caps=draw(st.dictionaries(st.sampled_from(CATEGORIES[:3]), st.integers(0, 40).map(Decimal), max_size=3)),
        minimums=minimums,
        minimum_groups={k: g for k in minimums if (g := draw(st.sampled_from(["", "甲", 'or "乙"'])))},
        shortfall_effect=draw(st.sampled_from(list(ShortfallEffect))),
        shortfall_grade=draw(st.sampled_from([*labels, "不合格"])),
        repeat_below=draw(st.one_of(st.none(), st.integers(0, 120).map(Decimal))),
        repeat_grade="两年不合格",
        bands=tuple(
            sorted(bands, key=lambda b: b.min_score if b.min_score is not None else Decimal("-Infinity"), reverse=True)
        ),
    )


events = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.builds(
            DutyEvent,
            kind=st.sampled_from(KINDS),
            on=st.dates(min_value=date(YEAR, 1, 1), max_value=date(YEAR, 6, 30)),
            quantity=st.integers(1, 4).map(Decimal),
            authors=st.integers(1, 4),
            source=st.tuples(st.sampled_from(["groups.activity", "proposals.proposal"]), st.integers(1, 6)),
        ),
    ),
    max_size=30,
)


def reference(book, member_events, start, end, previous_total=None):
    """The snapshot figures of one member computed by the Python engine."""
    breakdown = score(book, member_events, previous_total)
    in_quarter = [e for e in member_events if start <= e.on <= end]
    categories, year_categories = defaultdict(Decimal), defaultdict(Decimal)
    for line in breakdown.lines:
        if line.rule_kind is not None and line.event.on <= end:
            year_categories[line.category] += line.points
            if start <= line.event.on:
                categories[line.category] += line.points
    return {
        "points": sum(categories.values(), Decimal(0)),
        "points_by_category": dict(categories),
        "ytd_points_by_category": dict(year_categories),
        "ytd_total": breakdown.total,
        "ytd_grade": breakdown.grade or "",
        "missing": [
            {"kind": m.kind, "required": m.required, "actual": m.actual, **({"group": m.group} if m.group else {})}
            for m in breakdown.missing
        ],
        **{name: sum(1 for e in in_quarter if kind in counts_as(e.kind)) for name, kind in FIGURES.items()},
    }


def previous_sql(previous: dict[int, Decimal]) -> tuple[str, list]:
    """(member id, total in cents) rows of the year before, as the roll-up reads them from last year's snapshot."""
    if not previous:
        return "SELECT CAST(NULL AS integer), CAST(NULL AS integer) WHERE 1 = 0", []
    first = "(CAST(%s AS integer), CAST(%s AS integer))"
    values = ", ".join([first] + ["(%s, %s)"] * (len(previous) - 1))
    return (
        f"SELECT v.column1, v.column2 FROM (VALUES {values}) v",
        [x for m, total in previous.items() for x in (m, int(total * 100))],
    )


def computed(book, rows, member_ids, start, previous=None):
    query, columns = scoring_sql(
        book,
        partial(values_sql, rows),
        quarter_start=start,
        dialect=_Dialect(connection.vendor),
        member_filter=(f"mem.id IN ({', '.join(['%s'] * len(member_ids))})", member_ids),
        previous=previous_sql(previous or {}),
    )
    sql, params = query.sql()
    with query.temporary_tables(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    result = {}
    for member_id, *values in fetched:
        row = dict(zip(columns[1:], values, strict=True))
        for name in ("points_by_category", "ytd_points_by_category", "missing"):
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
        for name in ("points_by_category", "ytd_points_by_category"):
            row[name] = {k: Decimal(v) for k, v in row[name].items()}
        for name in ("points", "ytd_total"):
            row[name] = Decimal(str(row[name])).quantize(Decimal("0.01"))
        result[member_id] = row
    return result


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    book=books(),
    drawn=events,
    last_year=st.lists(
        st.one_of(st.none(), st.integers(0, 12000).map(lambda c: Decimal(c) / 100)), min_size=3, max_size=3
    ),
)
def test_the_sql_roll_up_scores_like_the_python_engine(world, book, drawn, last_year):
    members = [world.member_record.pk, world.convener_member.pk, world.outsider_member.pk]
    rows = [(members[i], e) for i, e in drawn]
    previous = {m: total for m, total in zip(members, last_year, strict=True) if total is not None}
    start, end = quarter_bounds(YEAR, QUARTER)
    got = computed(book, rows, members, start, previous)
    assert set(got) == set(members)
    for member_id in members:
        want = reference(book, [e for m, e in rows if m == member_id], start, end, previous.get(member_id))
        assert got[member_id] == want, (member_id, book)


def test_a_cap_and_the_nth_occurrence_rules_in_sql(world):
    """A hand-worked case: first filed proposal 15, each extra 5, split between authors; activities capped."""
    book = RuleBook(
        rules=(
            Rule(K.PROPOSAL_FILED_LEAD, Decimal(15), category="提案"),
            Rule(K.PROPOSAL_FILED_LEAD, Decimal(5), nth_from=2, category="提案"),
            Rule(K.PROPOSAL_JOINT_FIRST, Decimal(10), share=Share.SPLIT, category="提案"),
            Rule(K.ACTIVITY_PRESENT, Decimal(4), category="活动"),
        ),
        base=Decimal(60),
        caps={"活动": Decimal(10)},
        bands=(Band("优秀", Decimal(85)), Band("称职", None, Decimal(85))),
    )
    m = world.member_record.pk
    rows = [
        (m, DutyEvent(K.PROPOSAL_FILED_LEAD, date(2026, 1, 5), source=("proposals.proposal", 1))),  # 15
        (m, DutyEvent(K.PROPOSAL_FILED_LEAD, date(2026, 4, 5), source=("proposals.proposal", 2))),  # 5
        (m, DutyEvent(K.PROPOSAL_JOINT_FIRST, date(2026, 4, 6), authors=3, source=("proposals.proposal", 3))),  # 3.33
        *[(m, DutyEvent(K.ACTIVITY_STUDY, date(2026, 5, d), source=("groups.activity", d))) for d in (1, 2, 3)],
    ]
    got = computed(book, rows, [m], quarter_bounds(2026, 2)[0])[m]
    # Q2: 提案 5 + 3.33, 活动 12 (uncapped in the quarter); year: 提案 23.33 + 活动 min(12, 10) = 33.33 -> 93.33
    assert got["points_by_category"] == {"提案": Decimal("8.33"), "活动": Decimal("12.00")}
    # the year so far per category, before the cap: what the year's lines add up to
    assert got["ytd_points_by_category"] == {"提案": Decimal("23.33"), "活动": Decimal("12.00")}
    assert (got["points"], got["ytd_total"], got["ytd_grade"]) == (Decimal("20.33"), Decimal("93.33"), "优秀")


def test_kinds_priced_and_counted_alike_are_counted_as_one_class():
    """The attendance is counted per class of kinds whose prices and figures are the same (PostgreSQL's
    ``bulk_count``): 三进 counts a figure of its own, so it is not in the class of the other activities."""
    book = RuleBook(rules=(Rule(K.ACTIVITY_PRESENT, Decimal(4), category="活动"),))
    tables = _rule_tables(book)
    classes = _alike_kinds(_kind_line_rows(tables, []))
    study = next(c for c in classes if K.ACTIVITY_STUDY in c)
    assert K.ACTIVITY_VISIT in study and K.ACTIVITY_PRESENT in study
    assert K.ACTIVITY_THREE_ENTERS not in study
    assert [K.ACTIVITY_EXCUSED] in classes and [K.ACTIVITY_ABSENT] in classes
    assert sorted(k for c in classes for k in c) == sorted({row[0] for row in _kind_line_rows(tables, [])})

"""The scoring engine on small hand-made rule books (no database)."""

import random
from decimal import Decimal

import pytest

from assessments.kinds import EventKind as K
from assessments.kinds import Share, counts_as, pricing_of
from assessments.scoring import Band, DutyEvent, Rule, RuleBook, overlapping_bands, score
from tests.assessments.helpers import D, ev, many


def _book(*rules, **kw):
    return RuleBook(rules=tuple(rules), **kw)


def test_nth_rules_price_the_first_occurrence_and_the_extras_differently():
    book = _book(
        Rule(K.PROPOSAL_FILED_LEAD, D(15)),
        Rule(K.PROPOSAL_FILED_LEAD, D(5), nth_from=2),
        Rule(K.PROPOSAL_FILED_LEAD, D(1), nth_from=4),
    )
    result = score(book, many(K.PROPOSAL_FILED_LEAD, 5))
    # 15, 5, 5, 1, 1
    assert [line.points for line in result.lines] == [D(15), D(5), D(5), D(1), D(1)]
    assert [line.occurrence for line in result.lines] == [1, 2, 3, 4, 5]


def test_occurrences_follow_the_date_not_the_input_order():
    book = _book(Rule(K.REPORT_ADOPTED, D(10)), Rule(K.REPORT_ADOPTED, D(3), nth_from=2))
    late, early = ev(K.REPORT_ADOPTED, 9, 1, title="late"), ev(K.REPORT_ADOPTED, 2, 1, title="early")
    result = score(book, [late, early])
    assert [(line.event.title, line.points) for line in result.lines] == [("early", D(10)), ("late", D(3))]


def test_the_breakdown_is_the_same_for_any_order_of_the_events():
    book = _book(
        Rule(K.ACTIVITY_PRESENT, D("7.5"), category="活动"),
        Rule(K.REPORT_ADOPTED, D(10), category="r"),
        Rule(K.REPORT_ADOPTED, D(3), nth_from=2, category="r"),
        caps={"活动": D(30)},
    )
    events = [*many(K.ACTIVITY_PRESENT, 6), *many(K.REPORT_ADOPTED_CITY, 3, month=2)]
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    assert score(book, events) == score(book, shuffled)


def test_a_type_rule_replaces_the_any_activity_rule_for_that_type():
    book = _book(Rule(K.ACTIVITY_PRESENT, D(5)), Rule(K.ACTIVITY_STUDY, D(3)))
    result = score(book, [ev(K.ACTIVITY_STUDY), ev(K.ACTIVITY_VISIT)])
    assert [(line.rule_kind, line.points) for line in result.lines] == [
        (K.ACTIVITY_STUDY, D(3)),
        (K.ACTIVITY_PRESENT, D(5)),
    ]


def test_a_level_bonus_adds_to_the_adopted_points():
    assert pricing_of(K.REPORT_ADOPTED_CITY) == ((K.REPORT_ADOPTED,), (K.REPORT_ADOPTED_CITY,))
    book = _book(Rule(K.REPORT_ADOPTED, D(10)), Rule(K.REPORT_ADOPTED_CITY, D(6)))
    assert score(book, [ev(K.REPORT_ADOPTED_CITY)]).total == D(16)


def test_split_points_are_rounded_half_up_per_line():
    book = _book(Rule(K.PROPOSAL_SUBMITTED, D(10), share=Share.SPLIT))
    result = score(book, [ev(K.PROPOSAL_SUBMITTED, authors=3), ev(K.PROPOSAL_SUBMITTED, authors=6)])
    # 3.333.. -> 3.33; 1.666.. -> 1.67
    assert [line.points for line in result.lines] == [D("3.33"), D("1.67")]
    assert result.total == D(5)


def test_per_unit_rules_multiply_by_the_quantity_and_per_occurrence_rules_do_not():
    per_half_day = _book(Rule(K.PLENARY_PRESENT, D(5)))
    once = _book(Rule(K.PLENARY_PRESENT, D(50), per_unit=False))
    assert score(per_half_day, [ev(K.PLENARY_PRESENT, qty=3)]).total == D(15)
    assert score(once, [ev(K.PLENARY_PRESENT, qty=3)]).total == D(50)


def test_uncategorised_lines_are_never_capped_and_negative_subtotals_escape_the_bonus_cap():
    book = _book(
        Rule(K.ACTIVITY_PRESENT, D(20)),
        Rule(K.PLENARY_ABSENT, D(-30), category="纪律"),
        base=D(70),
        bonus_cap=D(50),
        caps={"": D(1)},
    )
    result = score(book, [*many(K.ACTIVITY_PRESENT, 4), ev(K.PLENARY_ABSENT)])
    # bonus 80 capped at 50; 70 + 50 - 30 = 90
    assert (result.bonus_raw, result.bonus, result.deductions, result.total) == (D(80), D(50), D(-30), D(90))


def test_no_events_give_the_base_score_and_every_minimum_missing():
    book = _book(base=D(85), minimums={K.ACTIVITY_PRESENT: 3}, bands=(Band("称职", D(60), None),))
    result = score(book, [])
    assert (result.total, result.grade, result.lines) == (D(85), "称职", ())
    assert [(m.kind, m.required, m.actual) for m in result.missing] == [(K.ACTIVITY_PRESENT, 3, 0)]


def test_an_activity_of_any_type_counts_towards_the_activity_minimum():
    assert K.ACTIVITY_PRESENT in counts_as(K.ACTIVITY_SERVICE)
    book = _book(minimums={K.ACTIVITY_PRESENT: 2})
    assert score(book, [ev(K.ACTIVITY_SERVICE), ev(K.ACTIVITY_STUDY)]).missing == ()


def test_a_total_in_a_gap_between_bands_has_no_grade():
    book = _book(base=D("84.5"), bands=(Band("优秀", D(85)), Band("称职", D(60), D(84))))
    assert score(book, []).grade is None


def test_overlapping_bands_are_found():
    bands = [Band("优秀", D(85)), Band("称职", D(60), D(86)), Band("不称职", None, D(60))]
    assert [(a.label, b.label) for a, b in overlapping_bands(bands)] == [("称职", "优秀")]
    assert overlapping_bands([Band("优秀", D(85)), Band("称职", D(60), D(85))]) == []


def test_a_duty_event_needs_at_least_one_author():
    with pytest.raises(ValueError):
        DutyEvent(kind=K.PROPOSAL_SUBMITTED, on=ev(K.PROPOSAL_SUBMITTED).on, authors=0)
    assert DutyEvent(kind=K.PLENARY_PRESENT, on=ev(K.PLENARY_PRESENT).on, quantity=2).quantity == Decimal(2)


# --- rules that add, shares, rounding, any-of minimums and their effect, two years running ------------


def test_an_adding_rule_prices_on_top_of_the_slots_rule_and_counts_its_own_occurrences():
    """三进 +2 on top of "any activity 5"; from the third 三进 on, +1. A study activity gets no bonus."""
    book = _book(
        Rule(K.ACTIVITY_PRESENT, D(5)),
        Rule(K.ACTIVITY_THREE_ENTERS, D(2), adds=True),
        Rule(K.ACTIVITY_THREE_ENTERS, D(1), adds=True, nth_from=3),
    )
    result = score(book, [*many(K.ACTIVITY_THREE_ENTERS, 3), ev(K.ACTIVITY_STUDY, 2, 1)])
    assert [(line.rule_kind, line.points, line.rule.adds) for line in result.lines] == [
        (K.ACTIVITY_PRESENT, D(5), False),
        (K.ACTIVITY_THREE_ENTERS, D(2), True),
        (K.ACTIVITY_PRESENT, D(5), False),
        (K.ACTIVITY_THREE_ENTERS, D(2), True),
        (K.ACTIVITY_PRESENT, D(5), False),
        (K.ACTIVITY_THREE_ENTERS, D(1), True),
        (K.ACTIVITY_PRESENT, D(5), False),
    ]
    assert result.total == D(25)


def test_an_adding_rule_alone_still_prices_and_a_slot_rule_of_the_same_kind_is_not_replaced():
    book = _book(
        Rule(K.ACTIVITY_THREE_ENTERS, D(4)),
        Rule(K.ACTIVITY_THREE_ENTERS, D(2), adds=True),
        Rule(K.ACTIVITY_PRESENT, D(5)),
    )
    assert [line.points for line in score(book, [ev(K.ACTIVITY_THREE_ENTERS)]).lines] == [D(4), D(2)]
    assert score(_book(Rule(K.REPORT_ADOPTED, D(1), adds=True)), [ev(K.REPORT_ADOPTED_CITY)]).total == D(1)


@pytest.mark.parametrize(
    ("share", "authors", "step", "points"),
    [
        (Share.COSIGNERS, 4, "0.5", D("1.5")),  # 5 / 3 = 1.667 -> 1.5
        (Share.COSIGNERS, 5, "0.5", D("1.5")),  # 5 / 4 = 1.25 -> 1.5 (half up)
        (Share.COSIGNERS, 1, "1", D(5)),  # no co-signer: the one author keeps it
        (Share.SPLIT, 4, "1", D(1)),  # 5 / 4 = 1.25 -> 1
        (Share.SPLIT, 2, "1", D(3)),  # 2.5 -> 3
        (Share.FULL, 4, "0.1", D(5)),
    ],
)
def test_shares_and_rounding_per_rule(share, authors, step, points):
    book = _book(Rule(K.PROPOSAL_FILED_COSIGNER, D(5), share=share, rounding=D(step)))
    line = score(book, [ev(K.PROPOSAL_FILED_COSIGNER, authors=authors)]).lines[0]
    assert line.points == points


def test_a_deduction_rounds_half_away_from_zero():
    book = _book(Rule(K.PLENARY_ABSENT, D(-5), share=Share.SPLIT, rounding=D(1)))
    assert score(book, [ev(K.PLENARY_ABSENT, authors=2)]).total == D(-3)  # -2.5 -> -3


BANDS = (Band("优秀", D(85)), Band("称职", D(60), D(85)), Band("不称职", None, D(60)))


def test_a_group_of_minimums_is_met_by_any_one_of_them():
    book = _book(
        minimums={K.PROPOSAL_SUBMITTED: 1, K.REPORT_SUBMITTED: 1, K.ACTIVITY_PRESENT: 2},
        minimum_groups={K.PROPOSAL_SUBMITTED: "建言", K.REPORT_SUBMITTED: "建言"},
    )
    assert [m.kind for m in score(book, [ev(K.REPORT_SUBMITTED)]).missing] == [K.ACTIVITY_PRESENT]
    missing = score(book, many(K.ACTIVITY_STUDY, 2)).missing
    assert [(m.kind, m.group) for m in missing] == [(K.PROPOSAL_SUBMITTED, "建言"), (K.REPORT_SUBMITTED, "建言")]


@pytest.mark.parametrize(
    ("effect", "base", "grade"),
    [
        ("none", 90, "优秀"),
        ("cap", 90, "称职"),
        ("cap", 70, "称职"),
        ("cap", 50, "不称职"),
        ("fail", 90, "不称职"),
    ],
)
def test_what_a_shortfall_does_to_the_grade(effect, base, grade):
    book = _book(
        base=D(base),
        bands=BANDS,
        minimums={K.PROPOSAL_SUBMITTED: 1},
        shortfall_effect=effect,
        shortfall_grade="不称职" if effect == "fail" else "称职",
    )
    assert score(book, []).grade == grade
    assert score(book, [ev(K.PROPOSAL_SUBMITTED)]).grade == BANDS[[90, 70, 50].index(base)].label


def test_below_the_line_two_years_running_needs_both_years_below():
    book = _book(base=D(55), bands=BANDS, repeat_below=D(60), repeat_grade="约谈")
    assert score(book, [], previous_total=D("59.99")).grade == "约谈"
    assert (score(book, [], previous_total=D(60)).grade, score(book, []).grade) == ("不称职", "不称职")
    assert (
        score(_book(base=D(60), bands=BANDS, repeat_below=D(60), repeat_grade="约谈"), [], previous_total=D(10)).grade
        == "称职"
    )


def test_counted_points_follow_the_category_cap_then_the_bonus_cap_in_date_order():
    book = _book(
        Rule(K.ACTIVITY_PRESENT, D(4), category="活动"),
        Rule(K.REPORT_ADOPTED, D(10), category="信息"),
        caps={"活动": D(10)},
        bonus_cap=D(15),
    )
    result = score(book, [*many(K.ACTIVITY_PRESENT, 3), ev(K.REPORT_ADOPTED, 3, 1)])
    assert [line.counted for line in result.lines] == [D(4), D(4), D(2), D(5)]
    assert sum(line.counted for line in result.lines) == result.bonus + result.deductions == D(15)

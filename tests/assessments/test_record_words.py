"""What each line of the duty record says it scored and why, against a rule set written as a secretariat would.

The rule set (worked by hand):

- 参加活动每次 5 分，活动类全年最多 12 分: three activities give 5, 5 and 2 (the cap reached on the third),
  a fourth gives nothing.
- 附议提案立案 5 分，由附议人平分，按 0.5 分取整: with 3 co-signers 5 ÷ 3 = 1.6667, rounded to 1.5.
- 全体会议无故缺席每次扣 10 分: one absence (two half-days, priced per absence) takes off 10.
- 请假 is priced at 0; a report adopted by the city CPPCC has no rule of its own nor an "adopted" rule: shown,
  not scored, and never called a bonus (加分).
- 每年至少提交 1 件提案或报送 1 篇社情民意信息 (any one), 参加活动至少 5 次; a shortfall caps the grade at 一般.
- Bands: 60 and above 良好, 40–60 一般, below 40 较差; base 50.

Total: 50 + 12 + 1.5 − 10 = 53.50 → 一般 by the band; the minimums are missed, but 一般 is already the cap.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from assessments.kinds import EventKind as K
from assessments.kinds import Share, ShortfallEffect
from assessments.record_page import LineState, event_label, grade_reason, line_words, missing_lines, row_groups
from assessments.scoring import Band, DutyEvent, Rule, RuleBook, score

D = Decimal

BOOK = RuleBook(
    base=D(50),
    rules=(
        Rule(K.ACTIVITY_PRESENT, D("5.00"), category="活动"),
        Rule(K.PROPOSAL_FILED_COSIGNER, D("5.00"), category="提案", share=Share.COSIGNERS, rounding=D("0.5")),
        Rule(K.PLENARY_ABSENT, D(-10), category="纪律", per_unit=False),
        Rule(K.PLENARY_EXCUSED, D(0), category="会议", per_unit=False),
    ),
    caps={"活动": D(12)},
    minimums={K.PROPOSAL_SUBMITTED: 1, K.REPORT_SUBMITTED: 1, K.ACTIVITY_PRESENT: 5},
    minimum_groups={K.PROPOSAL_SUBMITTED: "建言", K.REPORT_SUBMITTED: "建言"},
    shortfall_effect=ShortfallEffect.CAP,
    shortfall_grade="一般",
    bands=(Band("良好", D(60)), Band("一般", D(40), D(60)), Band("较差", None, D(40))),
)
EVENTS = [
    DutyEvent(K.ACTIVITY_STUDY, date(2026, 2, 1), title="学习会"),
    DutyEvent(K.ACTIVITY_STUDY, date(2026, 2, 8), title="学习会二"),
    DutyEvent(K.ACTIVITY_VISIT, date(2026, 2, 15), title="走访"),
    DutyEvent(K.ACTIVITY_RESEARCH, date(2026, 3, 1), title="调研"),
    DutyEvent(K.PROPOSAL_FILED_COSIGNER, date(2026, 3, 5), role="co_signer", authors=4, title="关于加装电梯的建议"),
    DutyEvent(K.PLENARY_ABSENT, date(2026, 1, 10), quantity=2, title="九届四次会议"),
    DutyEvent(K.PLENARY_EXCUSED, date(2026, 1, 11), quantity=1, title="九届四次会议"),
    DutyEvent(K.REPORT_ADOPTED_CITY, date(2026, 3, 9), title="关于停车难的情况反映"),
]


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def breakdown():
    return score(BOOK, EVENTS)


def _by_title(breakdown):
    return {line.event.title: line for line in breakdown.lines}


def test_the_hand_worked_total(breakdown):
    assert (breakdown.total, breakdown.band_grade, breakdown.grade, breakdown.deductions) == (
        D("53.50"),
        "一般",
        "一般",
        D("-10.00"),
    )


def test_a_scored_line_says_the_rules_points(zh, breakdown):
    words = line_words(_by_title(breakdown)["学习会"])
    assert (words.state, words.verdict) == (LineState.SCORED, "按规则计 5 分")
    assert words.notes == ("依据：参加活动（任意类型）：5.00分",)


def test_the_line_reaching_the_cap_counts_in_part_and_names_the_cap(zh, breakdown):
    caps, raw = {"活动": D(12)}, {"活动": D(20)}
    words = line_words(_by_title(breakdown)["走访"], caps, raw)
    assert (words.state, words.verdict) == (LineState.PARTLY_CAPPED, "按规则计 5 分，已达上限，只计入 2 分")
    assert words.notes[-1] == "“活动”类上限 12 分"


def test_a_line_after_the_cap_says_it_no_longer_scores(zh, breakdown):
    words = line_words(_by_title(breakdown)["调研"], {"活动": D(12)}, {"活动": D(20)})
    assert (words.state, words.verdict) == (LineState.CAPPED, "已达上限不再计分")
    assert words.notes[1:] == ("按规则本应计 5 分", "“活动”类上限 12 分")


def test_a_shared_line_says_how_it_was_rounded(zh, breakdown):
    words = line_words(_by_title(breakdown)["关于加装电梯的建议"])
    assert (words.state, words.verdict) == (LineState.SCORED, "按规则计 1.5 分")
    assert words.notes == (
        "依据：提案立案（联名或附议）：5.00分，3位附议人平分，按0.5取整",
        "计算为 1.6667 分，取整为 1.5 分",
    )


def test_an_absence_the_rule_deducts_is_deducted_and_says_so(zh, breakdown):
    line = next(x for x in breakdown.lines if x.event.kind == K.PLENARY_ABSENT)
    words = line_words(line)
    assert (line.points, line.counted) == (D("-10.00"), D("-10.00"))
    assert (words.state, words.verdict) == (LineState.DEDUCTED, "按规则扣 10 分")


def test_a_rule_pricing_zero_says_zero_not_unscored(zh, breakdown):
    line = next(x for x in breakdown.lines if x.event.kind == K.PLENARY_EXCUSED)
    assert line_words(line).verdict == "按规则计 0 分"


def test_an_event_no_rule_prices_says_so_and_is_never_called_a_bonus(zh, breakdown):
    line = _by_title(breakdown)["关于停车难的情况反映"]
    words = line_words(line)
    assert (words.state, words.verdict, words.notes) == (LineState.NOT_PRICED, "本规则不计分", ())
    assert event_label(line.event.kind) == "社情民意信息被市政协采用"


@pytest.mark.parametrize("kind", K.values)
def test_no_events_heading_names_a_bonus_or_a_pricing_unit(zh, kind):
    label = event_label(kind)
    assert "加分" not in label and "每半天" not in label and "任意" not in label, label


def test_lines_group_by_category_with_their_count_and_counted_points(zh, breakdown):
    groups = row_groups(breakdown.lines, breakdown.categories, breakdown.bonus_cap)
    assert [(g.heading, g.count, g.counted, g.summary) for g in groups] == [
        ("纪律", 1, D("-10.00"), "1 项，计入 -10 分"),
        ("会议", 1, D("0.00"), "1 项，计入 0 分"),
        ("活动", 4, D("12.00"), "4 项，计入 12 分"),
        ("提案", 1, D("1.50"), "1 项，计入 1.5 分"),
        ("不计分的记录", 1, D("0.00"), "1 项，不计分"),
    ]
    activities = groups[2].rows
    assert [r.words.verdict for r in activities] == [
        "按规则计 5 分",
        "按规则计 5 分",
        "按规则计 5 分，已达上限，只计入 2 分",
        "已达上限不再计分",
    ]
    assert activities[3].detail == "依据：参加活动（任意类型）：5.00分；按规则本应计 5 分；“活动”类上限 12 分"


def test_minimums_not_met_say_what_is_still_needed(zh, breakdown):
    assert missing_lines(breakdown) == ["还差：参加活动 1 次", "还差：提交提案或报送社情民意信息 1 件"]


def test_a_grade_below_the_band_says_why(zh):
    rich = [*EVENTS, DutyEvent(K.ACTIVITY_PRESENT, date(2026, 4, 1))]
    book = RuleBook(
        base=D(60),
        rules=BOOK.rules,
        caps=BOOK.caps,
        minimums=BOOK.minimums,
        minimum_groups=BOOK.minimum_groups,
        shortfall_effect=ShortfallEffect.CAP,
        shortfall_grade="一般",
        bands=BOOK.bands,
    )
    b = score(book, rich)
    assert (b.band_grade, b.grade) == ("良好", "一般")
    assert grade_reason(b, book).startswith("按总分为良好；未达最低要求（") and grade_reason(b, book).endswith(
        "等次最高为一般"
    )
    assert grade_reason(score(BOOK, EVENTS), BOOK) == ""


def test_a_line_names_the_members_part_once(zh):
    book = RuleBook(rules=(Rule(K.PROPOSAL_FILED_LEAD, D("15.00"), category="提案"),))
    events = [
        DutyEvent(K.PROPOSAL_FILED_LEAD, date(2026, 1, 21), role="lead", title="甲"),
        DutyEvent(K.REPORT_ADOPTED_CITY, date(2026, 2, 1), role="lead", title="乙"),
    ]
    b = score(book, events)
    rows = {r.title: r for g in row_groups(b.lines, b.categories, None) for r in g.rows}
    assert rows["甲"].what == "提案立案（领衔）" and rows["乙"].what == "社情民意信息被市政协采用 · 领衔"

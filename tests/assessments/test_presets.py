"""The four published point rules of DOMAIN.md, as rule-set rows, scored for members worked out by hand."""

import pytest

from assessments.kinds import EventKind as K
from assessments.kinds import Role
from assessments.models import PointRule, RuleSet
from assessments.presets import PRESETS
from assessments.scoring import Shortfall, score
from tests import factories as f
from tests.assessments.helpers import D, ev, many, preset_book, subtotals

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return f.CommitteeFactory(name="测试区政协", code="test")


def test_every_preset_is_stored_and_read_back_unchanged(committee):
    for year, (key, preset) in enumerate(PRESETS.items(), start=2030):
        book = preset_book(committee, key, year=year)
        assert sorted(book.rules, key=repr) == sorted(preset.book.rules, key=repr)
        assert (book.base, book.bonus_cap, book.caps, book.minimums) == (
            preset.book.base,
            preset.book.bonus_cap,
            preset.book.caps,
            preset.book.minimums,
        )
        assert (
            book.minimum_groups,
            book.shortfall_effect,
            book.shortfall_grade,
            book.repeat_below,
            book.repeat_grade,
        ) == (
            preset.book.minimum_groups,
            preset.book.shortfall_effect,
            preset.book.shortfall_grade,
            preset.book.repeat_below,
            preset.book.repeat_grade,
        )
        assert set(book.bands) == set(preset.book.bands)


# --- 闵行 ------------------------------------------------------------------------------------------
# plenary 5 per half-day; any meeting or activity 5; filed proposal 15 lead / 3 co-author;
# key +15/+3; excellent +10/+2; minimum 3 activities, 1 proposal, 1 report. Bands: 85 / 60.


def test_minhang_an_active_member(committee):
    book = preset_book(committee, "minhang")
    events = [
        ev(K.PLENARY_PRESENT, 1, 10, qty=4),  # 4 half-days x 5 = 20            (会议 20)
        ev(K.ACTIVITY_RESEARCH, 3, 5),  # no research rule: "any" 5
        ev(K.ACTIVITY_THREE_ENTERS, 4, 6),  # 5
        ev(K.ACTIVITY_PRESENT, 5, 7),  # 5
        ev(K.CONSULTATION_PRESENT, 6, 8),  # 5                               (活动 20)
        ev(K.PROPOSAL_SUBMITTED, 1, 11, role=Role.LEAD),  # no rule: 0, but meets the minimum
        ev(K.PROPOSAL_FILED_LEAD, 2, 1, role=Role.LEAD),  # 15
        ev(K.PROPOSAL_KEY_LEAD, 3, 1, role=Role.LEAD),  # +15
        ev(K.PROPOSAL_FILED_COSIGNER, 2, 2, role=Role.CO_SIGNER, authors=3),  # 3
        ev(K.PROPOSAL_EXCELLENT_COSIGNER, 11, 1, role=Role.CO_SIGNER),  # +2   (提案 35)
        ev(K.REPORT_SUBMITTED, 7, 1),  # no rule: 0, meets the minimum
    ]
    result = score(book, events)
    # 20 + 20 + 35 = 75: 称职 (60 <= 75 < 85); 3 activities, 1 proposal, 1 report: nothing missing
    assert subtotals(result) == {"会议": (D(20), D(20)), "活动": (D(20), D(20)), "提案": (D(35), D(35))}
    assert result.total == D(75) and result.grade == "称职"
    assert result.missing == ()
    unpriced = [line.event.kind for line in result.lines if line.rule_kind is None]
    assert unpriced == [K.PROPOSAL_SUBMITTED, K.REPORT_SUBMITTED]


def test_minhang_a_member_short_of_the_minimums(committee):
    book = preset_book(committee, "minhang")
    events = [
        ev(K.PLENARY_PRESENT, 1, 10, qty=2),  # 10
        ev(K.ACTIVITY_SERVICE, 3, 1),  # 5
        ev(K.ACTIVITY_PRESENT, 4, 1),  # 5
        ev(K.ACTIVITY_EXCUSED, 5, 1),  # no rule: 0, not an activity attended
        ev(K.ACTIVITY_ABSENT, 6, 1),  # no rule: 0
        ev(K.PROPOSAL_SUBMITTED, 1, 12, role=Role.FIRST_AUTHOR, authors=2),  # 0
        ev(K.PROPOSAL_JOINT_FIRST, 2, 3, role=Role.FIRST_AUTHOR, authors=2),  # priced as lead: 15
    ]
    result = score(book, events)
    # 10 + 10 + 15 = 35: 不称职; 2 of 3 activities, no report
    assert result.total == D(35) and result.grade == "不称职"
    assert result.missing == (Shortfall(K.ACTIVITY_PRESENT, 3, 2), Shortfall(K.REPORT_SUBMITTED, 1, 0))
    joint = next(line for line in result.lines if line.event.kind == K.PROPOSAL_JOINT_FIRST)
    assert (joint.rule_kind, joint.points) == (K.PROPOSAL_FILED_LEAD, D(15))


# --- 合肥 ------------------------------------------------------------------------------------------
# base 85; activities 7.5 each cap 30; filed proposal 15 (joint: first 10, others 5), each extra +5
# (extras cap 20); adopted report 10, each extra adopted 3, not adopted 1 (reports cap 20), adopted at
# city level or higher +6; unexcused plenary absence -10.


def test_hefei_caps_extra_proposals_and_city_level_bonus(committee):
    book = preset_book(committee, "hefei")
    events = [
        *many(K.ACTIVITY_PRESENT, 5, month=3),  # 5 x 7.5 = 37.5, capped at 30
        ev(K.PROPOSAL_FILED_LEAD, 2, 1),  # first: 15                        (提案)
        ev(K.PROPOSAL_FILED_LEAD, 2, 2),  # extra: 5                         (提案加分)
        ev(K.PROPOSAL_FILED_LEAD, 2, 3),  # extra: 5                         (提案加分 10)
        ev(K.PROPOSAL_FILED_COSIGNER, 2, 4, role=Role.CO_SIGNER, authors=2),  # 5         (提案 20)
        ev(K.REPORT_ADOPTED_CITY, 3, 1),  # first adopted 10 + city +6
        ev(K.REPORT_ADOPTED_DISTRICT, 4, 1),  # extra adopted 3, no district bonus
        ev(K.REPORT_ADOPTED_PROVINCIAL, 5, 1),  # extra adopted 3 + provincial +6
        ev(K.REPORT_NOT_ADOPTED, 6, 1),  # 1
        ev(K.REPORT_NOT_ADOPTED, 6, 2),  # 1   (社情民意 18, 市级以上采用 12)
        ev(K.PLENARY_ABSENT, 1, 10, qty=2),  # -10 per absence, not per half-day
    ]
    result = score(book, events)
    # bonus 30 + 20 + 10 + 18 + 12 = 90; 85 + 90 - 10 = 165: 优秀
    assert subtotals(result) == {
        "纪律": (D(-10), D(-10)),
        "提案": (D(20), D(20)),
        "提案加分": (D(10), D(10)),
        "活动": (D("37.5"), D(30)),
        "社情民意": (D(18), D(18)),
        "市级以上采用": (D(12), D(12)),
    }
    assert (result.bonus, result.deductions, result.total, result.grade) == (D(90), D(-10), D(165), "优秀")


def test_hefei_report_and_extra_proposal_caps_bite(committee):
    book = preset_book(committee, "hefei")
    events = [
        *many(K.PROPOSAL_FILED_LEAD, 7, month=2),  # 15 + 6 x 5 = 15 + 30, extras capped at 20
        ev(K.PROPOSAL_JOINT_FIRST, 3, 1, role=Role.FIRST_AUTHOR, authors=3),  # 10          (提案 25)
        *many(K.REPORT_ADOPTED, 4, month=4),  # 10 + 3 + 3 + 3 = 19
        *many(K.REPORT_NOT_ADOPTED, 3, month=5),  # 3: reports 22, capped at 20
        ev(K.PLENARY_ABSENT, 1, 10),
        ev(K.PLENARY_ABSENT, 1, 11),  # -20
    ]
    result = score(book, events)
    # bonus 25 + 20 + 20 = 65; 85 + 65 - 20 = 130
    assert subtotals(result)["提案加分"] == (D(30), D(20))
    assert subtotals(result)["社情民意"] == (D(22), D(20))
    assert (result.bonus, result.deductions, result.total) == (D(65), D(-20), D(130))


def test_hefei_absences_take_a_quiet_member_below_the_base(committee):
    book = preset_book(committee, "hefei")
    result = score(book, [ev(K.PLENARY_ABSENT, 1, d) for d in (10, 11, 12)])
    # 85 - 3 x 10 = 55: 不称职
    assert (result.total, result.grade) == (D(55), "不称职")


# --- 济南 ------------------------------------------------------------------------------------------
# base 70 plus at most 50 bonus; unexcused plenary absence -30, excused -10; service activity +2 each
# (cap 10); >= 85 优秀, 60-84 称职, below 60 a talk with the convener (约谈).


def test_jinan_service_cap_and_excused_absence(committee):
    book = preset_book(committee, "jinan")
    events = [*many(K.ACTIVITY_SERVICE, 7, month=5), ev(K.PLENARY_EXCUSED, 1, 10, qty=4)]
    result = score(book, events)
    # service 7 x 2 = 14, capped at 10; excused -10 once; 70 + 10 - 10 = 70: 称职
    assert subtotals(result) == {"纪律": (D(-10), D(-10)), "社会服务": (D(14), D(10))}
    assert (result.total, result.grade) == (D(70), "称职")


def test_jinan_unexcused_absence_leads_to_a_talk(committee):
    book = preset_book(committee, "jinan")
    events = [ev(K.PLENARY_ABSENT, 1, 10), ev(K.PLENARY_EXCUSED, 1, 11), *many(K.ACTIVITY_SERVICE, 2, month=6)]
    result = score(book, events)
    # 70 + 4 - 30 - 10 = 34: 约谈
    assert (result.bonus, result.deductions, result.total, result.grade) == (D(4), D(-40), D(34), "约谈")


def test_jinan_below_60_two_years_running_is_a_talk_with_the_committee(committee):
    book = preset_book(committee, "jinan")
    events = [ev(K.PLENARY_ABSENT, 1, 10), *many(K.ACTIVITY_SERVICE, 2, month=6)]
    # 70 + 4 - 30 = 44: below 60; last year 58 (below 60 too): 政协约谈; last year 60 or none: 约谈
    assert score(book, events, previous_total=D(58)).grade == "政协约谈"
    assert score(book, events, previous_total=D(60)).grade == "约谈"
    assert score(book, events).grade == "约谈"
    assert score(book, [*many(K.ACTIVITY_SERVICE, 2, month=6)], previous_total=D(58)).grade == "称职"  # 74


def test_jinan_bonus_is_capped_at_50_but_deductions_still_count(committee):
    book = preset_book(committee, "jinan")
    rule_set = RuleSet.objects.get(committee=committee)
    # The published text lists no proposal points; the committee adds one to its copy for this year.
    PointRule.objects.create(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, points=D(20), category="提案")
    book = RuleSet.objects.for_scoring().get(pk=rule_set.pk).book()
    events = [
        *many(K.PROPOSAL_FILED_LEAD, 3, month=2),
        *many(K.ACTIVITY_SERVICE, 5, month=6),
        ev(K.ACTIVITY_STUDY, 7, 1),
        ev(K.PLENARY_EXCUSED, 1, 10),
    ]
    result = score(book, events)
    # bonus 60 + 10 = 70, capped at 50; study activity has no rule (0); 70 + 50 - 10 = 110: 优秀
    assert (result.bonus_raw, result.bonus, result.total, result.grade) == (D(70), D(50), D(110), "优秀")
    study = next(line for line in result.lines if line.event.kind == K.ACTIVITY_STUDY)
    assert study.rule_kind is None and study.points == 0


# --- 桐城 ------------------------------------------------------------------------------------------
# meetings 50 (30 on leave, 0 absent); proposals 10 for submitting + 15 if filed, co-authors share,
# cap 25; activities 2 each cap 10; reports 10 each + 5 if adopted, cap 15. Bands: 85 / 60.


def test_tongcheng_full_marks_with_every_cap(committee):
    book = preset_book(committee, "tongcheng")
    events = [
        ev(K.PLENARY_PRESENT, 1, 10, qty=4),  # 50 once, not per half-day
        ev(K.PROPOSAL_SUBMITTED, 1, 11, role=Role.LEAD),  # 10
        ev(K.PROPOSAL_FILED_LEAD, 2, 1, role=Role.LEAD),  # 15
        ev(K.PROPOSAL_SUBMITTED, 1, 12, role=Role.FIRST_AUTHOR, authors=3),  # 10 / 3 = 3.33
        ev(K.PROPOSAL_JOINT_FIRST, 2, 2, role=Role.FIRST_AUTHOR, authors=3),  # 15 / 3 = 5: 提案 33.33 -> 25
        *many(K.ACTIVITY_PRESENT, 6, month=4),  # 12 -> 10
        ev(K.REPORT_SUBMITTED, 5, 1),
        ev(K.REPORT_SUBMITTED, 5, 2),  # 20
        ev(K.REPORT_ADOPTED, 6, 1),  # 5: 社情民意 25 -> 15
    ]
    result = score(book, events)
    # 50 + 25 + 10 + 15 = 100: 优秀
    assert subtotals(result) == {
        "会议": (D(50), D(50)),
        "提案": (D("33.33"), D(25)),
        "活动": (D(12), D(10)),
        "社情民意": (D(25), D(15)),
    }
    assert (result.total, result.grade) == (D(100), "优秀")


def test_tongcheng_co_authors_share_and_leave_earns_30(committee):
    book = preset_book(committee, "tongcheng")
    events = [
        ev(K.PLENARY_EXCUSED, 1, 10, qty=4),  # 30
        ev(K.PROPOSAL_SUBMITTED, 1, 11, role=Role.CO_SIGNER, authors=2),  # 10 / 2 = 5
        ev(K.PROPOSAL_FILED_COSIGNER, 2, 1, role=Role.CO_SIGNER, authors=2),  # 15 / 2 = 7.5
        ev(K.PROPOSAL_SUBMITTED, 1, 12, role=Role.CO_SIGNER, authors=3),  # 10 / 3 = 3.33 (not filed)
        *many(K.ACTIVITY_PRESENT, 3, month=4),  # 6
        ev(K.REPORT_SUBMITTED, 5, 1),
        ev(K.REPORT_NOT_ADOPTED, 8, 1),  # 10 + 0 (no rule)
    ]
    result = score(book, events)
    # 30 + (5 + 7.5 + 3.33 = 15.83) + 6 + 10 = 61.83: 称职
    assert subtotals(result)["提案"] == (D("15.83"), D("15.83"))
    assert (result.total, result.grade) == (D("61.83"), "称职")


def test_tongcheng_absence_earns_nothing(committee):
    book = preset_book(committee, "tongcheng")
    result = score(book, [ev(K.PLENARY_ABSENT, 1, 10, qty=4), ev(K.ACTIVITY_PRESENT, 3, 1)])
    # 0 + 2 = 2: 不称职; the absence is a priced line worth 0, so it shows on the record
    absent = result.lines[0]
    assert (absent.rule_kind, absent.points) == (K.PLENARY_ABSENT, D(0))
    assert (result.total, result.grade) == (D(2), "不称职")

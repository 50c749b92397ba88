"""A rule set as a secretariat writes it, and one member's year worked by hand, seen everywhere it shows.

东湖区政协 2026 年委员履职积分办法 (as the secretariat phrases it):

- 基础分 40 分。
- 参加活动每次 5 分；"三进"活动在参加活动得分之外另加 2 分；活动类全年最多计 15 分。
- 领衔（含联名第一提案人）提案立案 10 分；附议提案立案 5 分，由附议人平分，按 0.5 分四舍五入。
- 每年至少领衔 1 件提案或报送 1 篇社情民意信息（任选其一）；未达到的，等次最高为"一般"。
- 等次：55 分以上"良好"，40–55 分"一般"，40 分以下"较差"。
- 连续两年总分低于 60 分的，由主席会议"约谈"。

曹委员 (``world.member_record``), worked by hand for 2026 up to the end of the second quarter:

====================  =========================================  ======  ========  ======
day                   what                                       rule    rounded   counted
====================  =========================================  ======  ========  ======
3 March               study activity                             5       5         5
10 April              三进 activity: attendance                  5       5         5
10 April              三进 activity: on top                      2       2         2
20 April              study activity                             5       5         3   (15 − 12)
6 May                 三进 activity: attendance                  5       5         0   (cap reached)
6 May                 三进 activity: on top                      2       2         0
12 May                co-signed proposal filed: 5 ÷ 3 co-signers 1.6667  1.5       1.5
====================  =========================================  ======  ========  ======

活动 24 earned, 15 counted; 提案 1.5. Total 40 + 15 + 1.5 = 56.50: 良好 by the bands. No proposal as
lead and no report: the "建言" minimum (either one) is missed, so at most 一般. Last year's final
snapshot says 52.00 and this year is below 60 too: 约谈.

The convener (``world.convener_member``) did exactly the same this year but scored 70 last year: 一般.
In the second quarter alone 曹委员 earned 活动 19 (5 + 2 + 5 + 5 + 2, before the yearly cap) and 提案 1.5.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import Activity
from assessments.kinds import EventKind as K
from assessments.kinds import kind_label
from assessments.models import CategoryCap, GradeBand, MemberSnapshot, MinimumRequirement, PointRule, RollupRun, RuleSet
from assessments.services import rollup_execute, rollup_start, ruleset_lock
from tests import factories as f
from tests.assessments.test_pages import _pdf_text_and_image
from tests.assessments.test_sources import activity, proposal

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def rules(world):
    rule_set = RuleSet.objects.create(
        committee=world.district,
        year=2026,
        name="东湖区政协2026年委员履职积分办法",
        base_score=D(40),
        shortfall_effect="cap",
        shortfall_grade="一般",
        repeat_below=D(60),
        repeat_grade="约谈",
    )
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=D(5), category="活动")
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_THREE_ENTERS, points=D(2), adds=True, category="活动")
    PointRule.objects.create(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, points=D(10), category="提案")
    PointRule.objects.create(
        rule_set=rule_set,
        kind=K.PROPOSAL_FILED_COSIGNER,
        points=D(5),
        share="cosigners",
        rounding="0.5",
        category="提案",
    )
    CategoryCap.objects.create(rule_set=rule_set, category="活动", cap=D(15))
    MinimumRequirement.objects.create(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, min_count=1, group="建言")
    MinimumRequirement.objects.create(rule_set=rule_set, kind=K.REPORT_SUBMITTED, min_count=1, group="建言")
    GradeBand.objects.create(rule_set=rule_set, label="良好", min_score=D(55))
    GradeBand.objects.create(rule_set=rule_set, label="一般", min_score=D(40), max_score=D(55))
    GradeBand.objects.create(rule_set=rule_set, label="较差", max_score=D(40))
    return rule_set


def _last_year(world, totals):
    """2025's final (fourth-quarter) snapshot with each member's total."""
    run = RollupRun.objects.create(committee=world.district, year=2025, quarter=4, status=RollupRun.Status.DONE)
    for member, total in totals.items():
        MemberSnapshot.objects.create(
            run=run, committee=world.district, year=2025, quarter=4, member=member, ytd_total=total
        )


@pytest.fixture
def year(world, rules):
    both = [world.member_record, world.convener_member]
    activity(world, 3, 3, both)
    activity(world, 4, 10, both, kind=Activity.Kind.THREE_ENTERS)
    activity(world, 4, 20, both)
    activity(world, 5, 6, both, kind=Activity.Kind.THREE_ENTERS)
    lead, third = (f.MemberFactory(committee=world.district) for _ in range(2))
    proposal(world, lead, submitted=(5, 2), filed=(5, 12), cosigners=[*both, third])
    _last_year(world, {world.member_record: D(52), world.convener_member: D(70)})
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    return rules


MISSING = [
    {"kind": K.PROPOSAL_FILED_LEAD, "required": 1, "actual": 0, "group": "建言"},
    {"kind": K.REPORT_SUBMITTED, "required": 1, "actual": 0, "group": "建言"},
]


def test_the_snapshot_has_the_hand_worked_year(world, year):
    mine = MemberSnapshot.objects.get(member=world.member_record, year=2026, quarter=2)
    assert (mine.ytd_total, mine.ytd_grade, mine.missing) == (D("56.50"), "约谈", MISSING)
    assert mine.points_by_category == {"活动": "19.00", "提案": "1.50"}
    assert mine.ytd_points_by_category == {"活动": "24.00", "提案": "1.50"}
    assert (mine.points, mine.three_enters, mine.activities_present) == (D("20.50"), 2, 3)
    theirs = MemberSnapshot.objects.get(member=world.convener_member, year=2026, quarter=2)
    assert (theirs.ytd_total, theirs.ytd_grade) == (D("56.50"), "一般")


def test_the_duty_record_page_explains_every_line(world, client_for, year):
    response = client_for(world.district_staff).get(
        reverse("assessments:member_record", args=[world.member_record.pk]), {"year": 2026, "quarter": 2}
    )
    b = response.context["b"]
    assert (b.total, b.grade, b.band_grade) == (D("56.50"), "约谈", "良好")
    page = response.context["page"]
    rows = {(r.date.isoformat(), r.words.notes[0]): r for g in page.groups for r in g.rows if g.priced}
    three_enters, present = kind_label(K.ACTIVITY_THREE_ENTERS), kind_label(K.ACTIVITY_PRESENT)
    on_top = rows[("2026-04-10", f"依据：{three_enters}，另加2.00分")]
    assert (on_top.words.verdict, on_top.counted) == ("按规则计 2 分", D("2.00"))
    capped = rows[("2026-05-06", f"依据：{three_enters}，另加2.00分")]  # over the cap
    assert capped.words.verdict == "已达上限不再计分" and capped.counted == 0
    assert capped.words.notes[1:] == ("按规则本应计 2 分", "“活动”类上限 15 分")
    part = rows[("2026-04-20", f"依据：{present}：5.00分")]
    assert part.words.verdict == "按规则计 5 分，已达上限，只计入 3 分" and part.counted == D("3.00")
    cosigned = rows[("2026-05-12", f"依据：{kind_label(K.PROPOSAL_FILED_COSIGNER)}：5.00分，3位附议人平分，按0.5取整")]
    assert cosigned.words.verdict == "按规则计 1.5 分"
    assert cosigned.words.notes[1] == "计算为 1.6667 分，取整为 1.5 分"
    # The quarter's own points beside the year to date: 5 + 2 + 3 + 0 + 0 + 1.5 of the 20.5 the rules gave.
    assert (page.period_points, page.period_raw, page.total) == (D("11.50"), D("20.50"), D("56.50"))
    html = response.content.decode()
    assert "第二季度计入积分" in html and "全年累计" in html and "截至第二季度末" in html
    assert "按规则计 20.5 分，因达上限计入 11.5 分" in html
    assert "计算为 1.6667 分，取整为 1.5 分" in html
    assert "连续两年总分低于60分，等次定为约谈" in html
    assert f"还差：{kind_label(K.PROPOSAL_FILED_LEAD)}或{kind_label(K.REPORT_SUBMITTED)} 1 件" in html
    assert "data-grade>约谈<" in html


def test_the_pdf_has_the_total_the_grade_and_the_rules(world, client_for, year):
    response = client_for(world.member).get(reverse("assessments:my_record_pdf"), {"year": 2026, "quarter": 2})
    text, _image = _pdf_text_and_image(response.content, "secretariat-rules-pdf")
    flat = "".join(text.split())  # cells wrap their text: compare without the line breaks and spaces
    assert "56.50" in flat and "约谈" in flat and "按0.5取整" in flat
    for words in (
        "第二季度计入积分",
        "11.50",
        "全年累计（截至第二季度末）",
        "按规则计 1.5 分",
        "已达上限不再计分",
        "按规则计 5 分，已达上限，只计入 3 分",
        "计算为 1.6667 分，取整为 1.5 分",
        "连续两年总分低于60分",
        "还差：",
    ):
        assert "".join(words.split()) in flat, words


def test_the_api_gives_each_lines_rule_and_steps(world, client_for, year):
    data = (
        client_for(world.member)
        .get(f"/api/v1/duty-records/{world.member_record.pk}/", {"year": 2026, "quarter": 2})
        .json()
    )
    assert (data["total"], data["grade"], data["band_grade"], data["locked_quarter"]) == ("56.50", "约谈", "良好", None)
    assert [(m["kind"], m["group"]) for m in data["missing"]] == [
        (K.PROPOSAL_FILED_LEAD, "建言"),
        (K.REPORT_SUBMITTED, "建言"),
    ]
    cosigned = next(line for line in data["lines"] if line["kind"] == K.PROPOSAL_FILED_COSIGNER)
    assert (
        cosigned["rule"]["share"],
        cosigned["rule"]["rounding"],
        cosigned["exact"],
        cosigned["points"],
        cosigned["counted"],
    ) == ("cosigners", "0.50", "1.6667", "1.50", "1.50")
    on_top = [line for line in data["lines"] if line["rule"] and line["rule"]["adds"]]
    assert [(line["date"], line["points"], line["counted"]) for line in on_top] == [
        ("2026-04-10", "2.00", "2.00"),
        ("2026-05-06", "2.00", "0.00"),
    ]


def test_the_annual_page_lists_the_grade_and_the_minimum_missed(world, client_for, year):
    page = client_for(world.district_staff).get(
        reverse("assessments:annual"), {"committee": world.district.pk, "year": 2026}
    )
    rows = {row.member.pk: row for row in page.context["ranking"].rows}
    assert (rows[world.member_record.pk].ytd_grade, rows[world.convener_member.pk].ytd_grade) == ("约谈", "一般")
    page = client_for(world.district_staff).get(
        reverse("assessments:annual"), {"committee": world.district.pk, "year": 2026, "below": 1}
    )
    below = {row.member.pk: row.missing_text for row in page.context["ranking"].rows}
    expected = f"{kind_label(K.PROPOSAL_FILED_LEAD)} 0/1 或 {kind_label(K.REPORT_SUBMITTED)} 0/1"
    assert below[world.member_record.pk] == expected and expected in page.content.decode()


def test_a_locked_year_shows_the_locked_snapshot_on_the_duty_record(world, client_for, year):
    ruleset_lock(rule_set_id=year.pk, actor=world.district_staff)
    # a late activity after the lock changes the sources, not the locked figures
    activity(world, 6, 1, [world.member_record])
    client = client_for(world.district_staff)
    response = client.get(reverse("assessments:member_record", args=[world.member_record.pk]), {"year": 2026})
    b = response.context["b"]
    assert (b.total, b.grade, response.context["record"].locked_quarter) == (D("56.50"), "约谈", 2)
    assert "2026年度已锁定" in response.content.decode()
    data = client.get(f"/api/v1/duty-records/{world.member_record.pk}/", {"year": 2026}).json()
    assert (data["total"], data["grade"], data["locked_quarter"]) == ("56.50", "约谈", 2)
    assert json.loads(json.dumps(data["missing"]))[0]["group"] == "建言"
    assert date(2026, 6, 1).isoformat() in [line["date"] for line in data["lines"]]  # the lines are today's


def test_a_locked_years_pdf_says_it_prints_the_locked_snapshot(world, client_for, year):
    ruleset_lock(rule_set_id=year.pk, actor=world.district_staff)
    response = client_for(world.member).get(reverse("assessments:my_record_pdf"), {"year": 2026})
    text, _image = _pdf_text_and_image(response.content, "locked-record-pdf")
    flat = "".join(text.split())
    assert "2026年度已锁定" in flat and "56.50" in flat and "约谈" in flat
    assert "按总分为" not in flat  # the snapshot holds the grade, not the band it came from


MINIMUM = f"{kind_label(K.PROPOSAL_FILED_LEAD)} 0/1 或 {kind_label(K.REPORT_SUBMITTED)} 0/1"
WHY_MINE = f"按总分为良好；未达最低要求（{MINIMUM}），等次最高为一般；连续两年总分低于60分，等次定为约谈"
WHY_THEIRS = f"按总分为良好；未达最低要求（{MINIMUM}），等次最高为一般"


def test_the_duty_record_says_in_words_why_the_grade_is_not_the_bands(world, client_for, year):
    """曹委员: 良好 by the total, capped at 一般 by the missed minimum, then 约谈 by the two-year rule."""
    client = client_for(world.district_staff)
    for member, why in ((world.member_record, WHY_MINE), (world.convener_member, WHY_THEIRS)):
        response = client.get(reverse("assessments:member_record", args=[member.pk]), {"year": 2026, "quarter": 2})
        assert response.context["b"].grade_reason == why
        assert f"data-grade-reason>{why}<" in response.content.decode()
        data = client.get(f"/api/v1/duty-records/{member.pk}/", {"year": 2026, "quarter": 2}).json()
        assert data["grade_reason"] == why
    pdf = client.get(
        reverse("assessments:member_record_pdf", args=[world.member_record.pk]), {"year": 2026, "quarter": 2}
    )
    text, _image = _pdf_text_and_image(pdf.content, "secretariat-rules-grade-reason")
    flat = text.replace("\r\n", "").replace("\n", "")
    assert "等次最高为一般" in flat and "连续两年总分低于60分" in flat


def test_the_annual_page_and_a_locked_record_say_why_too(world, client_for, year):
    client = client_for(world.district_staff)
    page = client.get(reverse("assessments:annual"), {"committee": world.district.pk, "year": 2026})
    why = {row.member.pk: row.grade_reason for row in page.context["ranking"].rows}
    assert (why[world.member_record.pk], why[world.convener_member.pk]) == (WHY_MINE, WHY_THEIRS)
    ruleset_lock(rule_set_id=year.pk, actor=world.district_staff)
    response = client.get(reverse("assessments:member_record", args=[world.member_record.pk]), {"year": 2026})
    assert response.context["b"].grade_reason == WHY_MINE  # the locked snapshot, explained the same way


def test_a_grade_that_is_the_bands_needs_no_reason(world, client_for, rules):
    response = client_for(world.district_staff).get(
        reverse("assessments:member_record", args=[world.member_record.pk]), {"year": 2026}
    )
    b = response.context["b"]
    assert b.grade == "一般" and b.grade_reason == "" and "data-grade-reason" not in response.content.decode()

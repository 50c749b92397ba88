"""Ordinals as people write them: 第三季度, 九届四次 in Chinese; Q3, "9th term, 4th session" in English."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.ordinals import chinese_number, english_ordinal, quarter_label, session_label, term_label

CHINESE = {
    1: "一",
    2: "二",
    9: "九",
    10: "十",
    11: "十一",
    14: "十四",
    19: "十九",
    20: "二十",
    21: "二十一",
    30: "三十",
    45: "四十五",
    90: "九十",
    99: "九十九",
}


@pytest.mark.parametrize("n, words", CHINESE.items())
def test_chinese_numbers_are_written_as_on_a_committee_s_papers(n, words):
    assert chinese_number(n) == words


def test_every_number_from_1_to_99_is_written_in_chinese_numerals_without_a_leading_one_or_a_trailing_zero():
    seen = set()
    for n in range(1, 100):
        words = chinese_number(n)
        assert words and set(words) <= set("一二三四五六七八九十") and not words.startswith("一十")
        assert not words.endswith("零") and "零" not in words
        seen.add(words)
    assert len(seen) == 99


def test_english_ordinals_have_the_right_suffix():
    assert [english_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 99)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
        "99th",
    ]


def test_quarters_terms_and_sessions_read_in_chinese_numerals_in_chinese():
    with translation.override("zh-hans"):
        assert [quarter_label(q) for q in (1, 2, 3, 4)] == ["第一季度", "第二季度", "第三季度", "第四季度"]
        assert term_label(9) == "第九届" and term_label(14) == "第十四届"
        assert session_label(9, 4) == "九届四次" and session_label(14, 2) == "十四届二次"
        assert session_label(20, 10) == "二十届十次"


def test_quarters_terms_and_sessions_read_as_ordinals_in_english():
    with translation.override("en"):
        assert quarter_label(3) == "Q3"
        assert term_label(9) == "9th term"
        assert session_label(9, 4) == "9th term, 4th session"


def test_the_template_filters_say_the_same():
    template = Template("{% load ordinals %}{{ q|quarter }}|{{ t|term }}|{{ t|session:s }}|{{ none|quarter }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"q": 3, "t": 9, "s": 4, "none": None})) == "第三季度|第九届|九届四次|"
    with translation.override("en"):
        assert template.render(Context({"q": 3, "t": 9, "s": 4})) == "Q3|9th term|9th term, 4th session|"


@pytest.mark.django_db
def test_a_term_and_a_plenary_session_name_themselves_in_chinese_numerals():
    from groups.models import PlenarySession
    from tests import factories as f

    term = f.TermFactory(committee=f.CommitteeFactory(name="示例区政协"), number=9)
    session = PlenarySession(term=term, number=4, year=2025)
    with translation.override("zh-hans"):
        assert str(term) == "示例区政协第九届"
        assert str(session) == "示例区政协九届四次会议（2025年）"
    with translation.override("en"):
        assert str(session) == "示例区政协, 9th term, 4th session (2025)"

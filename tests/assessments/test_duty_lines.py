"""The duty record page's lines written by ``{% duty_lines %}`` are the HTML of the template loop they replaced."""

from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

LOOP = """    <ul class="list-group list-group-flush">
      {% for r in g.rows %}
      <li class="list-group-item duty-line duty-{{ r.state }}" data-line="{{ r.state }}">
        <div class="duty-line-main">
          <div class="small text-secondary">{{ r.meta }}</div>
          <div class="duty-line-title">{% if r.url %}<a href="{{ r.url }}">{{ r.title|default:"—" }}</a>{% else %}{{ r.title|default:"—" }}{% endif %}</div>
          <div class="duty-verdict" data-verdict>{{ r.words.verdict }}</div>
          {% if r.detail %}<div class="small text-secondary" data-how>{{ r.detail }}</div>{% endif %}
        </div>
        <div class="duty-line-points" data-points="{{ r.counted }}">{% if g.priced %}{{ r.counted }}{% else %}—{% endif %}</div>
      </li>
      {% endfor %}
    </ul>"""
TAG = """{% load duty_lines %}    <ul class="list-group list-group-flush">
      {% duty_lines g %}
    </ul>"""


def _rows():
    titles = ["关于养老服务的调研", "", None, "<script>alert('x')</script> & “引号”", "R&D 1234567.5"]
    urls = [None, "/activities/12/", "/proposals/3/?a=1&b=<2>", ""]
    details = ["", "规则：每次 2 分；已达上限", "a < b & c"]
    counted = [Decimal("5.00"), Decimal("0.00"), Decimal("-10.00"), Decimal("1234567.25"), Decimal("2.5")]
    return [
        NS(
            state=["scored", "capped", "not_priced", "deducted"][i % 4],
            meta=f"2026-0{1 + i % 9}-1{i % 10} · 出席全体会议 · 4个半天 & <b>",
            title=titles[i % len(titles)],
            url=urls[i % len(urls)],
            words=NS(verdict=["按规则计 5 分", "The cap is reached: no more points", "扣 <10> 分"][i % 3]),
            detail=details[i % len(details)],
            counted=counted[i % len(counted)],
        )
        for i in range(40)
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("thousands", [False, True])
def test_the_lines_tag_writes_the_loops_html(language, thousands):
    rows = _rows()
    with translation.override(language), override_settings(USE_THOUSAND_SEPARATOR=thousands):
        for priced in (True, False):
            for group in (NS(rows=rows, priced=priced), NS(rows=rows[:1], priced=priced), NS(rows=(), priced=priced)):
                context = {"g": group}
                assert Template(TAG).render(Context(context)) == Template(LOOP).render(Context(context))

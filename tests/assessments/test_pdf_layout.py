"""The duty-record PDF's shortcuts past ReportLab's markup parser lay out exactly what the parser would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from reportlab import rl_config
from reportlab.platypus import Paragraph

from assessments import pdf
from core.pdf import text

TEXTS = [
    "按规则计 5 分",
    "关于加强城市社区养老服务体系建设的调研",
    "  spaces  around\tand  inside  ",
    "two\nlines\r\n and a third",
    "a < b & c > d",
    "&amp; already escaped",
    "\x00 control \ud800 surrogate",
    "",
    "   ",
    "\n",
    "ＡＢＣ　全角空格",
    "<b>bold</b> <img src='x'/>",
]


@pytest.mark.parametrize("value", TEXTS)
def test_a_paragraph_of_plain_text_is_the_fragment_the_markup_parser_makes(value):
    _title, body, _head, number = pdf._styles()
    for style in (body, number):
        fast, parsed = pdf._para(value, style), Paragraph(text(value), style)
        assert fast.text == parsed.text
        assert [f.__dict__ for f in fast.frags] == [f.__dict__ for f in parsed.frags]


def _page():
    rows = [
        NS(
            date=date(2026, 1 + i % 12, 1 + i % 28),
            what="出席全体会议 · 领衔 · 4个半天" if i % 3 else "参加视察调研活动",
            title=f"关于加强城市社区养老服务体系建设的调研活动第{i}次" if i % 2 else "a < b & c  \n  d",
            words=NS(verdict="按规则计 5 分" if i % 4 else "已达上限不再计分"),
            detail="规则：每次 2 分；已达上限" if i % 3 == 0 else "",
            counted=Decimal("2.5"),
        )
        for i in range(60)
    ]
    groups = [
        NS(heading=f"履职活动{g}", summary="20 件，计 20 分", priced=g < 2, rows=rows[g * 20 : (g + 1) * 20])
        for g in range(3)
    ]
    categories = [
        NS(category=f"类别{i}", raw=Decimal(10), cap=Decimal(20) if i % 2 else None, counted=Decimal(10))
        for i in range(4)
    ]
    return NS(
        quarter=None,
        period_points=None,
        total_label="2026年总分",
        total=Decimal("88.5"),
        grade="优秀",
        base=Decimal(60),
        bonus=Decimal(30),
        deductions=Decimal(0),
        period_note="",
        grade_reason="理由 & <说明>",
        locked_quarter=None,
        missing=["还差：提交提案或报送社情民意信息 1 件", "  "],
        categories=categories,
        groups=groups,
        year=2026,
        period="2026年",
    )


def test_a_duty_record_pdf_is_the_same_bytes_as_through_the_markup_parser(monkeypatch):
    record = NS(member=NS(name="张三 & <李四>", committee="合肥市政协", sector="经济界"))
    page = _page()
    monkeypatch.setattr(rl_config, "invariant", 1)  # no creation date or random document id
    fast = pdf.duty_record_pdf(record, page)
    monkeypatch.setattr(pdf, "_para", lambda value, style: pdf._Paragraph(text(value), style))
    assert pdf.duty_record_pdf(record, page) == fast

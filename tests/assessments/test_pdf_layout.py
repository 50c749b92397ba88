"""The duty-record PDF's shortcuts past ReportLab lay out exactly what ReportLab would: paragraphs of plain text
without the markup parser, tables drawn from lines laid out once instead of ReportLab's ``Table``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from django.utils import translation
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

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


# The tables are drawn by ``pdf._Grid`` from lines laid out once; ReportLab's own ``Table`` of the same cells is the
# reference: the same text where it was, the same pages, the same picture.


def _reportlab_cell(value, style, width: float):
    shown = pdf.plain(value)
    if shown == " ".join(shown.split()) and stringWidth(shown, style.fontName, style.fontSize) <= width - 12:
        return shown
    return Paragraph(text(value), style)  # through the markup parser


def _reportlab_table(rows, fractions, body, number, numeric=()):
    widths = [pdf.WIDTH * f for f in fractions]
    cells = [
        [_reportlab_cell(c, number if i in numeric else body, widths[i]) for i, c in enumerate(row)] for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f1f1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), body.fontName, body.fontSize, body.leading),
                *(("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric),
            ]
        )
    )
    return table


LONG_TITLES = [
    "关于加强城市社区养老服务体系建设、完善居家养老上门服务和老年助餐网络的调研报告（第二稿），附：征求意见汇总表",
    "A proposal on improving public transport between the new district and the old town centre, with bus lanes",
    "Supercalifragilisticexpialidociousandevenlongerwordsthatneverbreakatallanywhere插入中文",
    "短标题",
    "标题中有\u00a0不间断空格\u00a0和句号。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。。",
    "（括号开头的标题）“引号”、顿号、逗号，句号。感叹号！问号？冒号：分号；" * 2,
    "tab\tand  double  spaces\nand a new line",
    "R&D <and> markup-looking & text that is long enough to wrap over the end of the cell's line",
]


def _long_page(lines: int = 150, **overrides):
    rows = [
        NS(
            date=date(2026, 1 + i % 12, 1 + i % 28),
            what=["出席全体会议 · 领衔 · 4个半天", "参加视察调研活动", "Submitted a proposal as the first author"][
                i % 3
            ],
            title=LONG_TITLES[i % len(LONG_TITLES)] if i % 5 else "",
            words=NS(verdict=["按规则计 5 分", "已达上限不再计分", "counted by the rule: 5 points"][i % 3]),
            detail="规则：每次 2 分；已达上限；" * (i % 4),
            counted=Decimal("1234567.25") if i % 17 == 0 else Decimal(i % 7) / 2,
        )
        for i in range(lines)
    ]
    size = lines // 5
    groups = [
        NS(
            heading=f"履职活动{g}",
            summary=f"{size} 件，计 {size} 分",
            priced=g != 2,
            rows=rows[g * size : (g + 1) * size],
        )
        for g in range(5)
    ]
    page = _page()
    page.groups = groups
    page.missing = ["还差：提交提案或报送社情民意信息 1 件"]
    page.__dict__.update(overrides)
    return page


def _poppler(*args: str, content: bytes) -> str:
    import subprocess

    return subprocess.run(args, input=content, check=True, capture_output=True, timeout=60).stdout.decode()


def _same_document(ours: bytes, reference: bytes) -> int:
    """The two PDFs have the same pages, the same text at the same places, and look the same; their page count."""
    import pypdfium2
    from PIL import ImageChops

    assert _poppler("pdftotext", "-layout", "-", "-", content=ours) == _poppler(
        "pdftotext", "-layout", "-", "-", content=reference
    )
    assert "WenQuanYiMicroHei" in _poppler("pdffonts", "-", content=ours)
    a, b = pypdfium2.PdfDocument(ours), pypdfium2.PdfDocument(reference)
    assert len(a) == len(b)
    for i in range(len(a)):
        diff = ImageChops.difference(
            a[i].render(scale=1.5).to_pil().convert("L"), b[i].render(scale=1.5).to_pil().convert("L")
        )
        # the grid's crossings are anti-aliased once (one path) rather than twice (a line each): a few grey levels
        assert diff.getextrema()[1] < 48, f"page {i + 1} looks different"
    return len(a)


@pytest.fixture
def poppler():
    import shutil

    # ``make test`` installs poppler-utils (``make sysdeps``): a missing tool is a failure, never a skip
    assert shutil.which("pdftotext") and shutil.which("pdffonts"), "poppler-utils missing: run make sysdeps"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"quarter": 2, "period_points": Decimal("12.5"), "period_note": "第二季度：截至季度末"},
        {"locked_quarter": 4},
        {"groups": None},
        {"groups": []},
    ],
    ids=["year", "quarter", "locked", "summary", "nothing-recorded"],
)
def test_a_long_record_is_the_document_reportlabs_tables_make(monkeypatch, poppler, language, variant):
    record = NS(member=NS(name="张三 & <李四>", committee="合肥市政协", sector="经济界"))
    page = _long_page(**variant)
    monkeypatch.setattr(rl_config, "invariant", 1)
    with translation.override(language):
        ours = pdf.duty_record_pdf(record, page)
        monkeypatch.setattr(pdf, "_table", _reportlab_table)
        monkeypatch.setattr(pdf, "_para", lambda value, style: pdf._Paragraph(text(value), style))
        reference = pdf.duty_record_pdf(record, page)
    pages = _same_document(ours, reference)
    assert pages >= (5 if variant.get("groups", True) else 1)


def test_a_table_split_over_pages_repeats_its_heading_row(poppler):
    record = NS(member=NS(name="张三", committee="合肥市政协", sector="经济界"))
    with translation.override("zh-hans"):
        text = _poppler("pdftotext", "-layout", "-", "-", content=pdf.duty_record_pdf(record, _long_page(300)))
    pages = text.split("\f")[:-1]
    assert len(pages) > 10
    assert all("日期" in p and "计入" in p for p in pages[1:]), "every page's table starts with its heading row"


def test_a_record_drawn_again_from_the_kept_layouts_and_glyphs_is_the_same_bytes(monkeypatch):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFile

    record = NS(member=NS(name="张三 & <李四>", committee="合肥市政协", sector="经济界"))
    page = _long_page()
    monkeypatch.setattr(rl_config, "invariant", 1)
    monkeypatch.setattr(pdf, "_laid_out", {})
    with translation.override("zh-hans"):
        first = pdf.duty_record_pdf(record, page)
        assert pdf._laid_out, "the cells' lines are kept"
        assert pdf.duty_record_pdf(record, page) == first
        monkeypatch.setattr(pdf, "LAID_OUT_AT_MOST", 7)  # kept cells past the bound: the process starts again
        monkeypatch.setattr(pdf, "_laid_out", {})
        assert pdf.duty_record_pdf(record, page) == first
        assert len(pdf._laid_out) <= 7
        # ReportLab's own subsetter and no kept cells: the same document
        face = pdfmetrics.getFont(pdf.FONT).face
        monkeypatch.setattr(face, "makeSubset", lambda subset: TTFontFile.makeSubset(face, subset))
        monkeypatch.setattr(pdf, "_laid_out", {})
        assert pdf.duty_record_pdf(record, page) == first

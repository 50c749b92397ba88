"""The duty record as a PDF that prints well in Chinese (ReportLab with the embedded WenQuanYi font)."""

from __future__ import annotations

import copy
import functools
from io import BytesIO
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.paragraph import cleanBlockQuotedText

from core.ordinals import quarter_label
from core.pdf import plain, text

FONT = "WenQuanYiMicroHei"
# Debian's fonts-wqy-microhei (the Makefile's sysdeps install it).
FONT_FILES = [Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")]


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_FILES if p.exists()), None)
        if path is None:
            raise ImproperlyConfigured("No CJK font for PDFs: install the Debian package fonts-wqy-microhei.")
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN  # 174 mm: every table spans it, so their edges line up


@functools.cache
def _styles():
    """The PDF's paragraph styles, built once per process (ReportLab reads them, never changes them)."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return (
        ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4),
        body,
        ParagraphStyle("head", fontName=font, fontSize=11.5, leading=16, spaceBefore=10, spaceAfter=4),
        ParagraphStyle("number", parent=body, alignment=TA_RIGHT),
    )


class _Paragraph(Paragraph):
    """A paragraph laid out once per width: a table wraps its cells again each time it is split over a page, and
    breaking CJK lines measures every character (#22: 989 wraps of 405 paragraphs in a record of 108 lines)."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth, availHeight):
        # the lines depend on the width alone (``Paragraph.wrap`` never reads the height)
        if self._wrapped is None or self._wrapped[0] != availWidth:
            self._wrapped = (availWidth, super().wrap(availWidth, availHeight))
        return self._wrapped[1]


@functools.cache
def _first_fragment(style):
    """The fragment ReportLab's markup parser makes of a style's plain text (font, size, colour), once per style."""
    return Paragraph("x", style).frags[0]


def _para(value, style) -> Paragraph:
    """The only way text enters this PDF: as plain text, never as ReportLab markup (``core.pdf``).

    Text with nothing to unescape (no ``&``: no markup character in the value) is one fragment of the style holding
    the text with its whitespace folded, which is what ReportLab's markup parser makes of it; the parser (Python's
    ``HTMLParser``, a fragment per tag) is then skipped: it was a tenth of a duty record's PDF (#22). Anything else
    goes through the parser."""
    escaped = text(value)
    folded = cleanBlockQuotedText(escaped)
    if "&" in escaped or not folded:
        return _Paragraph(escaped, style)
    fragment = copy.copy(_first_fragment(style))
    fragment.text, fragment.link, fragment.us_lines = folded, [], []
    return _Paragraph(folded, style, frags=[fragment])


PADDING = 6  # a table cell's left and right padding (ReportLab's default)


def _cell(value, style, width: float):
    """A table cell: ``value`` drawn as a plain string when a paragraph would give it one line anyway (no line break
    or run of spaces, narrower than the cell), else a paragraph that wraps it. Laying out paragraphs is most of a duty
    record's PDF (#22: each measures every character for CJK word wrap); a string is measured once, by rl-accel,
    and drawn where the paragraph's one line would be (the same font, size, leading and top baseline)."""
    shown = plain(value)
    if shown == " ".join(shown.split()) and stringWidth(shown, style.fontName, style.fontSize) <= width - 2 * PADDING:
        return shown
    return _para(value, style)


def _table(rows, fractions, body, number, numeric=()) -> Table:
    """A full-width table; ``fractions`` of the width per column; ``numeric`` columns are right-aligned."""
    widths = [WIDTH * f for f in fractions]
    cells = [[_cell(c, number if i in numeric else body, widths[i]) for i, c in enumerate(row)] for row in rows]
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


def _heading(title: str, style) -> list:
    """A heading that never ends a page alone: a new page unless its table's first rows fit under it
    (keepWithNext would push a long table to the next page whole)."""
    return [CondPageBreak(30 * mm), _para(title, style)]


def _footer(line: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(MARGIN, 10 * mm, plain(line))
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    return draw


def _summary(page, body, number, head) -> list:
    """The summary card's figures: the quarter's points beside the year to date, the grade and why."""
    heads, values, numeric = [], [], set()
    if page.quarter:
        heads.append(_("Points counted in %(q)s") % {"q": quarter_label(page.quarter)})
        values.append(page.period_points)
        numeric.add(0)
    numeric |= {len(heads), len(heads) + 2, len(heads) + 3, len(heads) + 4}
    heads += [page.total_label, _("grade"), _("base score"), _("bonus"), _("deductions")]
    values += [page.total, page.grade or "—", page.base, page.bonus, page.deductions]
    # the quarter's and the year's figures get the room their longer headings need
    widths = [0.2, 0.24, 0.14, 0.14, 0.14, 0.14] if page.quarter else [0.2] * 5
    story = [_table([heads, values], widths, body, number, numeric=numeric)]
    if page.period_note:
        story += [Spacer(1, 2 * mm), _para(page.period_note, body)]
    if page.grade_reason and not page.locked_quarter:
        story += [Spacer(1, 2 * mm), _para(page.grade_reason, body)]
    if page.missing:
        story += _heading(_("Minimum yearly requirements not met"), head)
        story += [_para(text, body) for text in page.missing]
    story += _heading(_("Points by category") + (_(" (year to date)") if page.quarter else ""), head)
    categories = [[_("category"), _("earned"), _("cap"), _("counted")]] + [
        [c.category, c.raw, "—" if c.cap is None else c.cap, c.counted] for c in page.categories
    ]
    story.append(_table(categories, [0.4, 0.2, 0.2, 0.2], body, number, numeric={1, 2, 3}))
    return story


def _lines(page, body, number, head) -> list:
    """The lines, category by category, each saying what it scored and why (the page's words)."""
    story = _heading(_("What was done"), head)
    if not page.groups:
        return [*story, _para(_("Nothing recorded in this period."), body)]
    for group in page.groups:
        story += [CondPageBreak(30 * mm), _para(f"{group.heading} · {group.summary}", body), Spacer(1, 1 * mm)]
        rows = [[_("date"), _("event"), _("title"), _("points and why"), _("counted")]] + [
            [
                r.date.isoformat(),
                r.what,
                r.title or "—",
                r.words.verdict + (f"（{r.detail}）" if r.detail else ""),
                r.counted if group.priced else "—",
            ]
            for r in group.rows
        ]
        story += [
            _table(rows, [0.15, 0.15, 0.29, 0.32, 0.09], body, number, numeric={4}),
            Spacer(1, 3 * mm),
        ]
    return story


def duty_record_pdf(record, page) -> bytes:
    """The record's ``page`` (``record_page.RecordPage``, as the page shows it) as a PDF; without groups: a summary."""
    title, body, head, number = _styles()
    member = record.member
    about = " · ".join(str(x) for x in (member.committee, getattr(member, "sector", None) or "", page.period) if x)
    story = [_para(_("Duty record of %(name)s") % {"name": member.name}, title), _para(about, body), Spacer(1, 4 * mm)]
    if page.locked_quarter:
        story += [
            _para(
                _("The year %(year)s is locked: the figures are the locked snapshot of %(q)s.")
                % {"year": page.year, "q": quarter_label(page.locked_quarter)},
                body,
            ),
            Spacer(1, 2 * mm),
        ]
    story += _summary(page, body, number, head)
    if page.groups is not None:
        story += _lines(page, body, number, head)
    heading = _("Duty record of %(name)s") % {"name": member.name}
    printed = _("printed on %(day)s") % {"day": timezone.localdate().isoformat()}
    footer = _footer(f"{member.committee} · {heading} · {printed}")
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=_("Duty record"),
        author=plain(member.committee),
        initialFontName=FONT,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

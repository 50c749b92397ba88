"""The duty record as a PDF that prints well in Chinese (ReportLab with the embedded WenQuanYi font)."""

from __future__ import annotations

import copy
import functools
from io import BytesIO
from itertools import groupby
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.textsplit import dumbSplit
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.paragraph import cleanBlockQuotedText

from core.ordinals import quarter_label
from core.pdf import plain, text
from core.pdf_fonts import subset_font

FONT = "WenQuanYiMicroHei"
# Debian's fonts-wqy-microhei (the Makefile's sysdeps install it).
FONT_FILES = [Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")]


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_FILES if p.exists()), None)
        if path is None:
            raise ImproperlyConfigured("No CJK font for PDFs: install the Debian package fonts-wqy-microhei.")
        pdfmetrics.registerFont(subset_font(FONT, str(path)))
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


def _folded(value) -> str | None:
    """The one fragment's text ReportLab's markup parser makes of plain ``value`` (whitespace folded), or None where
    the parser is needed: text with something to unescape (``&``: a markup character in the value), or none."""
    escaped = text(value)
    folded = cleanBlockQuotedText(escaped)
    return None if "&" in escaped or not folded else folded


def _para(value, style) -> Paragraph:
    """The only way text enters this PDF: as plain text, never as ReportLab markup (``core.pdf``).

    Text with nothing to unescape is one fragment of the style holding ``_folded(value)``, which is what ReportLab's
    markup parser makes of it; the parser (Python's ``HTMLParser``, a fragment per tag) is then skipped: it was a
    tenth of a duty record's PDF (#22). Anything else goes through the parser."""
    folded = _folded(value)
    if folded is None:
        return _Paragraph(text(value), style)
    fragment = copy.copy(_first_fragment(style))
    fragment.text, fragment.link, fragment.us_lines = folded, [], []
    return _Paragraph(folded, style, frags=[fragment])


PADDING = 6  # a table cell's left and right padding (ReportLab's default)
PAD_Y = 3  # and its top and bottom padding
GRID_COLOUR = colors.grey
HEAD_BACKGROUND = colors.HexColor("#f1f1f1")


class _Widths(dict):
    """Each character's width in one font and size, measured once per process (CJK line breaking measures every
    character of every wrapped cell: a dictionary look-up instead of a call into the font)."""

    def __init__(self, font: str, size: float):
        super().__init__()
        self.font, self.size = font, size

    def __missing__(self, char: str) -> float:
        width = self[char] = stringWidth(char, self.font, self.size)
        return width


@functools.cache
def _widths(font: str, size: float) -> _Widths:
    return _Widths(font, size)


LAID_OUT_AT_MOST = 50_000  # cells kept laid out (a few MB); past it the process starts again from none
_laid_out: dict[tuple, tuple] = {}


def _cell(value, style, width: float):
    """``_lay_out`` of ``value`` in a cell of ``width``: the lines of a text laid out before in the process (in any
    document: the dates, the words of the verdicts, the events' titles) are taken as they were. The lines depend on
    the text, the font, its size, the alignment and the width alone: the key holds each."""
    key = (str(value), style.fontName, style.fontSize, style.alignment, width)
    lines = _laid_out.get(key)
    if lines is None:
        lines = _lay_out(key[0], style, width)
        if isinstance(lines, Paragraph):  # drawn by itself (a paragraph keeps its place): never shared
            return lines
        if len(_laid_out) >= LAID_OUT_AT_MOST:
            _laid_out.clear()
        _laid_out[key] = lines
    return lines


def _lay_out(value: str, style, width: float):
    """A table cell's lines as ReportLab would lay them out, each ``(x offset, text)``, or a paragraph where its own
    layout is needed (text the markup parser makes several fragments of).

    ``value`` is one line as it is when a paragraph would give it one line anyway (no line break or run of spaces,
    narrower than the cell: measured once); else it is the text its paragraph would hold (``_folded``) broken into
    lines by ReportLab's CJK rule (``dumbSplit``, which ``Paragraph`` calls for one fragment) on the characters'
    widths kept by ``_widths``. A right-aligned cell's lines end at its right padding."""
    room = width - 2 * PADDING
    right = style.alignment == TA_RIGHT
    shown = plain(value)
    if shown == " ".join(shown.split()):
        used = stringWidth(shown, style.fontName, style.fontSize)
        if used <= room:
            return (((room - used) if right else 0.0, shown),)
    folded = _folded(value)
    if folded is not None:
        lines = dumbSplit(folded, list(map(_widths(style.fontName, style.fontSize).__getitem__, folded)), [room] * 2)
        # a hanging line with no-break spaces is spread by ReportLab (word space): left to its paragraph
        if not any(extra < -1e-8 and "\xa0" in line for extra, line in lines):
            return tuple(((extra if right else 0.0), line) for extra, line in lines)
    paragraph = _para(value, style)
    paragraph.wrap(room, 0x7FFFFFFF)
    return paragraph


def _cell_height(cell, leading: float) -> float:
    return (cell.height if isinstance(cell, Paragraph) else len(cell) * leading) + 2 * PAD_Y


class _Shows:
    """One text object of lines, each shown at its place, in the font's subsets as ReportLab's text object writes
    them (``PDFTextObject._formatText``): a line whose characters the document has already used is encoded by a
    look-up per character (ReportLab's ``TTFont.splitString`` assigns the codes, once per character and document),
    and a line shown before in the document (a date, a verdict, a dash) is taken as it was written then."""

    def __init__(self, canvas, style):
        self.canvas, self.doc, self.font = canvas, canvas._doc, pdfmetrics.getFont(style.fontName)
        self.size = f"{fp_str(style.fontSize)} Tf {fp_str(style.leading)} TL"
        self.code, self.subset = ["BT"], -1
        # the document's lines as written: the codes never change within a document once assigned
        self.shown = canvas.__dict__.setdefault("_duty_record_shown", {})

    def _chunks(self, line: str):
        state = self.font.state.get(self.doc)
        if line and state is not None:
            try:
                codes = [state.assignments[c] for c in map(ord, line)]  # U+00A0 and unknown glyphs: KeyError
            except KeyError:
                pass
            else:
                if max(codes) < 256:
                    return ((0, bytes(codes)),)
                return [(subset, bytes(n & 0xFF for n in run)) for subset, run in groupby(codes, lambda n: n >> 8)]
        return self.font.splitString(line, self.doc)

    def __call__(self, x: float, y: float, line: str) -> None:
        code = self.code
        code.append(f"1 0 0 1 {fp_str(x, y)} Tm")
        key = (self.font.fontName, line)
        chunks = self.shown.get(key)
        if chunks is None:
            escape = self.canvas._escape
            chunks = self.shown[key] = [(subset, f"({escape(chunk)}) Tj") for subset, chunk in self._chunks(line)]
        for subset, shown in chunks:
            if subset != self.subset:
                code.append(f"{self.font.getSubsetInternalName(subset, self.doc)} {self.size}")
                self.subset = subset
            code.append(shown)

    def draw(self) -> None:
        self.code.append("ET")
        self.canvas._code.append(" ".join(self.code))


class _Grid(Flowable):
    """A full-width table of text cells, laid out once and drawn with a few canvas operations.

    It is the document ReportLab's ``Table`` made of the same cells (``GRID`` 0.4 grey, the heading row on
    #f1f1f1, cells at the top, numeric columns right-aligned, ``repeatRows=1``): the same row heights (lines ×
    leading + padding), the same split over a page (as many whole rows as fit, never the heading row alone, the
    heading row again on top of the rest), the text at the same baselines. ``Table`` draws each cell as its own
    text object or paragraph, and works out every row's height again at each wrap and split: most of a duty
    record's PDF (#22); here every line of a table is one text object's move and show, and the grid one path."""

    def __init__(self, widths: list[float], rows: list[list], heights: list[float], style):
        super().__init__()
        self.widths, self.rows, self.heights, self.style = widths, rows, heights, style
        self.width, self.height = sum(widths), sum(heights)
        self.hAlign = "LEFT"

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def split(self, availWidth, availHeight):
        fit, used = 0, 0.0
        for height in self.heights:
            if used + height > availHeight:
                break
            fit, used = fit + 1, used + height
        if fit <= 1:  # not even a row under the heading: the whole table goes to the next frame
            return []
        if fit == len(self.rows):
            return [self]
        head = (self.rows[:1], self.heights[:1])
        return [
            _Grid(self.widths, self.rows[:fit], self.heights[:fit], self.style),
            _Grid(self.widths, head[0] + self.rows[fit:], head[1] + self.heights[fit:], self.style),
        ]

    def draw(self):
        canvas, style = self.canv, self.style
        lefts = [sum(self.widths[:i]) for i in range(len(self.widths) + 1)]
        tops = [self.height - sum(self.heights[:i]) for i in range(len(self.heights) + 1)]
        canvas.saveState()
        canvas.setFillColor(HEAD_BACKGROUND)
        canvas.rect(0, tops[1], self.width, self.heights[0], stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        paragraphs, show = [], _Shows(canvas, style)
        for row, top in zip(self.rows, tops[:-1], strict=True):
            baseline = top - PAD_Y - style.fontSize
            for cell, left in zip(row, lefts[:-1], strict=True):
                if isinstance(cell, Paragraph):
                    paragraphs.append((cell, left + PADDING, top - PAD_Y - cell.height))
                    continue
                y = baseline
                for dx, line in cell:
                    show(left + PADDING + dx, y, line)
                    y -= style.leading
        show.draw()
        for paragraph, x, y in paragraphs:
            paragraph.drawOn(canvas, x, y)
        canvas.setStrokeColor(GRID_COLOUR)
        canvas.setLineWidth(0.4)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        path = canvas.beginPath()
        for y in tops:
            path.moveTo(0, y)
            path.lineTo(self.width, y)
        for x in lefts:
            path.moveTo(x, tops[0])
            path.lineTo(x, tops[-1])
        canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()


def _table(rows, fractions, body, number, numeric=()) -> _Grid:
    """A full-width table; ``fractions`` of the width per column; ``numeric`` columns are right-aligned."""
    widths = [WIDTH * f for f in fractions]
    cells = [[_cell(c, number if i in numeric else body, widths[i]) for i, c in enumerate(row)] for row in rows]
    heights = [max(_cell_height(c, body.leading) for c in row) for row in cells]
    return _Grid(widths, cells, heights, body)


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


def _why(row) -> str:
    detail = row.detail  # the notes joined: worked out once
    return row.words.verdict + (f"（{detail}）" if detail else "")


def _lines(page, body, number, head) -> list:
    """The lines, category by category, each saying what it scored and why (the page's words)."""
    story = _heading(_("What was done"), head)
    if not page.groups:
        return [*story, _para(_("Nothing recorded in this period."), body)]
    for group in page.groups:
        story += [CondPageBreak(30 * mm), _para(f"{group.heading} · {group.summary}", body), Spacer(1, 1 * mm)]
        rows = [[_("date"), _("event"), _("title"), _("points and why"), _("counted")]] + [
            [r.date.isoformat(), r.what, r.title or "—", _why(r), r.counted if group.priced else "—"]
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

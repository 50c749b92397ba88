"""The duty record as a PDF that prints well in Chinese (ReportLab with the embedded WenQuanYi font)."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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


def _styles():
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return (ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4),
            body,
            ParagraphStyle("head", fontName=font, fontSize=11.5, leading=16, spaceBefore=10, spaceAfter=4),
            ParagraphStyle("number", parent=body, alignment=TA_RIGHT))


def _para(value, style) -> Paragraph:
    """The only way text enters this PDF: as plain text, never as ReportLab markup (``core.pdf``)."""
    return Paragraph(text(value), style)


def _table(rows, fractions, body, number, numeric=()) -> Table:
    """A full-width table; ``fractions`` of the width per column; ``numeric`` columns are right-aligned."""
    cells = [[_para(c, number if i in numeric else body) for i, c in enumerate(row)] for row in rows]
    table = Table(cells, colWidths=[WIDTH * f for f in fractions], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f1f1")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
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


def _half_days(row) -> str:
    n = row.get("half_days")
    return ngettext("%(n)s half-day", "%(n)s half-days", n) % {"n": n} if n else ""


def duty_record_pdf(record, rows, missing) -> bytes:
    """``rows`` and ``missing`` as prepared for the page (``rows`` None: a summary without lines)."""
    title, body, head, number = _styles()
    b = record.breakdown
    member = record.member
    period = _("%(year)s, up to the end of %(q)s") % {"year": record.year, "q": quarter_label(record.quarter)} if record.quarter \
        else str(record.year)
    about = " · ".join(str(x) for x in (member.committee, getattr(member, "sector", None) or "", period) if x)
    story = [_para(_("Duty record of %(name)s") % {"name": member.name}, title),
             _para(about, body), Spacer(1, 4 * mm)]
    if record.locked_quarter:
        story += [_para(_("The year %(year)s is locked: the figures are the locked snapshot of %(q)s.") % {
            "year": record.year, "q": quarter_label(record.locked_quarter)}, body), Spacer(1, 2 * mm)]
    summary = [[_("total"), _("grade"), _("base score"), _("bonus"), _("deductions")],
               [b.total, b.grade or "—", b.base, b.bonus, b.deductions]]
    story.append(_table(summary, [0.2] * 5, body, number, numeric={0, 2, 3, 4}))
    if b.grade_reason:
        story.append(_para(b.grade_reason, body))
    story += _heading(_("Points by category"), head)
    categories = [[_("category"), _("earned"), _("cap"), _("counted")]] + [
        [c.category or "—", c.raw, "—" if c.cap is None else c.cap, c.capped] for c in b.categories]
    story.append(_table(categories, [0.4, 0.2, 0.2, 0.2], body, number, numeric={1, 2, 3}))
    if missing:
        story += _heading(_("Minimum yearly requirements not met"), head)
        story += [_para(f"{m['label']}：{m['actual']} / {m['required']}" + (
            _(" (any one of “%(group)s” is enough)") % {"group": m["group"]} if m.get("group") else ""), body)
            for m in missing]
    if rows is not None:
        story += _heading(_("What was done"), head)
        lines = [[_("date"), _("event"), _("title"), _("how priced"), _("points")]] + [
            [r["date"].isoformat(), f"{r['label']} {r['role']} {_half_days(r)}".strip(), r["title"] or "—",
             r.get("how") or "—", r["points"] if r["priced"] else _("not scored")] for r in rows]
        story.append(_table(lines, [0.14, 0.17, 0.31, 0.28, 0.1], body, number, numeric={4}))
    heading = _("Duty record of %(name)s") % {"name": member.name}
    printed = _("printed on %(day)s") % {"day": timezone.localdate().isoformat()}
    footer = _footer(f"{member.committee} · {heading} · {printed}")
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                      bottomMargin=18 * mm, title=_("Duty record"), author=plain(member.committee),
                      initialFontName=FONT).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

"""The duty record as a PDF that prints well in Chinese (ReportLab with the embedded WenQuanYi font)."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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


def _styles():
    font = _font()
    return (ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4),
            ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13),
            ParagraphStyle("head", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4))


def _table(rows, widths, body) -> Table:
    cells = [[Paragraph(str(c), body) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f1f1")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _half_days(row) -> str:
    n = row.get("half_days")
    return ngettext("%(n)s half-day", "%(n)s half-days", n) % {"n": n} if n else ""


def duty_record_pdf(record, rows, missing) -> bytes:
    """``rows`` and ``missing`` as prepared for the page (``rows`` None: a summary without lines)."""
    title, body, head = _styles()
    b = record.breakdown
    period = _("%(year)s, up to the end of Q%(q)s") % {"year": record.year, "q": record.quarter} if record.quarter \
        else str(record.year)
    story = [Paragraph(_("Duty record of %(name)s") % {"name": record.member.name}, title),
             Paragraph(f"{record.member.committee} · {period}", body), Spacer(1, 4 * mm)]
    summary = [[_("total"), _("grade"), _("base score"), _("bonus"), _("deductions")],
               [b.total, b.grade or "—", b.base, b.bonus, b.deductions]]
    story += [_table(summary, [34 * mm] * 5, body), Paragraph(_("Points by category"), head)]
    categories = [[_("category"), _("earned"), _("cap"), _("counted")]] + [
        [c.category or "—", c.raw, "—" if c.cap is None else c.cap, c.capped] for c in b.categories]
    story.append(_table(categories, [60 * mm, 36 * mm, 36 * mm, 36 * mm], body))
    if missing:
        story.append(Paragraph(_("Minimum yearly requirements not met"), head))
        story += [Paragraph(f"{m['label']}：{m['actual']} / {m['required']}", body) for m in missing]
    if rows is not None:
        story.append(Paragraph(_("What was done"), head))
        lines = [[_("date"), _("event"), _("title"), _("points")]] + [
            [r["date"].isoformat(), f"{r['label']} {r['role']} {_half_days(r)}".strip(), r["title"] or "—",
             r["points"] if r["priced"] else _("not scored")] for r in rows]
        story.append(_table(lines, [24 * mm, 56 * mm, 68 * mm, 22 * mm], body))
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=_("Duty record"), author=str(record.member.committee)).build(story)
    return buffer.getvalue()

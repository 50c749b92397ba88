"""The figures as an Excel workbook (openpyxl)."""

from __future__ import annotations

from copy import copy
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.exports import Workbook
from proposals.models import Category, Level

COLUMNS = [
    ("submitted", _l("Submitted")),
    ("filed", pgettext_lazy("proposal", "Filed")),
    ("filing_rate", _l("Filing rate %")),
    ("on_time", _l("Replied on time")),
    ("overdue", _l("Overdue now")),
    ("satisfaction_rate", _l("Satisfaction rate %")),
    ("first_satisfaction_rate", _l("First-round satisfaction %")),
    ("implementation_rate", _l("Implementation rate %")),
]


def _bold(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, text)
    cell.font = Font(bold=True)
    return cell


def _header(ws, texts: list[str]) -> list[WriteOnlyCell]:
    """A bold header row: the first cell's style (its font added to the workbook once) copied to the others, not a
    ``Font`` hashed into the workbook's fonts per cell (most of the workbook's styling time)."""
    first = _bold(ws, texts[0])
    cells = [first]
    for text in texts[1:]:
        cell = WriteOnlyCell(ws, text)
        cell._style = copy(first._style)
        cells.append(cell)
    return cells


def _sheet(wb, title: str, first: str, rows: list[tuple[str, dict]], labels: list[str]):
    ws = wb.create_sheet(title)
    ws.column_dimensions["A"].width = 28
    ws.append(_header(ws, [first, *labels]))
    ws.extend([name, *[row.get(key) for key, _label in COLUMNS]] for name, row in rows)


def figures_workbook(data: dict, year: int) -> bytes:
    # write-only: a row of plain values is written at once (``core.exports``), not as a cell object per value
    wb = Workbook(write_only=True)
    labels = [str(label) for _key, label in COLUMNS]
    _sheet(wb, _("Totals"), str(year), [(_("All"), data["totals"])], labels)
    _sheet(wb, _("By committee"), _("Committee"), [(r["committee__name"], r) for r in data["by_committee"]], labels)
    _sheet(wb, _("By unit"), _("Lead unit"), [(r["lead_unit__name"], r) for r in data["by_unit"]], labels)
    categories = dict(Category.choices)
    _sheet(
        wb,
        _("By category"),
        _("Category"),
        [(str(categories.get(r["category"], r["category"])), r) for r in data["by_category"]],
        labels,
    )
    ws = wb.create_sheet(_("Result codes"))
    ws.append([_("Result code"), _("Meaning"), _("Replies"), _("Share %")])
    for c in data["codes"]:
        ws.append([c["result_code"], c["label"], c["n"], c["share"]])
    ws = wb.create_sheet(_("Public-opinion reports"))
    r = data["reports"]
    for label, value in [
        (_("Submitted"), r["submitted"]),
        (_("Accepted"), r["accepted"]),
        (_("Adopted"), r["adopted"]),
        (_("Reports instructed by leaders"), r["instructed"]),
    ]:
        ws.append([label, value])
    levels = dict(Level.choices)
    for row in data["adoption_levels"]:
        ws.append([_("Adopted by %(level)s CPPCC") % {"level": levels.get(row["level"], row["level"])}, row["n"]])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()

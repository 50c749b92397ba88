"""Excel exports of the assessments app (openpyxl, written row by row)."""
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from .kinds import EventKind


def _kind(kind: str) -> str:
    return str(EventKind(kind).label) if kind in EventKind.values else kind


def assessment_workbook(rows) -> bytes:
    """One line per member: rank, name, sector, year-to-date total, grade, minimums not met."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Annual assessment"))
    sheet.append([pgettext("assessment", "rank"), _("member"), _("sector"), _("quarter"), _("year-to-date total"), _("grade"),
                  _("minimums not met")])
    for row in rows:
        missing = "；".join(f"{_kind(m['kind'])} {m['actual']}/{m['required']}" for m in row.missing)
        sheet.append([row.rank, row.member.name, str(row.member.sector), row.quarter, row.ytd_total,
                      row.ytd_grade, missing])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def funding_workbook(groups, locked: bool) -> bytes:
    """One line per group: rank, points, members, filed activities, award candidate, funding."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Group funding"))
    sheet.append([pgettext("assessment", "rank"), _("group"), _("points"), pgettext("assessment", "members"), _("filed activities"),
                  _("award candidate"), _("funding")])
    for g in groups:
        sheet.append([g.rank, g.group_name, g.points, g.members, g.filed_activities,
                      _("yes") if g.is_award_candidate else "", g.funding])
    sheet.append([])
    sheet.append(["", _("Total"), "", "", "", "", sum((g.funding for g in groups), start=0)])
    sheet.append([_("Settled: the year is locked.") if locked else _("Provisional: the year is not locked.")])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()

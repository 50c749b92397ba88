"""Excel exports of the ledger and the coverage report (openpyxl, streamed row by row)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Attendance
from core.exports import Workbook, export_filename, xlsx_download

MAX_ROWS = 100_000


def xlsx_response(workbook: Workbook, name: str) -> HttpResponse:
    out = io.BytesIO()
    workbook.save(out)
    return xlsx_download(out.getvalue(), export_filename(name))


def ledger_workbook(activities) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Ledger"))
    ws.append(
        [
            _("Committee"),
            _("Organiser"),
            _("Type"),
            _("Three enters target"),
            _("Contact point"),
            _("Title"),
            _("Starts at"),
            _("Place"),
            _("State"),
            _("Invited"),
            _("Present"),
            _("Excused"),
            _("Absent"),
            _("Evidence"),
            str(Attendance.Method.ON_SITE.label),
            str(Attendance.Method.CONVENER.label),
            str(Attendance.Method.CORRECTION.label),
        ]
    )
    for a in activities[:MAX_ROWS]:
        ws.append(
            [
                a.committee.name,
                str(a.organiser),
                a.get_kind_display(),
                a.get_target_display(),
                a.contact_point.name if a.contact_point else "",
                a.title,
                timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"),
                a.place,
                a.get_state_display(),
                a.invited_count,
                a.present_count,
                a.excused_count,
                a.absent_count,
                a.evidence_count,
                a.scanned_count,
                a.convener_count,
                a.corrected_count,
            ]
        )
    return wb


def coverage_workbook(committees, groups, period) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Committees"))
    ws.append([_("Committee"), _("Members"), _("Took part in three enters"), _("Not yet"), _("Coverage")])
    for c in committees:
        ws.append(
            [
                c.name,
                c.member_count,
                c.covered_count,
                c.member_count - c.covered_count,
                round(c.covered_count / c.member_count, 3) if c.member_count else 0,
            ]
        )
    ws = wb.create_sheet(_("Groups"))
    ws.append(
        [
            _("Committee"),
            _("Group"),
            _("Members"),
            _("Took part in three enters"),
            _("Not yet"),
            _("Activities held"),
            _("Three enters activities"),
            _("Six-ones items done"),
        ]
    )
    for g in groups:
        ws.append(
            [
                g.committee.name,
                g.name,
                g.member_count,
                g.covered_count,
                g.member_count - g.covered_count,
                g.held_count,
                g.three_enters_held,
                g.six_done,
            ]
        )
    return wb

"""Excel exports of the ledger and the coverage report (openpyxl, streamed row by row), registered with
``core.export_jobs``: built in the request up to ``settings.EXPORT_BACKGROUND_ROWS`` rows, by a worker past it (a
committee's ledger holds tens of thousands of activities)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Activity, Attendance
from activities.selectors import activities as sel
from core.exceptions import NotPermitted
from core.export_jobs import Built, ExportKind, register
from core.exports import Workbook, export_filename
from core.parsing import as_id, as_int

MAX_ROWS = 100_000
LEDGER, COVERAGE = "activities.ledger", "activities.coverage"


def period_of(data: QueryDict) -> sel.Period:
    """The year (this one by default) and quarter (the whole year by default) of a page's or export's query."""
    today = timezone.localdate()
    year = as_int(data.get("year"), today.year)
    quarter = as_int(data.get("quarter"), 0) or None
    if quarter not in (None, 1, 2, 3, 4) or not 2000 <= year <= 2100:
        year, quarter = today.year, None
    return sel.Period(year, quarter)


def ledger_rows(user, data: QueryDict, rows=sel.ledger):
    """The ledger's activities for ``user`` filtered by the page's query (``data``), latest first, and the filter;
    ``rows`` loads what is shown of each (the workbook's every column; the page's: ``sel.ledger_page``)."""
    from activities.filters import ActivityFilter

    qs = Activity.objects.visible_to(user)
    filterset = ActivityFilter(data or None, queryset=qs, request=SimpleNamespace(user=user))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    if data.get("counted") == "1":  # the coverage page's "Held" figure: held or filed in its period
        qs = sel.counted_in(qs, period_of(data))
    return rows(qs).order_by("-starts_at", "-id"), filterset


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
    ws.extend(
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
        for a in activities[:MAX_ROWS]
    )
    return wb


def coverage_workbook(committees, groups, period) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Committees"))
    ws.append([_("Committee"), _("Members"), _("Took part in three enters"), _("Not yet"), _("Coverage")])
    ws.extend(
        [
            c.name,
            c.member_count,
            c.covered_count,
            c.member_count - c.covered_count,
            round(c.covered_count / c.member_count, 3) if c.member_count else 0,
        ]
        for c in committees
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
    ws.extend(
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
        for g in groups
    )
    return wb


# --- In the registry of exports ----------------------------------------------------------------------------


def _query(params: Mapping[str, Any]) -> QueryDict:
    return QueryDict(params.get("query", ""))


def _overseer(user, params: Mapping[str, Any]) -> None:
    """Staff and leaders (the ledger's and the coverage page's rule); a copy prepared in the background is the
    requester's alone (it spans every committee they read)."""
    from groups.access import Role, scope_of

    if not {Role.STAFF, Role.LEADER} & set(scope_of(user).roles):
        raise NotPermitted(_("Only staff and leaders may export the ledger and the coverage report."))


def _ledger_rows(user, params: Mapping[str, Any]) -> int:
    return min(ledger_rows(user, _query(params))[0].count(), MAX_ROWS)


def _ledger_build(user, params: Mapping[str, Any]) -> Built:
    activities = ledger_rows(user, _query(params))[0]
    return Built(
        content=_bytes(ledger_workbook(activities)),
        filename=export_filename(_("Activity ledger")),
        rows=activities.count(),
        what="activity ledger",
    )


def _coverage_inputs(user, data: QueryDict):
    from groups.models import ActivityGroup

    groups = ActivityGroup.objects.visible_to(user).filter(is_active=True)
    committee_id = as_id(data.get("committee"))
    return groups.filter(committee_id=committee_id) if committee_id else groups, period_of(data)


def _coverage_rows(user, params: Mapping[str, Any]) -> int:
    groups, _period = _coverage_inputs(user, _query(params))
    return groups.count()


def _coverage_build(user, params: Mapping[str, Any]) -> Built:
    from groups.models import Committee

    groups, period = _coverage_inputs(user, _query(params))
    committees = sel.committees_coverage(Committee.objects.visible_to(user), period)
    rows = sel.groups_coverage(groups, period)
    return Built(
        content=_bytes(coverage_workbook(committees, rows, period)),
        filename=export_filename(_("Coverage")),
        rows=len(rows),
        what="coverage report",
    )


register(
    ExportKind(LEDGER, _overseer, _ledger_rows, _ledger_build, lambda params: str(gettext_lazy("Activity ledger")))
)
register(ExportKind(COVERAGE, _overseer, _coverage_rows, _coverage_build, lambda params: str(gettext_lazy("Coverage"))))

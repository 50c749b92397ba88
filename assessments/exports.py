"""The assessments app's exports in the registry of ``core.export_jobs``: the annual workbook, the groups' funding
and the handling units' evaluation, each for the staff and leaders of the committee (the pages' own rule). Built in
the request up to ``settings.EXPORT_BACKGROUND_ROWS`` rows, by a worker past it (the annual workbook of a district
of 16,666 members takes seconds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import NotPermitted
from core.export_jobs import Built, ExportKind, register
from core.exports import export_filename
from core.parsing import as_id, as_int
from groups.access import scope_of

from . import selectors
from .excel import annual_workbook, funding_workbook, unit_sheet_labels, unit_sheet_workbook

ANNUAL, FUNDING, UNIT_SHEETS = "assessments.annual", "assessments.funding", "assessments.unit_sheets"


def _committee_year(params: Mapping[str, Any]) -> tuple[int, int]:
    """The export's committee and year, parsed and bounded like the page's (0 for a committee that is not a number:
    no one's to read, so ``_readable`` refuses it)."""
    year = as_int(params.get("year"), timezone.localdate().year, low=2000, high=2100)
    return as_id(params.get("committee")) or 0, year if year is not None else timezone.localdate().year


def _readable(user, params: Mapping[str, Any]) -> int:
    """The committee, when ``user`` is its staff or leader (the annual page's rule); ``NotPermitted`` otherwise."""
    committee, _year = _committee_year(params)
    if not scope_of(user).can_read_committee(committee):
        raise NotPermitted(_("Only the committee's staff and leaders may export its assessment."))
    return committee


def _committee_name(committee_id: int) -> str:
    from groups.models import Committee

    return Committee.objects.filter(pk=committee_id).values_list("name", flat=True).first() or ""


def _title(label):
    def title(params: Mapping[str, Any]) -> str:
        committee, year = _committee_year(params)
        return f"{label}-{_committee_name(committee)}-{year}"

    return title


# --- The annual workbook ------------------------------------------------------------------------------------


def _annual_rows(user, params: Mapping[str, Any]) -> int:
    """The members of the year's latest quarter rolled up: each is a row of three of the sheets."""
    from django.db.models import Max

    from .models import MemberSnapshot, RollupRun

    committee, year = _committee_year(params)
    quarter = RollupRun.objects.filter(committee_id=committee, year=year, status=RollupRun.Status.DONE).aggregate(
        q=Max("quarter")
    )["q"]
    return MemberSnapshot.objects.filter(committee_id=committee, year=year, quarter=quarter).count()


@dataclass(slots=True)
class _Member:
    pk: int
    name: str
    sector: str
    phone: str
    committee_id: int


@dataclass(slots=True)
class _Row:
    rank: int
    member_id: int
    member: _Member
    quarter: int
    ytd_total: Decimal
    ytd_grade: str
    missing: list


def annual_rows(committee: int, year: int) -> list[_Row]:
    """``selectors.assessment_rows`` (the same rows, order and rank) as the workbook reads them: the columns it
    writes as plain values, not 50,000 model instances (a member snapshot, its member and sector for each of a
    district's 16,666 members: seconds of Python)."""
    return [
        _Row(rank, member_id, _Member(member_id, name, sector, phone, member_committee), quarter, total, grade, missing)
        for rank, member_id, name, sector, phone, member_committee, quarter, total, grade, missing in (
            selectors.assessment_rows(committee, year).values_list(
                "rank",
                "member_id",
                "member__name",
                "member__sector__name",
                "member__phone",
                "member__committee_id",
                "quarter",
                "ytd_total",
                "ytd_grade",
                "missing",
            )
        )
    ]


def _annual_build(user, params: Mapping[str, Any]) -> Built:
    from groups.privacy import ContactPolicy

    committee, year = _committee_year(params)
    groups, locked = selectors.group_settlement(committee, year)
    export = annual_workbook(
        rows=annual_rows(committee, year),
        quarter_points=selectors.quarter_points(committee, year),
        group_ranking=selectors.group_ranking(committee, year),
        groups=groups,
        locked=locked,
        policy=ContactPolicy(user),
    )
    return Built(
        content=export.content,
        filename=export_filename(_("Annual assessment"), _committee_name(committee), year),
        rows=export.rows,
        what=f"annual assessment {committee} {year}",
        masked=export.masked,
    )


# --- The groups' funding ------------------------------------------------------------------------------------


def _groups_rows(user, params: Mapping[str, Any]) -> int:
    from groups.models import ActivityGroup

    committee, _year = _committee_year(params)
    return ActivityGroup.objects.filter(committee_id=committee, is_active=True).count()


def _funding_links(groups, year: int) -> dict:
    """Each group's links to the rows behind its counts, as the annual page links them (members of the group at
    any time of the year; its activities filed in the year). The query strings are built once: only the group's
    id (a number) changes from one group to the next."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from core.links import absolute_url

    members = f"{absolute_url(reverse('activities:coverage_members'))}?{urlencode({'in_year': year})}&group="
    span = urlencode({"state": "filed", "date_from": f"{year}-01-01", "date_to": f"{year}-12-31"})
    ledger = f"{absolute_url(reverse('activities:ledger'))}?{span}&group="
    return {g.group_id: (f"{members}{g.group_id}", f"{ledger}{g.group_id}") for g in groups}


def _funding_build(user, params: Mapping[str, Any]) -> Built:
    committee, year = _committee_year(params)
    groups, locked = selectors.group_settlement(committee, year)
    return Built(
        content=funding_workbook(groups, locked, None if locked else _funding_links(groups, year)),
        filename=export_filename(_("Group funding"), _committee_name(committee), year),
        rows=len(groups),
        what=f"group funding {committee} {year}",
    )


# --- The handling units' yearly evaluation ------------------------------------------------------------------


def _units_rows(user, params: Mapping[str, Any]) -> int:
    """A summary row and a sheet of label rows per unit of the committee."""
    from groups.models import HandlingUnit

    committee, _year = _committee_year(params)
    return HandlingUnit.objects.filter(committee_id=committee).count() * (len(unit_sheet_labels()) + 4)


def _units_build(user, params: Mapping[str, Any]) -> Built:
    from .unit_sheet import unit_sheets

    committee, year = _committee_year(params)
    sheets = unit_sheets(committee, year)
    name = _committee_name(committee)
    return Built(
        content=unit_sheet_workbook(sheets, name, year),
        filename=export_filename(_("Handling unit yearly evaluation"), name, year),
        rows=len(sheets),
        what=f"handling unit evaluation {committee} {year}",
    )


register(ExportKind(ANNUAL, _readable, _annual_rows, _annual_build, _title(gettext_lazy("Annual assessment"))))
register(ExportKind(FUNDING, _readable, _groups_rows, _funding_build, _title(gettext_lazy("Group funding"))))
register(
    ExportKind(
        UNIT_SHEETS, _readable, _units_rows, _units_build, _title(gettext_lazy("Handling unit yearly evaluation"))
    )
)

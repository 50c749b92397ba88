"""Pages of the assessments app: a member's duty record 履职档案."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import export_filename, record_export, xlsx_download
from core.parsing import as_int
from groups.access import Role, scope_of
from groups.models import Member

from . import selectors
from .kinds import missing_text
from .record_page import record_page
from .scoring import grade_for, grade_reason


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year")), (1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))],
    )


def _period(request) -> tuple[int, int | None, PeriodForm]:
    form = PeriodForm(request.GET or None)
    year, quarter = timezone.localdate().year, None
    if form.is_bound and form.is_valid():
        year, quarter = form.cleaned_data["year"] or year, form.cleaned_data["quarter"]
    return year, quarter, form


def _render(request, member: Member, access: selectors.Access, *, as_pdf: bool = False):
    from .pdf import duty_record_pdf

    year, quarter, form = _period(request)
    record = selectors.duty_record(member, year, quarter)
    page = record_page(record, with_lines=access is selectors.Access.FULL)
    if as_pdf:
        response = HttpResponse(duty_record_pdf(record, page), content_type="application/pdf")
        suffix = f"-q{quarter}" if quarter else ""
        response["Content-Disposition"] = f'attachment; filename="duty-record-{member.pk}-{year}{suffix}.pdf"'
        return response
    context = {
        "member": member,
        "record": record,
        "b": record.breakdown,
        "page": page,
        "form": form,
        "is_own": member.pk == scope_of(request.user).member_id,
        "pdf_query": request.GET.urlencode(),
    }
    return render(request, "assessments/duty_record.html", context)


@login_required
def my_record(request, as_pdf: bool = False):
    """The signed-in member's own duty record (page or PDF)."""
    member_id = scope_of(request.user).member_id
    if member_id is None:
        raise PermissionDenied
    member = get_object_or_404(Member.objects.select_related("committee", "sector"), pk=member_id)
    return _render(request, member, selectors.Access.FULL, as_pdf=as_pdf)


@login_required
def member_record(request, member_id: int, as_pdf: bool = False):
    """A member's record for staff of the committee (in full) or a convener of their group (summary)."""
    member = get_object_or_404(Member.objects.select_related("committee", "sector"), pk=member_id)
    access = selectors.record_access(request.user, member)
    if access is None:
        raise PermissionDenied
    return _render(request, member, access, as_pdf=as_pdf)


class AssessmentExportForm(forms.Form):
    committee = forms.IntegerField()
    year = forms.IntegerField(min_value=2000, max_value=2100)


@login_required
def assessment_export(request):
    """The annual assessment as an Excel workbook (assessment, members below the minimums, rankings of members
    and groups, award candidates, funding), for staff and leaders of the committee; audited, phones masked
    for leaders. A committee of more members than ``settings.EXPORT_BACKGROUND_ROWS``: prepared by a worker."""
    from core.export_jobs import respond

    from .exports import ANNUAL

    form = AssessmentExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(status=400)
    return respond(request, ANNUAL, {"committee": form.cleaned_data["committee"], "year": form.cleaned_data["year"]})


class AnnualForm(forms.Form):
    committee = forms.IntegerField(required=False)
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)


def _committee_year(request) -> tuple[int, int]:
    """The committee (default: the first the user is staff or leader of) and year asked for; 403
    unless the user is staff or a leader of it."""
    scope = scope_of(request.user)
    form = AnnualForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    readable = sorted(scope.staff_committee_ids | scope.leader_committee_ids)
    committee = data.get("committee") or (readable[0] if readable else None)
    if committee is None or not scope.can_read_committee(committee):
        raise PermissionDenied
    return committee, data.get("year") or timezone.localdate().year


def _committees(request):
    from groups.models import Committee

    scope = scope_of(request.user)
    ids = scope.staff_committee_ids | scope.leader_committee_ids
    return Committee.objects.all() if scope.is_superuser else Committee.objects.filter(pk__in=ids)


class RankingForm(forms.Form):
    """The annual page's ranking: a search by name, a grade (``ungraded``: none), those below the minimums, the page
    (``after``/``before`` a place in the ranking)."""

    q = forms.CharField(required=False, max_length=50)
    grade = forms.CharField(required=False, max_length=30)
    ungraded = forms.BooleanField(required=False)
    below = forms.BooleanField(required=False)
    after = forms.IntegerField(required=False, min_value=0)
    before = forms.IntegerField(required=False, min_value=1)


@login_required
def annual(request):
    """The annual assessment for staff and leaders: the members' ranking a page at a time, with the counts per grade
    and below the minimums, each linking to its rows (``show=groups``: the groups ranked with award candidates and
    their funding, frozen once the year is locked)."""
    from groups.models import Committee

    committee_id, year = _committee_year(request)
    show = "groups" if request.GET.get("show") == "groups" else "members"
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    context = {
        "committee": get_object_or_404(Committee, pk=committee_id),
        "year": year,
        "committees": _committees(request),
        "show": show,
        "base": urlencode({"committee": committee_id, "year": year}),
        "query": query.urlencode(),
    }
    context.update(
        _settlement(request, committee_id, year) if show == "groups" else _ranking(request, committee_id, year)
    )
    return render(request, "assessments/annual.html", context)


def _ranking(request, committee_id: int, year: int) -> dict:
    """The members tab: the latest quarter's counts (kept by its roll-up) and one page of the ranking."""
    form = RankingForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    grade = "" if data.get("ungraded") else (data.get("grade") or None)
    below, search = bool(data.get("below")), (data.get("q") or "").strip()
    filtered = grade is not None or below or bool(search)
    roll_up = selectors.latest_roll_up(committee_id, year)
    page, total, grades = None, None, []
    if roll_up is not None:
        rows = selectors.ranking(committee_id, year, roll_up.quarter, grade=grade, below=below, search=search)
        page = selectors.ranking_page(rows, after=data.get("after") or 0, before=data.get("before") or 0)
        # the list behind a count (a grade, below the minimums) counts its own rows; a search by name is not counted
        # (matching names is a scan of the members: the page reads only its first 51)
        total = rows.count() if grade is not None or below else None
        book = selectors.scoring_book(committee_id, year)
        bands = {band.label: i for i, band in enumerate(book.bands)}  # the grades in the rule book's order
        grades = sorted((roll_up.grades or {}).items(), key=lambda g: (g[0] == "", bands.get(g[0], len(bands)), g[0]))
        for row in page.rows:
            row.missing_text = missing_text(row.missing)
            row.grade_reason = grade_reason(
                book, grade_for(book, row.ytd_total), row.ytd_grade or None, row.missing_text, row.ytd_total
            )
    return {
        "roll_up": roll_up,
        "grades": grades,
        "ranking": page,
        "total": total,
        "filtered": filtered,
        "grade": grade,
        "below": below,
        "search": search,
        "can_open": Role.STAFF in scope_of(request.user).roles,
    }


def _settlement(request, committee_id: int, year: int) -> dict:
    """The groups tab: the settlement of every group (ranked among all of them), a page at a time."""
    groups, locked = selectors.group_settlement(committee_id, year)
    return {
        "page_obj": Paginator(groups, 50).get_page(request.GET.get("page")),
        "locked": locked,
        "funding_total": sum((g.funding for g in groups), start=0),
        # the query strings of the figures' links but the group (the same for every group)
        "members_query": urlencode({"in_year": year}),
        "filed_query": urlencode({"state": "filed", "date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}),
    }


@login_required
def funding_export(request):
    """The groups' settlement (rank, award candidates, funding) as an Excel workbook."""
    from core.export_jobs import respond

    from .exports import FUNDING

    committee_id, year = _committee_year(request)
    return respond(request, FUNDING, {"committee": committee_id, "year": year})


@login_required
def dashboard(request):
    """Leaders' and staff's dashboard: coverage, points distribution, group ranking, quarterly trend and,
    for a city committee, its districts side by side. Charts are drawn by static/js/assessments-dashboard.js."""
    from django.utils.translation import gettext

    from groups.models import Committee

    committee_id, year = _committee_year(request)
    data = selectors.dashboard_data(committee_id, year)
    data["text"] = {
        "points": gettext("points"),
        "activities": gettext("activities attended"),
        "proposals": gettext("proposals"),
        "reports": gettext("public-opinion reports"),
        "consultations": gettext("consultations"),
        "coverage": gettext("three-enters coverage (%)"),
        "members": gettext("members"),
        "points_per_member": gettext("points per member"),
    }
    trend, side = data["trend"], data["districts"]
    return render(
        request,
        "assessments/dashboard.html",
        {
            "committee": get_object_or_404(Committee, pk=committee_id),
            "year": year,
            "data": data,
            "committees": _committees(request),
            "has_districts": bool(data["districts"]["labels"]),
            # the charts' numbers as tables (without JavaScript, for screen readers), each count a link to its rows
            "quarters": list(
                zip(
                    trend["quarters"],
                    trend["quarter_numbers"],
                    trend["points"],
                    trend["members"],
                    trend["covered"],
                    trend["coverage"],
                    trend["rolled_up_at"],
                    strict=True,
                )
            ),
            # the trend chart's lines: each quarter's duty events summed over the members, each a link to the events
            # (a quarter changed since its roll-up: counted now, as the lists behind them are; ``stale``)
            "events": [
                (label, q, at, stale, list(zip(selectors.EVENT_TREND, counts, strict=True)))
                for label, q, at, stale, *counts in zip(
                    trend["quarters"],
                    trend["quarter_numbers"],
                    trend["rolled_up_at"],
                    trend["stale"],
                    *(trend[key] for key in ("activities", "proposals", "reports", "consultations")),
                    strict=True,
                )
            ],
            "events_url": reverse("assessments:dashboard_events"),
            "buckets": list(
                enumerate(zip(data["distribution"]["labels"], data["distribution"]["members"], strict=True))
            ),
            "ranking": list(zip(data["ranking"]["labels"], data["ranking"]["points"], strict=True)),
            "districts": list(
                zip(
                    side["labels"],
                    side["committee_ids"],
                    side["quarters"],
                    side["points_per_member"],
                    side["covered"],
                    side["members"],
                    side["coverage"],
                    side["rolled_up_at"],
                    strict=True,
                )
            ),
            "members_url": reverse("assessments:dashboard_members"),
        },
    )


@login_required
def dashboard_members(request):
    """The members behind one of the dashboard's counts: a quarter's roll-up (``quarter``), those covered
    (``covered=1``) or those in a band of ten points (``bucket``), each linking to their duty record."""
    committee_id, year = _committee_year(request)
    quarter = as_int(request.GET.get("quarter"), 0, low=0, high=4)
    bucket = request.GET.get("bucket", "")
    rows = selectors.dashboard_members(
        committee_id,
        year,
        quarter,
        covered=request.GET.get("covered") == "1",
        bucket=as_int(bucket, 0, low=0, high=selectors.BUCKETS - 1) if bucket else None,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/dashboard_members.html",
        {
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "year": year,
            "quarter": quarter,
            "committee_id": committee_id,
            "can_open": Role.STAFF in scope_of(request.user).roles,
        },
    )


@login_required
def dashboard_groups(request):
    """The groups behind a roll-up's count of groups (``quarter``): the group snapshots it wrote."""
    committee_id, year = _committee_year(request)
    quarter = as_int(request.GET.get("quarter"), 0, low=0, high=4)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/dashboard_groups.html",
        {
            "page_obj": Paginator(selectors.dashboard_groups(committee_id, year, quarter), 50).get_page(
                request.GET.get("page")
            ),
            "query": query.urlencode(),
            "year": year,
            "quarter": quarter,
            "committee_id": committee_id,
            "roll_up": selectors.quarter_roll_up(committee_id, year, quarter),
        },
    )


@login_required
def dashboard_events(request):
    """The duty events behind a quarter's summed figure (activities attended, 三进, proposals, reports,
    consultations: ``selectors.EVENT_FIGURES``): one row per event, with its member and source, newest first, 50 a
    page by keyset (``after=`` / ``before=``), and how many there are (the roll-up's figure while it stands)."""
    from django.http import Http404

    from .kinds import kind_label
    from .rollup import FIGURES
    from .sources import SOURCE_PAGES, event_source

    committee_id, year = _committee_year(request)
    quarter = as_int(request.GET.get("quarter"), 0, low=0, high=4)
    figure = request.GET.get("figure", "")
    if not quarter or figure not in selectors.EVENT_FIGURES:
        raise Http404
    page = selectors.figure_events_page(
        committee_id, year, quarter, figure, after=request.GET.get("after"), before=request.GET.get("before")
    )
    roll_up = selectors.quarter_roll_up(committee_id, year, quarter, figure=figure)
    names = dict(Member.objects.filter(pk__in={row[0] for row in page.rows}).values_list("pk", "name"))
    rows = []
    for m, k, d, _q, _a, s, p, t, _r in page.rows:
        label, pk, title = event_source(s, p, t)
        source_page = SOURCE_PAGES.get(label)
        rows.append(
            {
                "member_id": m,
                "member": names.get(m, ""),
                "kind": kind_label(k),
                "day": d,
                "title": title,
                "url": reverse(source_page, args=[pk]) if source_page else "",
            }
        )
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(
        request,
        "assessments/dashboard_events.html",
        {
            "page": page,
            "total": selectors.figure_total(committee_id, year, quarter, figure, roll_up),
            "rows": rows,
            "query": query.urlencode(),
            "year": year,
            "quarter": quarter,
            "figure": kind_label(str(FIGURES[figure])),
            "roll_up": roll_up,
            "committee_id": committee_id,
            "can_open": Role.STAFF in scope_of(request.user).roles,
        },
    )


@login_required
def rollup_status(request, pk: int):
    """A roll-up run's progress as JSON, polled by the admin's progress page; staff of the run's committee only."""
    from django.http import JsonResponse

    from . import progress
    from .models import RollupRun

    run = get_object_or_404(RollupRun.objects.administered_by(request.user).select_related("committee"), pk=pk)
    response = JsonResponse(progress.status(run))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def unit_sheets(request):
    """The handling units' yearly evaluation 承办单位年度考评表 for staff and leaders of the committee: one row per
    unit; ``?export=xlsx``: the workbook (a summary sheet and one sheet per unit), audited."""
    from .unit_sheet import unit_sheets as sheets_of

    committee_id, year = _committee_year(request)
    if request.GET.get("export") == "xlsx":
        from core.export_jobs import respond

        from .exports import UNIT_SHEETS

        return respond(request, UNIT_SHEETS, {"committee": committee_id, "year": year})
    sheets = sheets_of(committee_id, year)
    for row in sheets:
        _with_rates(row)
    from groups.models import Committee

    return render(
        request,
        "assessments/unit_sheets.html",
        {
            "committee": get_object_or_404(Committee, pk=committee_id),
            "year": year,
            "sheets": sheets,
            "base": f"year={year}",
            "committees": _committees(request),
        },
    )


def _with_rates(row):
    from .unit_sheet import rate

    row.on_time_rate = rate(row.on_time, row.replied)
    row.satisfied = row.rated_satisfied + row.rated_basic
    row.satisfaction_rate = rate(row.satisfied, row.rated)
    row.outcomes_on_time_rate = rate(row.outcomes_on_time, row.outcomes_replied)
    return row


def _sheet_unit(request, pk: int):
    """The unit whose sheet is asked for: 403 for users who read no unit's sheet, 404 for a unit out of reach (another
    unit's, another committee's)."""
    from .unit_sheet import readable_units

    if not {Role.STAFF, Role.LEADER, Role.UNIT} & set(scope_of(request.user).roles):
        raise PermissionDenied
    return get_object_or_404(readable_units(request.user).select_related("committee"), pk=pk)


def _sheet_year(request) -> int:
    return as_int(request.GET.get("year"), timezone.localdate().year, low=2000, high=2100)


@login_required
def my_unit_sheet(request):
    """A handling unit's user: their unit's yearly evaluation (the first of their units; the page lists the others)."""
    scope = scope_of(request.user)
    if not scope.unit_ids:
        raise PermissionDenied
    from django.shortcuts import redirect

    url = reverse("assessments:unit_sheet", args=[min(scope.unit_ids)])
    return redirect(f"{url}?year={_sheet_year(request)}")


@login_required
def unit_sheet(request, pk: int):
    """One unit's yearly evaluation 承办单位年度考评表, phone-sized: for the unit's own users and the staff and leaders
    of its committee; each figure links to its rows; ``?export=xlsx``: the unit's workbook, audited."""
    from groups.models import HandlingUnit

    from .unit_sheet import unit_sheets as sheets_of

    unit = _sheet_unit(request, pk)
    year = _sheet_year(request)
    (sheet,) = sheets_of(unit.committee_id, year, unit_ids=[unit.pk])
    if request.GET.get("export") == "xlsx":
        from .excel import unit_sheet_workbook

        content = unit_sheet_workbook([sheet], unit.committee.name, year)
        record_export(request, f"handling unit evaluation {unit.committee_id} {year} unit {unit.pk}", 1)
        return xlsx_download(content, export_filename(_("Handling unit yearly evaluation"), unit.name, year))
    scope = scope_of(request.user)
    return render(
        request,
        "assessments/unit_sheet.html",
        {
            "unit": unit,
            "year": year,
            "row": _with_rates(sheet),
            "base": f"year={year}",
            "own_units": HandlingUnit.objects.filter(pk__in=scope.unit_ids).order_by("name")
            if len(scope.unit_ids) > 1
            else [],
            "is_overseer": scope.can_read_committee(unit.committee_id),
        },
    )


@login_required
def unit_sheet_rows(request, pk: int):
    """The proposals or consultation outcomes behind one figure of a unit's sheet (``?year=&figure=``): the same
    filter as the count, so the list always holds as many rows as the figure says."""
    from django.http import Http404

    from .excel import unit_sheet_labels
    from .unit_sheet import figure_rows

    unit = _sheet_unit(request, pk)
    year = _sheet_year(request)
    figure = request.GET.get("figure", "")
    rows = figure_rows(unit.committee_id, year, unit.pk, figure)
    if rows is None:
        raise Http404
    is_outcome = figure.startswith("outcomes")
    if is_outcome:
        rows = rows.select_related("session").order_by("session__starts_at", "pk")
    else:
        rows = rows.order_by("serial_number", "pk")
    labels = dict(unit_sheet_labels())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/unit_sheet_rows.html",
        {
            "unit": unit,
            "year": year,
            "figure": figure,
            "label": labels.get(figure, ""),
            "is_outcome": is_outcome,
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )

"""Pages of the assessments app: a member's duty record 履职档案."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.access import scope_of
from groups.models import Member

from . import selectors
from .kinds import EventKind, Role
from .sources import source_url


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Whole year")), (1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))],
    )


def _period(request) -> tuple[int, int | None, PeriodForm]:
    form = PeriodForm(request.GET or None)
    year, quarter = timezone.localdate().year, None
    if form.is_bound and form.is_valid():
        year, quarter = form.cleaned_data["year"] or year, form.cleaned_data["quarter"]
    return year, quarter, form


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def _rows(lines) -> list[dict]:
    return [{"date": line.event.on, "label": _label(EventKind, line.event.kind), "title": line.event.title,
             "role": _label(Role, line.event.role) if line.event.role else "", "points": line.points,
             "category": line.category, "priced": line.rule_kind is not None, "url": source_url(line.event.source)}
            for line in lines]


def _render(request, member: Member, access: selectors.Access, *, as_pdf: bool = False):
    from .pdf import duty_record_pdf

    year, quarter, form = _period(request)
    record = selectors.duty_record(member, year, quarter)
    missing = [{"label": _label(EventKind, m.kind), "required": m.required, "actual": m.actual}
               for m in record.breakdown.missing]
    rows = _rows(record.lines) if access is selectors.Access.FULL else None
    if as_pdf:
        response = HttpResponse(duty_record_pdf(record, rows, missing), content_type="application/pdf")
        suffix = f"-q{quarter}" if quarter else ""
        response["Content-Disposition"] = f'attachment; filename="duty-record-{member.pk}-{year}{suffix}.pdf"'
        return response
    context = {"member": member, "record": record, "b": record.breakdown, "form": form, "missing": missing,
               "rows": rows, "is_own": member.pk == scope_of(request.user).member_id,
               "pdf_query": request.GET.urlencode()}
    return render(request, "assessments/duty_record.html", context)


@login_required
def my_record(request, as_pdf: bool = False):
    """The signed-in member's own duty record (page or PDF)."""
    member_id = scope_of(request.user).member_id
    if member_id is None:
        raise PermissionDenied
    member = get_object_or_404(Member.objects.select_related("committee"), pk=member_id)
    return _render(request, member, selectors.Access.FULL, as_pdf=as_pdf)


@login_required
def member_record(request, member_id: int, as_pdf: bool = False):
    """A member's record for staff of the committee (in full) or a convener of their group (summary)."""
    member = get_object_or_404(Member.objects.select_related("committee"), pk=member_id)
    access = selectors.record_access(request.user, member)
    if access is None:
        raise PermissionDenied
    return _render(request, member, access, as_pdf=as_pdf)


class AssessmentExportForm(forms.Form):
    committee = forms.IntegerField()
    year = forms.IntegerField(min_value=2000, max_value=2100)


@login_required
def assessment_export(request):
    """The annual assessment as an Excel workbook, for staff and leaders of the committee."""
    from .excel import assessment_workbook

    form = AssessmentExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(status=400)
    committee, year = form.cleaned_data["committee"], form.cleaned_data["year"]
    if not scope_of(request.user).can_read_committee(committee):
        raise PermissionDenied
    response = HttpResponse(assessment_workbook(selectors.assessment_rows(committee, year)),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="assessment-{committee}-{year}.xlsx"'
    return response

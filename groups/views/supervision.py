"""Supervision groups, inspections and work reports (``groups.models.supervision``): one page with a tab each,
the detail pages where the next person acts (the unit answers a visit, the group accounts for an inspection, the
liaison leader answers a report), and the forms. Every list is what ``visible_to`` lets the user see."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import StyledForm, call_service
from core.widgets import SearchSelect, SearchSelectMultiple
from groups.access import scope_of
from groups.models import (
    ActivityGroup,
    Committee,
    HandlingUnit,
    Inspection,
    Member,
    Platform,
    SupervisionGroup,
    SupervisionVisit,
    WorkReport,
)
from groups.services import supervision as svc

PAGE_SIZE = 20
TABS = ("groups", "inspections", "reports")


class SupervisionGroupForm(StyledForm):
    committee = forms.ModelChoiceField(label=gettext_lazy("Committee"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Name of the group"), max_length=100)
    unit = forms.ModelChoiceField(label=gettext_lazy("Stationed at"), queryset=None)
    focus = forms.CharField(
        label=gettext_lazy("What it supervises"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Stationed from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Stationed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Members"), queryset=None, widget=SearchSelectMultiple(search="members")
    )
    leader = forms.ModelChoiceField(
        label=gettext_lazy("Group leader"), queryset=None, required=False, widget=SearchSelect(search="members")
    )

    def __init__(self, *args, committee_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(pk__in=committee_ids)
        if len(committee_ids) == 1:
            self.fields["committee"].initial = next(iter(committee_ids))
        self.fields["unit"].queryset = HandlingUnit.objects.filter(committee_id__in=committee_ids, is_active=True)
        members = Member.objects.filter(committee_id__in=committee_ids).order_by("name", "pk")
        self.fields["members"].queryset = members
        self.fields["leader"].queryset = members

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "committee_id": d["committee"].pk,
            "name": d["name"],
            "unit_id": d["unit"].pk,
            "focus": d["focus"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "member_ids": [m.pk for m in d["members"]],
            "leader_id": d["leader"].pk if d["leader"] else None,
        }


class VisitForm(StyledForm):
    visited_on = forms.DateField(
        label=gettext_lazy("Date of visit"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    participants = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Members taking part"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    findings = forms.CharField(
        label=gettext_lazy("What was found"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    suggestions = forms.CharField(
        label=gettext_lazy("What the group suggests"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, group: SupervisionGroup, own_member_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = group.members.order_by("name", "pk")
        self.fields["participants"].initial = [own_member_id] if own_member_id else []
        self.fields["visited_on"].initial = timezone.localdate()


class AnswerForm(StyledForm):
    response = forms.CharField(
        label=gettext_lazy("The unit's answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class InspectionForm(StyledForm):
    group = forms.ModelChoiceField(
        label=gettext_lazy("Activity group inspected"),
        queryset=None,
        required=False,
        widget=SearchSelect(search="groups"),
    )
    platform = forms.ModelChoiceField(label=gettext_lazy("or the platform inspected"), queryset=None, required=False)
    inspected_on = forms.DateField(
        label=gettext_lazy("Date of inspection"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    inspectors = forms.CharField(label=gettext_lazy("Inspected by"), max_length=200)
    findings = forms.CharField(
        label=gettext_lazy("Findings"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    required_actions = forms.CharField(
        label=gettext_lazy("What must be put right"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_due = forms.DateField(
        label=gettext_lazy("Put right by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, committee_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ActivityGroup.objects.filter(committee_id__in=committee_ids, is_active=True)
        self.fields["platform"].queryset = Platform.objects.filter(committee_id__in=committee_ids, is_active=True)
        self.fields["inspected_on"].initial = timezone.localdate()


class AccountForm(StyledForm):
    follow_up = forms.CharField(
        label=gettext_lazy("What was put right"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReportForm(StyledForm):
    group = forms.ModelChoiceField(
        label=gettext_lazy("Activity group"), queryset=None, widget=SearchSelect(search="groups")
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    half = forms.TypedChoiceField(label=gettext_lazy("Half-year"), choices=WorkReport.Half.choices, coerce=int)
    summary = forms.CharField(
        label=gettext_lazy("Work done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    plans = forms.CharField(
        label=gettext_lazy("Plans for the next half-year"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        if groups.count() == 1:
            self.fields["group"].initial = groups.first()
        year, half = svc.current_half()
        self.fields["year"].initial, self.fields["half"].initial = year, half


class CommentForm(StyledForm):
    comment = forms.CharField(
        label=gettext_lazy("The leader's answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


def _reportable_groups(user):
    return ActivityGroup.objects.editable_by(user).filter(is_active=True).order_by("name")


def _may_inspect(user) -> bool:
    scope = scope_of(user)
    return bool(scope.is_superuser or scope.staff_committee_ids or scope.leader_committee_ids)


@login_required
def supervision(request):
    """The three lists, one tab each; a user with none of them sees empty tabs and no forms."""
    scope = scope_of(request.user)
    tab = request.GET.get("tab")
    if tab not in TABS:
        tab = "reports" if scope.convened_group_ids and not scope.staff_committee_ids else "groups"
    if tab == "groups":
        rows = (
            SupervisionGroup.objects.visible_to(request.user)
            .select_related("unit", "leader")
            .order_by("-starts_on", "name")
        )
    elif tab == "inspections":
        rows = (
            Inspection.objects.visible_to(request.user)
            .select_related("group", "platform")
            .order_by("state", "-inspected_on", "-id")
        )
    else:
        rows = WorkReport.objects.visible_to(request.user).select_related("group").order_by("-year", "-half", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "groups/supervision/index.html",
        {
            "tab": tab,
            "page_obj": page,
            "rows": page.object_list,
            "query": f"tab={tab}",
            "may_inspect": _may_inspect(request.user),
            "may_report": _reportable_groups(request.user).exists(),
            "may_set_up": bool(scope.staff_committee_ids or scope.is_superuser),
        },
    )


@login_required
def supervision_group_edit(request, pk: int | None = None):
    """Staff set up (or change) a supervision group of their committee."""
    scope = scope_of(request.user)
    committee_ids = (
        scope.staff_committee_ids if not scope.is_superuser else set(Committee.objects.values_list("pk", flat=True))
    )
    if not committee_ids:
        raise PermissionDenied
    group = None
    initial = {}
    if pk is not None:
        group = get_object_or_404(SupervisionGroup.objects.filter(committee_id__in=committee_ids), pk=pk)
        initial = {
            "committee": group.committee_id,
            "name": group.name,
            "unit": group.unit_id,
            "focus": group.focus,
            "starts_on": group.starts_on,
            "ends_on": group.ends_on,
            "leader": group.leader_id,
            "members": list(group.members.values_list("pk", flat=True)),
        }
    form = SupervisionGroupForm(request.POST or None, initial=initial, committee_ids=committee_ids)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: svc.supervision_group_save(
                actor=request.user, group_id=group.pk if group else None, **form.service_fields()
            ),
        )
        if saved is not None:
            messages.success(request, _("The supervision group is saved."))
            return redirect("groups:supervision_group", pk=saved.pk)
    return render(request, "groups/supervision/group_form.html", {"form": form, "group": group})


@login_required
def supervision_group(request, pk: int):
    group = get_object_or_404(SupervisionGroup.objects.visible_to(request.user).select_related("unit", "leader"), pk=pk)
    scope = scope_of(request.user)
    may_record = scope.is_staff_of(group.committee_id) or (
        scope.member_id is not None and group.members.filter(pk=scope.member_id).exists()
    )
    form = VisitForm(request.POST or None, group=group, own_member_id=scope.member_id) if may_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            done = call_service(
                form,
                lambda: svc.supervision_visit_record(
                    actor=request.user,
                    group_id=group.pk,
                    visited_on=data["visited_on"],
                    findings=data["findings"],
                    suggestions=data["suggestions"],
                    participant_ids=[m.pk for m in data["participants"]],
                ),
            )
            if done is not None:
                messages.success(request, _("The visit is recorded; the unit has been told to answer."))
                return redirect("groups:supervision_group", pk=group.pk)
    visits = Paginator(
        group.visits.prefetch_related("participants").order_by("-visited_on", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "groups/supervision/group.html",
        {
            "group": group,
            "members": group.members.order_by("name"),
            "visits": visits.object_list,
            "page_obj": visits,
            "form": form,
            "may_answer": group.unit_id in scope.unit_ids,
            "may_edit": scope.is_staff_of(group.committee_id),
        },
    )


@login_required
@require_POST
def supervision_visit_answer(request, pk: int):
    visit = get_object_or_404(
        SupervisionVisit.objects.select_related("group"),
        pk=pk,
        group__in=SupervisionGroup.objects.visible_to(request.user),
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            lambda: svc.supervision_visit_answer(
                actor=request.user, visit_id=visit.pk, response=form.cleaned_data["response"]
            ),
        )
        if done is not None:
            messages.success(request, _("Your answer is sent to the group."))
            return redirect("groups:supervision_group", pk=visit.group_id)
    return render(request, "groups/supervision/answer.html", {"visit": visit, "form": form})


@login_required
def inspection_new(request):
    if not _may_inspect(request.user):
        raise PermissionDenied
    scope = scope_of(request.user)
    committee_ids = scope.staff_committee_ids | scope.leader_committee_ids
    form = InspectionForm(request.POST or None, committee_ids=committee_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["group"] or data["platform"]
        inspection = call_service(
            form,
            lambda: svc.inspection_record(
                actor=request.user,
                committee_id=target.committee_id if target else next(iter(committee_ids), 0),
                group_id=data["group"].pk if data["group"] else None,
                platform_id=data["platform"].pk if data["platform"] else None,
                inspected_on=data["inspected_on"],
                inspectors=data["inspectors"],
                findings=data["findings"],
                required_actions=data["required_actions"],
                follow_up_due=data["follow_up_due"],
            ),
        )
        if inspection is not None:
            messages.success(request, _("The inspection is recorded."))
            return redirect("groups:inspection", pk=inspection.pk)
    return render(request, "groups/supervision/inspection_form.html", {"form": form})


@login_required
def inspection(request, pk: int):
    item = get_object_or_404(Inspection.objects.visible_to(request.user).select_related("group", "platform"), pk=pk)
    scope = scope_of(request.user)
    may_account = item.state == Inspection.State.OPEN and (
        scope.is_staff_of(item.committee_id) or item.responsible_group_id in scope.convened_group_ids
    )
    form = AccountForm(request.POST or None) if may_account else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            done = call_service(
                form,
                lambda: svc.inspection_account(
                    actor=request.user, inspection_id=item.pk, follow_up=form.cleaned_data["follow_up"]
                ),
            )
            if done is not None:
                messages.success(request, _("Your account is recorded and the inspection is closed."))
                return redirect("groups:inspection", pk=item.pk)
    return render(request, "groups/supervision/inspection.html", {"item": item, "form": form})


@login_required
def work_report_new(request):
    groups = _reportable_groups(request.user)
    if not groups.exists():
        raise PermissionDenied
    form = ReportForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = call_service(
            form,
            lambda: svc.work_report_submit(
                actor=request.user,
                group_id=data["group"].pk,
                year=data["year"],
                half=data["half"],
                summary=data["summary"],
                plans=data["plans"],
            ),
        )
        if report is not None:
            messages.success(request, _("The report is sent to the group's liaison leader."))
            return redirect("groups:work_report", pk=report.pk)
    return render(request, "groups/supervision/report_form.html", {"form": form})


@login_required
def work_report(request, pk: int):
    report = get_object_or_404(
        WorkReport.objects.visible_to(request.user).select_related(
            "group__liaison_leader", "submitted_by", "commented_by"
        ),
        pk=pk,
    )
    form = (
        CommentForm(request.POST or None, initial={"comment": report.comment})
        if svc.may_answer_report(request.user, report)
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            done = call_service(
                form,
                lambda: svc.work_report_answer(
                    actor=request.user, report_id=report.pk, comment=form.cleaned_data["comment"]
                ),
            )
            if done is not None:
                messages.success(request, _("Your answer is sent to the group's conveners."))
                return redirect("groups:work_report", pk=report.pk)
    return render(request, "groups/supervision/report.html", {"report": report, "form": form})

"""Duty platforms 履职平台: the list, the platform's page for a year (members with roles, state, plan, activities,
the six haves 六有 with their evidence, evaluations) and the forms: staff establish, wind up, evaluate, name and
remove members; the initiator (or staff) write the plan and upload evidence; a member may leave. Every write goes
through ``groups.services.platforms``; the pages show what ``Platform.objects.visible_to`` lets the user see."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.selectors import platforms as sel
from core.files import stored_response
from core.forms import StyledForm, call_service
from core.parsing import as_int
from core.uploads import IMAGES
from core.widgets import SearchSelect
from groups.access import scope_of
from groups.models import Member, Platform
from groups.models.platforms import PlatformDocument, PlatformEvaluation, PlatformMembership
from groups.services import platforms as svc

PAGE_SIZE = 30
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class EstablishForm(StyledForm):
    established_on = forms.DateField(label=gettext_lazy("established on"), **DATE)
    approval_document = forms.CharField(
        label=gettext_lazy("approval document"), max_length=200, help_text=gettext_lazy("e.g. 东政办〔2026〕12号")
    )


class WindUpForm(StyledForm):
    wound_up_on = forms.DateField(label=gettext_lazy("wound up on"), **DATE)
    reason = forms.CharField(
        label=gettext_lazy("reason for winding up"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvaluationForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=gettext_lazy("grade"), choices=PlatformEvaluation.Grade.choices)
    score = forms.IntegerField(label=gettext_lazy("score"), min_value=0, max_value=100, required=False)
    comments = forms.CharField(
        label=gettext_lazy("comments"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class MemberForm(StyledForm):
    member = forms.ModelChoiceField(
        label=gettext_lazy("member"), queryset=Member.objects.none(), widget=SearchSelect(search="members")
    )
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=PlatformMembership.Role.choices)
    joined_on = forms.DateField(label=gettext_lazy("joined on"), **DATE)

    def __init__(self, *args, platform: Platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            committee_id=platform.committee_id, status=Member.Status.ACTIVE
        ).order_by("name", "pk")
        self.fields["member"].widget.search_query = {"committee": platform.committee_id, "active": "1"}


class LeaveForm(StyledForm):
    left_on = forms.DateField(label=gettext_lazy("left on"), **DATE)
    reason = forms.CharField(label=gettext_lazy("reason for leaving"), max_length=200, required=False)


class PlanForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100)
    planned_activities = forms.IntegerField(
        label=gettext_lazy("activities planned"), min_value=0, max_value=365, initial=0
    )
    content = forms.CharField(
        label=gettext_lazy("what it intends"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6})
    )


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=PlatformDocument.Kind.choices)
    file = forms.FileField(label=gettext_lazy("file"))
    caption = forms.CharField(label=gettext_lazy("caption"), max_length=200, required=False)


def _platform(request, pk: int) -> Platform:
    return get_object_or_404(Platform.objects.visible_to(request.user).select_related("committee", "host_group"), pk=pk)


def _year(request) -> int:
    today = timezone.localdate().year
    year = as_int(request.GET.get("year"), default=today)
    return year if 2000 <= year <= today + 1 else today


@login_required
def platform_list(request):
    rows = (
        Platform.objects.visible_to(request.user)
        .select_related("committee")
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("committee_id", "state", "level", "name")
    )
    state = request.GET.get("state")
    if state in Platform.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/platforms/list.html",
        {"page_obj": page, "rows": page.object_list, "state": state, "states": Platform.State.choices},
    )


@login_required
def my_platforms(request):
    """A member's platforms on a phone: their role, the state, this year's plan and the next activities at each."""
    member_id = scope_of(request.user).member_id
    if member_id is None:
        raise PermissionDenied
    rows = sel.my_platforms(request.user, member_id, now=timezone.now())
    return render(request, "activities/platforms/mine.html", {"rows": rows, "year": timezone.localdate().year})


@login_required
def platform_detail(request, pk: int):
    platform = _platform(request, pk)
    year = _year(request)
    data = sel.platform_page(platform, year)
    administer = sel.may_administer(request.user, platform)
    keeper = administer or sel.is_initiator(request.user, data.memberships)
    own_member_id = scope_of(request.user).member_id
    running = platform.state != Platform.State.WOUND_UP
    return render(
        request,
        "activities/platforms/detail.html",
        {
            "platform": platform,
            "page": data,
            "year": year,
            "years": [year - 1, year, year + 1] if year < timezone.localdate().year else [year - 1, year],
            "administer": administer,
            "keeper": keeper and running,
            "running": running,
            "own_member_id": own_member_id,
        },
    )


def _form_page(
    request, platform, form, *, title: str, service: Callable[[dict], object], done: str, multipart: bool = False
):
    """A platform's form page: on a valid post ``service(cleaned_data)``, then back to the platform."""
    if request.method == "POST" and form.is_valid():
        saved = call_service(form, lambda: service(form.cleaned_data))
        if saved is not None:
            messages.success(request, done)
            return redirect("activities:platform", pk=platform.pk)
    return render(
        request,
        "activities/platforms/form.html",
        {"platform": platform, "form": form, "title": title, "multipart": multipart},
    )


def _administered(request, pk: int) -> Platform:
    platform = _platform(request, pk)
    if not sel.may_administer(request.user, platform):
        raise PermissionDenied
    return platform


def _transition_page(request, pk: int, form_class: type[forms.Form], *, dated: str, action: str, service, done: str):
    """Establish or wind up: the form's fields are the service's, dated today unless changed, with the state the
    page showed (a platform moved meanwhile is refused)."""
    platform = _administered(request, pk)
    form = form_class(request.POST or None, initial={dated: timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: service(
                actor=request.user,
                platform_id=platform.pk,
                expected_state=request.POST.get("expected_state") or None,
                **form.cleaned_data,
            ),
        )
        if saved is not None:
            messages.success(request, done)
            return redirect("activities:platform", pk=platform.pk)
    return render(request, "activities/platforms/transition.html", {"platform": platform, "form": form, "verb": action})


@login_required
def platform_establish(request, pk: int):
    return _transition_page(
        request,
        pk,
        EstablishForm,
        dated="established_on",
        action="establish",
        service=svc.platform_establish,
        done=_("The platform is established."),
    )


@login_required
def platform_wind_up(request, pk: int):
    return _transition_page(
        request,
        pk,
        WindUpForm,
        dated="wound_up_on",
        action="wind_up",
        service=svc.platform_wind_up,
        done=_("The platform is wound up."),
    )


def _for_year(request, rows, fields: tuple[str, ...]) -> dict:
    """A yearly form's initial values: the year asked (``?year=``) and, if the platform has that year's row
    already, its ``fields``."""
    year = _year(request)
    current = rows.filter(year=year).first()
    return {"year": year, **({name: getattr(current, name) for name in fields} if current else {})}


@login_required
def platform_evaluate(request, pk: int):
    platform = _administered(request, pk)
    initial = _for_year(request, platform.evaluations, ("grade", "score", "comments"))
    return _form_page(
        request,
        platform,
        EvaluationForm(request.POST or None, initial=initial),
        title=_("Evaluate the platform's year"),
        done=_("The evaluation is saved."),
        service=lambda d: svc.platform_evaluate(actor=request.user, platform_id=platform.pk, **d),
    )


@login_required
def platform_member_add(request, pk: int):
    platform = _administered(request, pk)
    form = MemberForm(request.POST or None, platform=platform, initial={"joined_on": timezone.localdate()})
    return _form_page(
        request,
        platform,
        form,
        title=_("Add a member to the platform"),
        done=_("The member is added to the platform."),
        service=lambda d: svc.platform_member_add(
            actor=request.user,
            platform_id=platform.pk,
            member_id=d["member"].pk,
            role=d["role"],
            joined_on=d["joined_on"],
        ),
    )


@login_required
def platform_member_leave(request, pk: int):
    membership = get_object_or_404(
        PlatformMembership.objects.visible_to(request.user).select_related("platform", "member"), pk=pk
    )
    platform = membership.platform
    own = scope_of(request.user).member_id == membership.member_id
    if not (own or sel.may_administer(request.user, platform)) or membership.left_on is not None:
        raise PermissionDenied
    form = LeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    return _form_page(
        request,
        platform,
        form,
        title=_("%(member)s leaves the platform") % {"member": membership.member.name},
        done=_("The member has left the platform."),
        service=lambda d: svc.platform_member_leave(actor=request.user, membership_id=membership.pk, **d),
    )


def _kept(request, pk: int) -> Platform:
    """A platform whose plan and evidence the user keeps: its initiator, or the committee's staff."""
    platform = _platform(request, pk)
    if platform.state == Platform.State.WOUND_UP or not (
        sel.may_administer(request.user, platform) or svc.is_initiator(request.user, platform)
    ):
        raise PermissionDenied
    return platform


@login_required
def platform_plan(request, pk: int):
    platform = _kept(request, pk)
    initial = _for_year(request, platform.plans, ("planned_activities", "content"))
    return _form_page(
        request,
        platform,
        PlanForm(request.POST or None, initial=initial),
        title=_("The platform's plan for the year"),
        done=_("The plan is saved."),
        service=lambda d: svc.platform_plan_save(actor=request.user, platform_id=platform.pk, **d),
    )


@login_required
def platform_document_new(request, pk: int):
    platform = _kept(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    return _form_page(
        request,
        platform,
        form,
        title=_("Keep evidence with the platform"),
        done=_("The file is kept with the platform."),
        multipart=True,
        service=lambda d: svc.platform_document_upload(
            actor=request.user, platform_id=platform.pk, kind=d["kind"], upload=d["file"], caption=d["caption"]
        ),
    )


@login_required
def platform_document(request, pk: int):
    """A platform's photo or document, streamed to whoever may see the platform."""
    document = get_object_or_404(
        PlatformDocument.objects.filter(platform__in=Platform.objects.visible_to(request.user)), pk=pk
    )
    content_type = document.content_type or mimetypes.guess_type(document.file.name)[0] or "application/octet-stream"
    response = stored_response(
        document.file,
        content_type=content_type,
        as_attachment=content_type not in IMAGES,
        filename=document.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""Open activities and sign-up on the member's phone, the member's areas of expertise, and the organiser's invite
of a suggested member. Views find the record among those the user sees (403 otherwise) and call one service,
which decides whether this user may act."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from activities.models import Activity
from activities.selectors import signup as sel
from activities.services import activities as activity_svc
from activities.services import signup as svc
from activities.views.activities import _back, _get_or_403
from core.forms import run_button
from core.parsing import as_bool, as_id
from groups.access import Role, scope_of
from groups.models import Expertise, Member
from groups.services import expertise as expertise_services

PAGE_SIZE = 20


def _own_member(request) -> Member:
    scope = scope_of(request.user)
    if Role.MEMBER not in scope.roles:
        raise PermissionDenied
    return Member.objects.get(pk=scope.member_id)


@login_required
def open_activities(request):
    """The activities a member may sign up for 开放报名的活动, soonest first; filters by type, title, free places."""
    member = _own_member(request)
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:100]
    only_free = as_bool(request.GET.get("free"))
    rows = sel.open_activities(member, kind=kind, q=q, only_free=only_free)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/open_activities.html",
        {
            "page_obj": page,
            "activities": page.object_list,
            "kinds": Activity.Kind.choices,
            "kind": kind,
            "q": q,
            "free": only_free,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def sign_up(request, pk: int):
    activity = _get_or_403(Activity.objects.visible_to(request.user), pk=pk)
    run_button(
        request,
        lambda: svc.activity_sign_up(activity_id=activity.pk, actor=request.user),
        _("You are signed up. The activity is now among your activities."),
    )
    return _back(request)


@login_required
@require_POST
def sign_up_withdraw(request, pk: int):
    activity = _get_or_403(Activity.objects.visible_to(request.user), pk=pk)
    run_button(
        request,
        lambda: svc.activity_signup_withdraw(activity_id=activity.pk, actor=request.user),
        _("Your sign-up is withdrawn."),
    )
    return _back(request)


@login_required
@require_POST
def invite_member(request, pk: int):
    """The organiser invites one suggested member (``member``), as invitations are made today."""
    activity = _get_or_403(Activity.objects.visible_to(request.user), pk=pk)
    member_id = as_id(request.POST.get("member"))
    if member_id is None:
        messages.error(request, _("Choose a member to invite."))
    else:
        run_button(
            request,
            lambda: activity_svc.activity_invite(activity_id=activity.pk, actor=request.user, member_ids=[member_id]),
            _("The member is invited."),
        )
    # back to the suggestions, shown again (the page ranks them when asked: activities.views.activities)
    return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "?suggestions=1#suggestions")


class ExpertiseForm(forms.Form):
    expertise = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Areas of expertise"),
        queryset=Expertise.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].queryset = Expertise.objects.filter(
            committee_id=member.committee_id, is_active=True
        ).order_by("order", "name")


@login_required
def my_expertise(request):
    """The member declares their areas of expertise 专长 from their committee's list."""
    member = _own_member(request)
    form = ExpertiseForm(
        request.POST or None, member=member, initial={"expertise": list(member.expertise.values_list("pk", flat=True))}
    )
    if request.method == "POST" and form.is_valid():
        expertise_ids = [e.pk for e in form.cleaned_data["expertise"]]
        if run_button(
            request,
            lambda: expertise_services.member_expertise_set(
                member_id=member.pk, actor=request.user, expertise_ids=expertise_ids
            ),
            _("Your areas of expertise are saved."),
        ):
            return redirect("activities:my_expertise")
    return render(request, "activities/my_expertise.html", {"form": form, "member": member})

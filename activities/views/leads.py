"""Leads 线索 pages: staff and conveners pool what residents raised (messages, contacts, activity suggestions) into a
lead, see it with what it became, and turn it into a proposal draft, a report draft or a consultation topic (those
forms post to the proposals and consultations apps, which keep the records) or close it. Phone-first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.forms import LeadCloseForm, LeadForm, LeadWriterForm, SuggestionForm
from activities.models import Activity, Lead
from activities.services import leads as svc
from core.exceptions import NotPermitted
from core.forms import call_service, run_button
from core.parsing import as_id
from groups.access import Role, scope_of
from groups.models import ActivityGroup, Member

PAGE_SIZE = 20
READERS = {Role.STAFF, Role.LEADER, Role.CONVENER}
KEEPERS = {Role.STAFF, Role.CONVENER}


def _roles(request, allowed) -> None:
    if not allowed & set(scope_of(request.user).roles):
        raise PermissionDenied


def _ids(request, name: str) -> list[int]:
    return [i for i in (as_id(v) for v in request.POST.getlist(name) or request.GET.getlist(name)) if i is not None]


def _groups(user):
    scope = scope_of(user)
    return ActivityGroup.objects.filter(
        Q(committee_id__in=scope.staff_committee_ids) | Q(pk__in=scope.convened_group_ids)
    ).order_by("committee_id", "name")


@login_required
def lead_list(request):
    """The leads the viewer may see, open ones first, with how many items each pools."""
    _roles(request, READERS)
    rows = (
        Lead.objects.visible_to(request.user)
        .select_related("committee", "group")
        .annotate(
            n_messages=Count("messages", distinct=True),
            n_contacts=Count("contacts", distinct=True),
            n_suggestions=Count("suggestions", distinct=True),
        )
        .order_by("state", "-created_at", "-id")
    )
    state = request.GET.get("state") or ""
    if state in Lead.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/leads/list.html",
        {
            "page_obj": page,
            "rows": page.object_list,
            "query": f"state={state}" if state else "",
            "state": state,
            "states": Lead.State.choices,
            "may_create": bool(KEEPERS & set(scope_of(request.user).roles)),
        },
    )


@login_required
def lead_new(request):
    """Pool chosen messages, contacts and suggestions into a lead (ticked from the page, or preselected by the link)."""
    _roles(request, KEEPERS)
    form = LeadForm(request.POST or None, groups=_groups(request.user))
    chosen = {name: set(_ids(request, name)) for name in ("message", "contact", "suggestion")}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        lead = call_service(
            form,
            lambda: svc.lead_create(
                actor=request.user,
                title=d["title"],
                category=d["category"],
                group_id=d["group"].pk if d["group"] else None,
                message_ids=chosen["message"],
                contact_ids=chosen["contact"],
                suggestion_ids=chosen["suggestion"],
            ),
        )
        if lead is not None:
            messages.success(request, _("The lead is created."))
            return redirect("activities:lead_detail", pk=lead.pk)
    return render(
        request,
        "activities/leads/form.html",
        {"form": form, "chosen": chosen, **svc.lead_choices(request.user)},
        status=400 if request.method == "POST" else 200,
    )


def _visible_lead(request, pk: int) -> Lead:
    lead = Lead.objects.visible_to(request.user).with_items().select_related("committee", "group").filter(pk=pk).first()
    if lead is None:
        raise PermissionDenied
    return lead


@login_required
def lead_detail(request, pk: int):
    """A lead: its items (residents' names only to whom may see them), what it became, and the actions."""
    _roles(request, READERS)
    lead = _visible_lead(request, pk)
    scope = scope_of(request.user)
    may_keep = Lead.objects.editable_by(request.user).filter(pk=pk).exists()
    items = list(lead.messages.all())
    for m in items:
        m.show_personal = m.may_see_personal(scope)
    members = Member.objects.filter(committee_id=lead.committee_id, status=Member.Status.ACTIVE).order_by("name")
    return render(
        request,
        "activities/leads/detail.html",
        {
            "lead": lead,
            "lead_messages": items,
            "may_keep": may_keep and lead.state != Lead.State.CLOSED,
            "may_edit_items": may_keep and lead.state == Lead.State.OPEN,
            "may_close": may_keep and lead.state == Lead.State.OPEN,
            "writer_form": LeadWriterForm(members=members),
            "close_form": LeadCloseForm(),
            "proposals": list(lead.proposals.order_by("pk").only("pk", "serial_number", "state", "title")),
            "reports": list(lead.opinion_reports.order_by("pk").only("pk", "state", "title")),
            "topics": list(lead.consultation_topics.order_by("pk").only("pk", "state", "title", "year")),
        },
    )


@login_required
@require_POST
def lead_close(request, pk: int):
    """Close without action, behind the confirmation step, with the reason given (a refusal: a message on the page)."""
    lead = _visible_lead(request, pk)
    form = LeadCloseForm(request.POST)
    if form.is_valid():
        run_button(
            request,
            lambda: svc.lead_close(lead_id=lead.pk, actor=request.user, reason=form.cleaned_data["reason"]),
            _("The lead is closed."),
        )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("activities:lead_detail", pk=lead.pk)


@login_required
def lead_items(request, pk: int):
    """Add ticked messages, contacts and suggestions to an open lead (only its committee's, not in it yet)."""
    _roles(request, KEEPERS)
    lead = Lead.objects.editable_by(request.user).filter(pk=pk).first()
    if lead is None:
        raise PermissionDenied
    chosen = {name: set(_ids(request, name)) for name in ("message", "contact", "suggestion")}
    errors: list[str] = []
    if request.method == "POST":
        try:
            svc.lead_add_items(
                lead_id=lead.pk,
                actor=request.user,
                message_ids=chosen["message"],
                contact_ids=chosen["contact"],
                suggestion_ids=chosen["suggestion"],
            )
        except NotPermitted:
            raise PermissionDenied from None
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The items are added to the lead."))
            return redirect("activities:lead_detail", pk=lead.pk)
    return render(
        request,
        "activities/leads/items.html",
        {"lead": lead, "chosen": chosen, "errors": errors, **svc.lead_choices(request.user, lead=lead)},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def lead_item_remove(request, pk: int, kind: str, item: int):
    """Take one item out of an open lead (the item itself stays); a refusal is a message on the page."""
    lead = _visible_lead(request, pk)
    run_button(
        request,
        lambda: svc.lead_remove_item(lead_id=lead.pk, actor=request.user, kind=kind, item_id=item),
        _("The item is taken out of the lead."),
    )
    return redirect("activities:lead_detail", pk=lead.pk)


@login_required
@require_POST
def suggestion_add(request, pk: int):
    """Record one suggestion gathered at the activity as an item (the activity's free text stays)."""
    activity = Activity.objects.visible_to(request.user).filter(pk=pk).first()
    if activity is None:
        raise PermissionDenied
    form = SuggestionForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: svc.suggestion_record(
            activity_id=activity.pk,
            actor=request.user,
            text=form.cleaned_data["text"],
            category=form.cleaned_data["category"],
        ),
    ):
        messages.success(request, _("The suggestion is recorded."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("activities:activity_detail", pk=activity.pk)

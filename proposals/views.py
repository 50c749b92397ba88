"""Pages for members, proposal staff and handling units. Every write goes through one service."""

from __future__ import annotations

from datetime import date
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.exceptions import NotPermitted
from core.exports import export_filename, record_export, xlsx_download
from core.files import stored_response
from core.forms import form_error_from, run_button
from core.paginator import LookaheadPaginator
from core.parsing import as_id, as_int
from core.uploads import PDF
from core.verbs import timeline
from groups.access import Role, require_role, scope_of
from groups.models import Committee, HandlingUnit, Member
from groups.privacy import ContactPolicy
from proposals import filters, forms, selectors, services
from proposals.deadlines import add_months, settings_for
from proposals.exports import figures_workbook
from proposals.holidays import years_without_calendar
from proposals.models import (
    Attachment,
    Category,
    CoAuthorInvitation,
    CoSigner,
    OpinionReport,
    Proposal,
    Reply,
    ResultCode,
)


def _scope(request):
    return scope_of(request.user)


def _require_member(request) -> Member:
    scope = require_role(request.user, Role.MEMBER)
    return Member.objects.select_related("committee").get(pk=scope.member_id)


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _form_errors(form) -> str:
    return "；".join(
        f"{form.fields[k].label if k in form.fields else ''}：{' '.join(v)}".lstrip("：")
        for k, v in form.errors.items()
    )


# --- member -----------------------------------------------------------------------------------------


@login_required
def mine(request):
    """A member's proposals (lead and co-signed), open co-sign invitations and reports."""
    scope = require_role(request.user, Role.MEMBER)  # its member id and committee: the page shows no more of them
    member_id = scope.member_id
    g = request.GET
    year, q = as_id(g.get("year")), g.get("q", "").strip()

    def narrowed(qs, title="title"):
        if year:
            qs = qs.filter(year=year)
        return qs.filter(**{f"{title}__icontains": q}) if q else qs

    own = narrowed(Proposal.objects.filter(lead_proposer_id=member_id))
    cosigned = narrowed(
        Proposal.objects.filter(cosigners__member_id=member_id, cosigners__status=CoSigner.Status.CONFIRMED)
    )
    if g.get("state") in Proposal.State.values:
        own, cosigned = own.filter(state=g["state"]), cosigned.filter(state=g["state"])
    elif g.get("state") == "open":  # "in progress" on the member's card: neither a draft nor closed
        own, cosigned = (x.exclude(state__in=[Proposal.State.DRAFT, Proposal.State.CLOSED]) for x in (own, cosigned))
    own = _paged(request, selectors.proposal_list(own).order_by("-year", "-created_at"), "page")
    cosigned = _paged(request, selectors.proposal_list(cosigned).order_by("-year", "-created_at"), "cpage")
    invitations = (
        CoSigner.objects.filter(
            member_id=member_id, status=CoSigner.Status.INVITED, proposal__state=Proposal.State.DRAFT
        )
        .select_related("proposal", "proposal__lead_proposer")
        .prefetch_related("proposal__attachments")
    )
    report_invitations = (
        CoAuthorInvitation.objects.filter(
            member_id=member_id, status=CoAuthorInvitation.Status.INVITED, report__state=OpinionReport.State.DRAFT
        )
        .select_related("report", "report__author")
        .order_by("deadline", "pk")
    )
    reports = _paged(
        request,
        narrowed(OpinionReport.objects.visible_to(request.user).filter(committee_id=scope.member_committee_id))
        .select_related("issue")
        .prefetch_related("adoptions", "instructions")
        .order_by("-created_at", "-pk"),
        "rpage",
    )
    years = sorted(
        set(selectors.member_proposals(member_id).order_by().values_list("year", flat=True).distinct()), reverse=True
    )
    return render(
        request,
        "proposals/mine.html",
        {
            "own": own,
            "cosigned": cosigned,
            "invitations": invitations,
            "report_invitations": report_invitations,
            "reports": reports,
            "record": selectors.member_record(member_id, timezone.localdate().year),
            "year": timezone.localdate().year,
            "years": years,
            "filter_year": year,
            "q": q,
            "state": g.get("state", ""),
            "states": Proposal.State.choices,
        },
    )


def _paged(request, qs, param: str, per_page: int = 20):
    """One page of a list on a page with several lists: `param` names its page number; `query` is the rest.
    Each reads one row past its page and counts only when the list goes on: a member's few proposals and reports
    fit on a page, so "my proposals" counted each list for nothing (#22: three COUNTs of 0.2-1.0 ms each)."""
    page = LookaheadPaginator(qs, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    page.query, page.param = query.urlencode(), param
    return page


def _proposal_form(request, member, proposal=None):
    scope = _scope(request)
    kwargs = {"member": member, "convened_group_ids": scope.convened_group_ids}
    if request.method == "POST":
        return forms.ProposalForm(request.POST, request.FILES, **kwargs)
    if proposal is None:
        return forms.ProposalForm(**kwargs)
    initial = {
        f: getattr(proposal, f)
        for f in ("kind", "title", "category", "during_plenary", "analysis", "suggestions", "is_public")
    }
    initial.update(group=proposal.group_id, cosigners=list(proposal.cosigners.values_list("member_id", flat=True)))
    return forms.ProposalForm(initial=initial, **kwargs)


@login_required
def edit(request, pk: int | None = None):
    """Draft a new proposal or change a draft; "submit" saves and submits in one go."""
    member = _require_member(request)
    proposal = None
    if pk is not None:
        proposal = get_object_or_404(Proposal, pk=pk, lead_proposer=member, state=Proposal.State.DRAFT)
    form = _proposal_form(request, member, proposal)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_save_draft(
                actor=request.user,
                data=form.service_data(),
                proposal_id=proposal.pk if proposal else None,
                cosigner_ids=[m.pk for m in form.cleaned_data["cosigners"]],
                attachments=[form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else [],
            )
        except ValidationError as exc:
            form_error_from(exc, form)
        else:
            if "submit" in request.POST:
                return _act_and_back(
                    request,
                    proposal,
                    lambda: services.proposal_submit(proposal_id=proposal.pk, actor=request.user),
                    _("The proposal was submitted."),
                )
            messages.success(request, _("The draft was saved."))
            return redirect("proposals:detail", pk=proposal.pk)
    return render(
        request,
        "proposals/edit.html",
        {"form": form, "proposal": proposal},
        status=400 if request.method == "POST" else 200,
    )


def _answer_invitation(request, respond, answer: str) -> bool:
    """A member's answer to an invitation to put their name to a text (co-signer, co-author); ``seen`` is the
    version of the text they read on the page, and a confirmation of a text changed since is refused."""
    try:
        respond(accept=answer == "confirm", actor=request.user, seen=request.POST.get("seen", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return False
    messages.success(request, _("Your answer was recorded."))
    return True


@login_required
@require_POST
def cosign(request, pk: int, answer: str):
    invitation = get_object_or_404(CoSigner, pk=pk, member_id=_scope(request).member_id)
    _answer_invitation(request, partial(services.cosign_respond, cosigner_id=invitation.pk), answer)
    return redirect("proposals:mine")


# --- the proposal page and its actions ------------------------------------------------------------


def _visible(request, pk: int) -> Proposal:
    try:
        return selectors.proposal_detail(request.user, pk)
    except Proposal.DoesNotExist:
        raise PermissionDenied from None


# Where each action's form sits on the proposal page (``supervise`` is the staff's or the leader's note form).
FORM_SLOTS = {
    "reject": ("reject_form",),
    "assign": ("assign_form",),
    "mark_key": ("key_form",),
    "supervise": ("leader_note_form", "note_form"),
    "implement": ("implementation_form",),
    "contact": ("contact_form",),
    "opinion": ("opinion_form",),
    "reassign": ("reassign_form",),
    "reply": ("reply_form",),
    "rate": ("rate_form",),
}


@login_required
def detail(request, pk: int):
    return _detail_page(request, pk)


REVIEW_DECISIONS = ("file", "reject", "merge")


def _just_decided(request, proposal: Proposal) -> bool:
    """Staff came here from a review decision on this proposal (filed, not filed or merged just now)."""
    return (
        proposal.state in (Proposal.State.FILED, Proposal.State.NOT_FILED, Proposal.State.MERGED)
        and request.GET.get("decided") == "1"
    )


def _detail_page(request, pk: int, *, action: str | None = None, bound=None):
    """The proposal page; after a refused action its form is shown again as sent, with the messages."""
    proposal = _visible(request, pk)
    scope = _scope(request)
    is_staff = scope.is_staff_of(proposal.committee_id)
    my_assignments = [a for a in proposal.assignments.all() if a.is_active and a.unit_id in scope.unit_ids]
    lead_mine = any(a.role == "lead" for a in my_assignments)
    ctx = {
        "proposal": proposal,
        "timeline": timeline(proposal),
        "is_staff": is_staff,
        "is_lead_proposer": scope.member_id == proposal.lead_proposer_id,
        "my_assignments": my_assignments,
        "lead_mine": lead_mine,
        "states": Proposal.State,
        "today": timezone.localdate(),
        "replies": proposal.replies.all()
        if proposal.state != Proposal.State.MERGED
        else proposal.merged_into.replies.all(),
    }
    ctx["proposer_phone"] = _proposer_phone(request.user, proposal, my_assignments)
    if is_staff and proposal.state in Proposal.REVIEW_STATES:
        ctx["similar"] = selectors.marked_similar(proposal, selectors.similar_proposals(proposal))
    if is_staff and (proposal.state in Proposal.REVIEW_STATES or _just_decided(request, proposal)):
        ctx["from_review"] = True  # "下一件": on to the next proposal in the queue after a decision
        ctx["next_in_review"] = selectors.next_in_review(request.user, proposal)
        ctx["reject_form"] = forms.RejectForm(committee_ids=[proposal.committee_id])
    if is_staff and proposal.state == Proposal.State.FILED:
        rules, today = settings_for(proposal.committee_id), timezone.localdate()
        ctx["assign_form"] = forms.AssignForm(committee_id=proposal.committee_id)
        latest = add_months(today, rules.reply_months_max)  # any deadline staff may choose falls up to here
        ctx["calendar_warning"] = _calendar_warning(proposal.committee_id, today, latest)
    if is_staff and proposal.state in Proposal.PUBLIC_STATES:
        ctx["key_form"] = forms.KeyForm(
            committee_id=proposal.committee_id,
            initial={"is_key": proposal.is_key, "leader": proposal.supervising_leader_id},
        )
        if proposal.is_key:  # supervision notes are for key proposals
            ctx["note_form"] = forms.NoteForm(initial={"date": timezone.localdate()})
    if (
        not is_staff
        and proposal.is_key
        and proposal.supervising_leader_id == scope.member_id
        and proposal.state in Proposal.PUBLIC_STATES
    ):
        ctx["leader_note_form"] = forms.NoteForm(initial={"date": timezone.localdate()})
    if proposal.state == Proposal.State.CLOSED and not proposal.implemented_on and (is_staff or lead_mine):
        ctx["implementation_form"] = forms.ImplementationForm(initial={"date": timezone.localdate()})
    if my_assignments and proposal.state in Proposal.HANDLING_STATES:
        ctx["contact_form"] = forms.ContactForm(initial={"date": timezone.localdate()})
        ctx["reassign_form"] = forms.ReassignForm()
        ctx["opinion_form"] = forms.OpinionForm()
        if lead_mine:
            ctx["reply_form"] = forms.ReplyForm(
                codes=ResultCode.objects.filter(committee_id=proposal.committee_id, is_active=True)
            )
    if ctx["is_lead_proposer"] and proposal.state == Proposal.State.REPLIED:
        ctx["rate_form"] = forms.RateForm()
    if bound is not None:
        slot = next((key for key in FORM_SLOTS.get(action, ()) if key in ctx), None)
        if slot is None:
            return None  # the form is no longer offered (the proposal moved on): the caller says so
        ctx[slot] = bound
    return render(request, "proposals/detail.html", ctx)


def _proposer_phone(user, proposal: Proposal, my_assignments) -> str:
    """The lead proposer's phone: in full for the users of a unit the proposal is assigned to (they call the
    proposer about it), else as ``groups.privacy`` shows it to this user (masked but for staff and the member)."""
    member = proposal.lead_proposer
    if member is None or not member.phone:
        return ""
    return member.phone if my_assignments else ContactPolicy(user).phone(member)


def _calendar_warning(committee_id: int, first, last) -> str:
    """A warning when a deadline between ``first`` and ``last`` may fall in a year whose national holiday
    calendar the committee has not loaded (working days would then skip only weekends)."""
    missing = years_without_calendar(committee_id, [date(y, 1, 1) for y in range(first.year, last.year + 1)])
    if not missing:
        return ""
    return _(
        "No national holiday calendar is loaded for %(years)s: deadlines counted in working days will skip "
        "only weekends. Load the calendar in the admin (holiday calendar) before assigning."
    ) % {"years": "、".join(str(y) for y in missing)}


def _act_and_back(request, proposal, call, done: str):
    run_button(request, call, done)
    return redirect("proposals:detail", pk=proposal.pk)


def _assignment_of(request, proposal, role=None):
    scope = _scope(request)
    qs = proposal.assignments.filter(is_active=True, unit_id__in=scope.unit_ids)
    if role:
        qs = qs.filter(role=role)
    found = qs.first()
    if found is None:
        raise PermissionDenied
    return found


ACTIONS = {
    # name: (form class or None, form kwargs, call(request, proposal, cleaned data), done message)
    "submit": (
        None,
        None,
        lambda r, p, d: services.proposal_submit(
            proposal_id=p.pk, actor=r.user, expected_state=d.get("expected_state")
        ),
        _("The proposal was submitted."),
    ),
    "start_review": (
        None,
        None,
        lambda r, p, d: services.proposal_start_review(
            proposal_id=p.pk, actor=r.user, expected_state=d.get("expected_state")
        ),
        _("Review started."),
    ),
    "file": (
        None,
        None,
        lambda r, p, d: services.proposal_file(proposal_id=p.pk, actor=r.user, expected_state=d.get("expected_state")),
        _("The proposal was filed."),
    ),
    "reject": (
        forms.RejectForm,
        lambda p: {"committee_ids": [p.committee_id]},
        lambda r, p, d: services.proposal_reject(
            proposal_id=p.pk,
            actor=r.user,
            expected_state=d.get("expected_state"),
            ground_id=d["ground"].pk,
            reason=d["reason"],
            outcome=d["outcome"],
        ),
        _("The proposal was not filed."),
    ),
    "merge": (
        forms.MergeForm,
        None,
        lambda r, p, d: services.proposal_merge(
            proposal_id=p.pk, into_id=d["into"], actor=r.user, expected_state=d.get("expected_state")
        ),
        _("The proposal was merged."),
    ),
    "assign": (
        forms.AssignForm,
        lambda p: {"committee_id": p.committee_id},
        lambda r, p, d: services.proposal_assign(
            proposal_id=p.pk,
            actor=r.user,
            expected_state=d.get("expected_state"),
            lead_unit_id=d["lead_unit"].pk,
            co_unit_ids=[u.pk for u in d["co_units"]],
            due_date=d["due_date"],
        ),
        _("The proposal was assigned."),
    ),
    "mark_key": (
        forms.KeyForm,
        lambda p: {"committee_id": p.committee_id},
        lambda r, p, d: services.proposal_mark_key(
            proposal_id=p.pk, actor=r.user, is_key=d["is_key"], leader_id=d["leader"].pk if d["leader"] else None
        ),
        _("Saved."),
    ),
    "mark_excellent": (
        None,
        None,
        lambda r, p, d: services.proposal_mark_excellent(proposal_id=p.pk, actor=r.user),
        _("The proposal was rated excellent."),
    ),
    "unmark_excellent": (
        None,
        None,
        lambda r, p, d: services.proposal_unmark_excellent(proposal_id=p.pk, actor=r.user),
        _("The excellent rating was withdrawn."),
    ),
    "supervise": (
        forms.NoteForm,
        None,
        lambda r, p, d: services.supervision_note_add(proposal_id=p.pk, actor=r.user, text=d["text"], date=d["date"]),
        _("The note was recorded."),
    ),
    "close": (
        None,
        None,
        lambda r, p, d: services.proposal_close(proposal_id=p.pk, actor=r.user, expected_state=d.get("expected_state")),
        _("The proposal was closed."),
    ),
    "implement": (
        forms.ImplementationForm,
        None,
        lambda r, p, d: services.implementation_add(
            proposal_id=p.pk, actor=r.user, text=d["text"], date=d["date"], completes=d["completes"]
        ),
        _("The progress was recorded."),
    ),
    "start_handling": (
        None,
        None,
        lambda r, p, d: services.proposal_start_handling(
            proposal_id=p.pk, actor=r.user, expected_state=d.get("expected_state")
        ),
        _("Handling started."),
    ),
    "contact": (
        forms.ContactForm,
        None,
        lambda r, p, d: services.contact_record(
            assignment_id=_assignment_of(r, p).pk,
            actor=r.user,
            date=d["date"],
            way=d["way"],
            with_whom=d["with_whom"],
            notes=d["notes"],
        ),
        _("The contact was recorded."),
    ),
    "opinion": (
        forms.OpinionForm,
        None,
        lambda r, p, d: services.cohandler_opinion_send(
            assignment_id=_assignment_of(r, p, "co").pk, actor=r.user, text=d["text"]
        ),
        _("The opinion was sent."),
    ),
    "reassign": (
        forms.ReassignForm,
        None,
        lambda r, p, d: services.assignment_request_reassignment(
            assignment_id=_assignment_of(r, p).pk,
            actor=r.user,
            expected_state=d.get("expected_state"),
            reason=d["reason"],
        ),
        _("The proposal was returned to the proposal committee."),
    ),
    "reply": (
        forms.ReplyForm,
        lambda p: {"codes": ResultCode.objects.filter(committee_id=p.committee_id, is_active=True)},
        lambda r, p, d: services.proposal_reply(
            proposal_id=p.pk,
            actor=r.user,
            expected_state=d.get("expected_state"),
            text=d["text"],
            result_code=d["result_code"],
            signed_pdf=d["signed_pdf"],
        ),
        _("The reply was sent."),
    ),
    "rate": (
        forms.RateForm,
        None,
        lambda r, p, d: services.proposal_rate(
            proposal_id=p.pk,
            actor=r.user,
            expected_state=d.get("expected_state"),
            rating=d["rating"],
            comment=d["comment"],
        ),
        _("Thank you for your feedback."),
    ),
}


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Run one action from the proposal page; a refused form comes back on the page as sent, with its messages."""
    if action not in ACTIONS:
        raise PermissionDenied
    proposal = Proposal.objects.visible_to(request.user).filter(pk=pk).first()
    if proposal is None:
        raise PermissionDenied
    form_class, kwargs, call, done = ACTIONS[action]
    form, data = None, {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES, **(kwargs(proposal) if kwargs else {}))
        if not form.is_valid():
            return _refused(request, proposal, action, form)
        data = form.cleaned_data
    # The state the page showed when the form was loaded: the service refuses if someone acted meanwhile.
    expected = request.POST.get("expected_state")
    data = {**data, "expected_state": expected if expected in Proposal.State.values else None}
    try:
        call(request, proposal, data)
    except NotPermitted as exc:
        raise PermissionDenied(_errors(exc)) from exc
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and form is not None:
            return _refused(request, proposal, action, form_error_from(exc, form))  # under the fields it names
        messages.error(request, _errors(exc))  # a refusal of the action itself: said at the top of the page
        if form is None:
            return redirect("proposals:detail", pk=proposal.pk)  # nothing was typed
        return _refused(request, proposal, action, form)
    messages.success(request, done)
    if action == "assign":
        proposal.refresh_from_db(fields=["state", "reply_due"])
        if proposal.state == Proposal.State.ASSIGNED and proposal.reply_due:
            warning = _calendar_warning(proposal.committee_id, timezone.localdate(), proposal.reply_due)
            if warning:
                messages.warning(request, warning)
    if action in REVIEW_DECISIONS:
        return redirect(reverse("proposals:detail", args=[proposal.pk]) + "?decided=1")  # offers "下一件"
    return redirect("proposals:detail", pk=proposal.pk)


def _refused(request, proposal, action: str, form):
    """A refused action: the page again with the form as it was sent (the typed text kept) and its messages."""
    page = _detail_page(request, proposal.pk, action=action, bound=form)
    if page is not None:
        return page
    if form.errors:
        messages.error(request, _form_errors(form))  # the form is no longer offered on the page
    return redirect("proposals:detail", pk=proposal.pk)


# --- uploaded files: served only here, after the same check as the proposal page ------------------------


@login_required
def reply_pdf(request, pk: int):
    """A signed reply, to whoever may see its proposal or a proposal merged into it."""
    # The reply by its key first, then whether its proposal (or one merged into it) is visible: two index lookups,
    # not an OR across the join to the merged proposals, which scanned every reply (#22: 160-230 ms a refusal at 50k).
    reply = Reply.objects.filter(pk=pk).first()
    if reply is None or not (
        Proposal.objects.visible_to(request.user)
        .filter(Q(pk=reply.proposal_id) | Q(merged_into_id=reply.proposal_id))
        .exists()
    ):
        raise PermissionDenied
    return stored_response(
        reply.signed_pdf, filename=f"reply-{reply.proposal_id}-{reply.round}.pdf", as_attachment=False, content_type=PDF
    )


@login_required
def attachment(request, pk: int):
    """An attachment of a proposal, to whoever may see the proposal."""
    found = Attachment.objects.filter(pk=pk, proposal__in=Proposal.objects.visible_to(request.user)).first()
    if found is None:
        raise PermissionDenied
    return stored_response(
        found.file, filename=found.name or found.file.name.rsplit("/", 1)[-1], as_attachment=True, sniff=True
    )


# --- staff ------------------------------------------------------------------------------------------


@login_required
def review(request):
    """The review queue 审查: submitted proposals of the staff's committees, oldest first (or the filed ones waiting
    to be assigned), with batch actions on the proposals ticked."""
    return _review_page(request)


# the columns a row of the review queue shows (proposals/templatetags/review_rows.py)
REVIEW_ROW_FIELDS = (
    "pk",
    "title",
    "serial_number",
    "state",
    "round",
    "is_key",
    "is_excellent",
    "category",
    "confirmed_cosigners",
    "submitted_at",
    "committee__name",
    "lead_proposer__name",
)


def _review_committees(scope):
    return Committee.objects.all() if scope.is_superuser else Committee.objects.filter(pk__in=scope.staff_committee_ids)


def _review_page(request, bulk_form=None):
    scope = require_role(request.user, Role.STAFF)
    waiting = (
        request.GET.get("state") == Proposal.State.FILED
    )  # filed, waiting to be assigned: the batch assignment's rows
    queue = selectors.assignment_queue(request.user) if waiting else selectors.review_queue(request.user)
    committees = _review_committees(scope)
    found = filters.ReviewFilter(
        request.GET, queryset=selectors.with_duplicate_hints(queue), request=request, committees=committees
    )
    rows = found.qs if found.is_valid() else queue.none()  # a refused filter (another committee) shows nothing
    # what a row shows (``{% review_row %}``), not the proposals' long texts nor the lead unit (#22)
    rows = rows.select_related(None).select_related("committee", "lead_proposer").only(*REVIEW_ROW_FIELDS)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    if bulk_form is None:
        bulk_form = _bulk_form(request, scope, found)
    picked = {as_id(v) for v in request.POST.getlist("proposals")} if bulk_form.is_bound else set()
    _review_row_words(page)
    return render(
        request,
        "proposals/review.html",
        {
            "page_obj": page,
            "filter": found,
            "query": query.urlencode(),
            "bulk_form": bulk_form,
            "picked": picked,
            "waiting": waiting,
            "full_query": request.GET.urlencode(),
        },
        status=400 if bulk_form.is_bound else 200,
    )


def _review_row_words(page) -> None:
    """Each row's "Select “title”" for the screen reader, translated here: a ``{% blocktranslate %}`` per row was a
    tenth of the queue's rendering at 50,000 members (#22); the same catalogue entry as the template's. (The counts'
    sentences stay in the template, where ``tests/test_figures_drilldown.py`` reads them.)"""
    for p in page:
        p.pick_label = _("Select “%(title)s”") % {"title": p.title}


def _bulk_form(request, scope, found, data=None):
    """The batch form: the proposals the staff may act on, units and grounds of the committee filtered to (or
    of all their committees, units then labelled with their committee)."""
    committees = (
        list(Committee.objects.values_list("pk", flat=True))
        if scope.is_superuser
        else sorted(scope.staff_committee_ids)
    )
    chosen = found.form.cleaned_data.get("committee") if found.is_valid() else None
    ids = [chosen.pk] if chosen else committees
    proposals = Proposal.objects.reviewable_by(request.user).filter(
        state__in=[*Proposal.REVIEW_STATES, Proposal.State.FILED]
    )
    return forms.BulkForm(data, proposals=proposals, committee_ids=ids, several_committees=len(ids) > 1)


BULK_DONE = {
    "assign": lambda n: ngettext("%(n)s proposal was assigned.", "%(n)s proposals were assigned.", n) % {"n": n},
    "reject": lambda n: ngettext("%(n)s proposal was not filed.", "%(n)s proposals were not filed.", n) % {"n": n},
}


@login_required
@require_POST
def review_bulk(request):
    """A batch action on the proposals ticked in the review queue: all or none, through one service."""
    scope = require_role(request.user, Role.STAFF)
    found = filters.ReviewFilter(
        request.GET, queryset=Proposal.objects.none(), request=request, committees=_review_committees(scope)
    )
    form = _bulk_form(request, scope, found, data=request.POST)
    if not form.is_valid():
        return _review_page(request, form)
    d = form.cleaned_data
    ids = [p.pk for p in d["proposals"]]
    try:
        if d["action"] == "assign":
            done = services.proposals_assign_many(
                proposal_ids=ids,
                actor=request.user,
                lead_unit_id=d["lead_unit"].pk if d["lead_unit"] else None,
                co_unit_ids=[u.pk for u in d["co_units"]],
                due_date=d["due_date"],
            )
        else:
            done = services.proposals_reject_many(
                proposal_ids=ids,
                actor=request.user,
                ground_id=d["ground"].pk if d["ground"] else None,
                reason=d["reason"],
                outcome=d["outcome"],
            )
    except NotPermitted as exc:
        raise PermissionDenied(_errors(exc)) from exc
    except ValidationError as exc:
        return _review_page(request, form_error_from(exc, form))  # nothing changed; the ticks and fields kept
    messages.success(request, BULK_DONE[d["action"]](len(done)))
    return redirect(f"{reverse('proposals:review')}?{request.GET.urlencode()}" if request.GET else "proposals:review")


def _year(request) -> int:
    return as_int(request.GET.get("year"), timezone.localdate().year, low=1, high=9999)


def _committee_ids(request, scope) -> list[int]:
    ids = scope.staff_committee_ids | scope.leader_committee_ids
    if scope.is_superuser:
        ids = set(Committee.objects.values_list("pk", flat=True))
    chosen = request.GET.get("committee")
    if chosen and as_id(chosen):
        return [as_id(chosen)] if as_id(chosen) in ids else []
    return sorted(ids)


@login_required
def proposal_list(request):
    """Staff and leaders: the list behind each figure (filters: committee, year, state, category, unit, figure)."""
    scope = require_role(request.user, Role.STAFF, Role.LEADER)
    qs = Proposal.objects.visible_to(request.user).filter(
        committee_id__in=_committee_ids(request, scope), year=_year(request)
    )
    g = request.GET
    if g.get("state") in Proposal.State.values:
        qs = qs.filter(state=g["state"])
    if g.get("category") in Category.values:
        qs = qs.filter(category=g["category"])
    if as_id(g.get("unit")):
        qs = qs.filter(lead_unit_id=as_id(g["unit"]))
    if g.get("code"):
        qs = qs.filter(result_code=g["code"])
    if g.get("key") == "1":
        qs = qs.filter(is_key=True)
    if g.get("excellent") == "1":
        qs = qs.filter(is_excellent=True)
    if g.get("figure"):
        qs = selectors.filter_by_figure(qs, g["figure"])
    qs = selectors.proposal_list(qs).order_by("serial_number", "pk")
    page = Paginator(qs, 50).get_page(g.get("page"))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "proposals/list.html",
        {"page_obj": page, "query": query.urlencode(), "year": _year(request), "title": _("Proposals")},
    )


@login_required
def overdue(request):
    """Staff chase overdue replies: assigned or in handling, past the reply deadline."""
    scope = require_role(request.user, Role.STAFF)
    qs = Proposal.objects.reviewable_by(request.user).overdue()
    if not scope.is_superuser:
        qs = qs.filter(committee_id__in=scope.staff_committee_ids)
    page = Paginator(selectors.proposal_list(qs).order_by("reply_due", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "proposals/list.html", {"page_obj": page, "title": _("Overdue replies"), "overdue": True})


def _figure_inputs(request):
    scope = require_role(request.user, Role.STAFF, Role.LEADER)
    committee_ids, year = _committee_ids(request, scope), _year(request)
    category = request.GET.get("category", "")
    data = selectors.year_figures(
        committee_ids,
        year,
        unit_id=as_id(request.GET.get("unit")),
        category=category if category in Category.values else "",
    )
    return scope, committee_ids, year, data


@login_required
def figures(request):
    """The year's figures for staff and leaders; each number links to the list behind it."""
    scope, committee_ids, year, data = _figure_inputs(request)
    committees = (
        Committee.objects.filter(pk__in=scope.staff_committee_ids | scope.leader_committee_ids)
        if not scope.is_superuser
        else Committee.objects.all()
    )
    query = request.GET.copy()
    chosen = {k: request.GET[k] for k in ("category", "unit") if request.GET.get(k)}
    return render(
        request,
        "proposals/figures.html",
        {
            **data,
            "year": year,
            "committees": committees,
            "query": query.urlencode(),
            "committee": request.GET.get("committee", ""),
            "categories": Category.choices,
            "category": request.GET.get("category", ""),
            # the filters every drill-down keeps: the by-committee rows replace the committee, nothing else
            "base": urlencode(
                {
                    "year": year,
                    **({"committee": request.GET["committee"]} if request.GET.get("committee") else {}),
                    **chosen,
                }
            ),
            "base_all_committees": urlencode({"year": year, **chosen}),
            "report_base": urlencode(
                {"year": year, **({"committee": request.GET["committee"]} if request.GET.get("committee") else {})}
            ),
        },
    )


@login_required
def figures_xlsx(request):
    _scope_, _ids, year, data = _figure_inputs(request)
    response = xlsx_download(figures_workbook(data, year), export_filename(_("Proposal figures"), year))
    record_export(request, f"proposal figures {year}")
    return response


# --- handling unit ----------------------------------------------------------------------------------

UNIT_STATES = (
    Proposal.State.ASSIGNED,
    Proposal.State.HANDLING,
    Proposal.State.REPLIED,
    Proposal.State.RATED,
    Proposal.State.CLOSED,
)


@login_required
def unit(request):
    """A unit's assignments with deadline badges."""
    if not _scope(request).unit_ids:
        raise PermissionDenied
    g = request.GET
    qs = selectors.unit_assignments(request.user)
    years = selectors.unit_years(request.user)
    year = as_id(g.get("year"))
    if year:
        qs = qs.filter(proposal__year=year)
    # by the proposal's state kept beside the assignment (``Assignment.proposal_state``): the unit's index alone
    if g.get("state") in Proposal.State.values:
        qs = qs.filter(proposal_state=g["state"])
    elif g.get("state") == "open":  # the to-reply count of the unit's card
        qs = qs.filter(proposal_state__in=Proposal.HANDLING_STATES)
    if g.get("due") == "overdue":
        qs = qs.filter(proposal_state__in=Proposal.HANDLING_STATES, due_date__lt=timezone.localdate())
    q = g.get("q", "").strip()
    if q:
        number = as_id(q.removeprefix("第").removesuffix("号"))
        qs = qs.filter(
            Q(proposal__title__icontains=q)
            | Q(proposal__lead_proposer__name__icontains=q)
            | (Q(proposal__serial_number=number) if number else Q(pk__in=[]))
        )
    query = g.copy()
    query.pop("page", None)
    page = Paginator(qs, 30).get_page(g.get("page"))
    today = timezone.localdate()
    for a in page:
        a.days_left = (a.due_date - today).days
    return render(
        request,
        "proposals/unit.html",
        {
            "page_obj": page,
            "today": today,
            "query": query.urlencode(),
            "units": HandlingUnit.objects.filter(pk__in=_scope(request).unit_ids),
            "years": years,
            "year": year,
            "q": q,
            "state": g.get("state", ""),
            "due": g.get("due", ""),
            "states": [(v, lbl) for v, lbl in Proposal.State.choices if v in UNIT_STATES],
        },
    )


# --- public-opinion reports -------------------------------------------------------------------------


@login_required
def report_create(request):
    member = _require_member(request)
    kwargs = {"member": member, "convened_group_ids": _scope(request).convened_group_ids}
    form = forms.ReportForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_submit(
                actor=request.user,
                title=d["title"],
                content=d["content"],
                co_author_ids=[m.pk for m in d["co_authors"]],
                group_id=d["group"].pk if d.get("group") else None,
            )
        except ValidationError as exc:
            form_error_from(exc, form)
        else:
            messages.success(
                request,
                _("The report was submitted.")
                if report.state != OpinionReport.State.DRAFT
                else _("Your co-authors are asked to confirm; submit the report once they have answered."),
            )
            return redirect("proposals:report_detail", pk=report.pk)
    return render(
        request, "proposals/report_edit.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@login_required
def reports(request):
    """Staff: their committees' reports by state, to edit, accept, compile and record outcomes.

    Leaders read it too, as the list behind the report figures (``?figure=``, ``level=``, ``committee=``)."""
    scope = require_role(request.user, Role.STAFF, Role.LEADER)
    is_staff = scope.is_superuser or bool(scope.staff_committee_ids)
    if request.method == "POST" and not is_staff:
        raise PermissionDenied
    # a draft is its author's until submitted
    listing = filters.ReportListFilter(
        request.GET,
        queryset=selectors.filter_reports_by_figure(
            OpinionReport.objects.visible_to(request.user)
            .exclude(state=OpinionReport.State.DRAFT)
            .filter(committee_id__in=_committee_ids(request, scope)),
            request.GET.get("figure", ""),
            request.GET.get("level", ""),
        ),
    )
    qs = listing.qs
    if request.method == "POST":
        form = forms.CompileForm(request.POST)
        ids = [as_id(i) for i in request.POST.getlist("report") if as_id(i)]
        committee = OpinionReport.objects.filter(pk__in=ids).values_list("committee_id", flat=True).first()
        try:
            if not form.is_valid() or committee is None:
                raise ValidationError(_("Choose accepted reports and the publication date."))
            issue = services.issue_compile(
                committee_id=committee,
                actor=request.user,
                report_ids=ids,
                published_on=form.cleaned_data["published_on"],
            )
        except NotPermitted as exc:
            raise PermissionDenied from exc
        except ValidationError as exc:
            messages.error(request, _errors(exc))  # the page again: the reports ticked and the date stay
        else:
            messages.success(request, _("Compiled into %(issue)s.") % {"issue": issue})
            return redirect("proposals:reports")
    else:
        form, ids = forms.CompileForm(initial={"published_on": timezone.localdate()}), []
    qs = qs.select_related("author", "group", "issue")
    page = Paginator(qs.order_by("state", "-created_at"), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_report_row_counts(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "proposals/reports.html",
        {
            "page_obj": page,
            "compile_form": form,
            "ticked": ids,
            "filter": listing,
            "query": query.urlencode(),
            "states": OpinionReport.State,
            "is_staff": is_staff,
        },
    )


REPORT_FORM_SLOTS = {
    "edit": "edit_form",
    "decline": "decline_form",
    "adoption": "adoption_form",
    "instruction": "instruction_form",
    "follow_up": "follow_up_form",
}


@login_required
def report_rows(request, pk: int):
    """The rows behind a report's counts on the reports list: its adoptions or its leaders' instructions."""
    scope = require_role(request.user, Role.STAFF, Role.LEADER)
    report = get_object_or_404(
        OpinionReport.objects.visible_to(request.user)
        .exclude(state=OpinionReport.State.DRAFT)
        .filter(committee_id__in=_committee_ids(request, scope)),
        pk=pk,
    )
    figure = request.GET.get("figure", "")
    if figure not in selectors.REPORT_ROWS:
        raise Http404
    rows = selectors.report_rows(report, figure)
    return render(
        request,
        "proposals/report_rows.html",
        {"report": report, "figure": figure, "page_obj": Paginator(rows, 50).get_page(request.GET.get("page"))},
    )


@login_required
def report_detail(request, pk: int):
    return _report_page(request, pk)


def _report_page(request, pk: int, *, action: str | None = None, bound=None):
    """The report page; after a refused action its form is shown again as sent, with the messages."""
    report = (
        OpinionReport.objects.visible_to(request.user)
        .select_related("author", "group", "issue", "committee", "source_lead", "source_message", "source_contact")
        .prefetch_related("co_authors", "adoptions", "instructions", "follow_ups")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise PermissionDenied
    scope = _scope(request)
    is_staff = scope.is_staff_of(report.committee_id)
    invitations = list(report.invitations.select_related("member").order_by("pk"))
    ctx = {
        "report": report,
        "is_staff": is_staff,
        "timeline": timeline(report),
        "states": OpinionReport.State,
        "invitations": invitations,
        "is_author": bool(scope.member_id) and scope.member_id == report.author_id,
        "my_invitation": next(
            (
                i
                for i in invitations
                if i.member_id == scope.member_id
                and i.status == CoAuthorInvitation.Status.INVITED
                and report.state == OpinionReport.State.DRAFT
            ),
            None,
        ),
        "seen": report.content_digest(),
    }
    if is_staff:
        ctx.update(
            edit_form=forms.ReportEditForm(initial={"title": report.title, "content": report.content}),
            decline_form=forms.DeclineForm(),
            adoption_form=forms.AdoptionForm(initial={"date": timezone.localdate()}),
            instruction_form=forms.InstructionForm(initial={"date": timezone.localdate()}),
            follow_up_form=forms.FollowUpForm(initial={"date": timezone.localdate()}),
        )
    if bound is not None:
        offered = (
            {"edit", "decline"}
            if report.state == OpinionReport.State.SUBMITTED
            else {"adoption", "instruction", "follow_up"}
            if report.state in (OpinionReport.State.ACCEPTED, OpinionReport.State.COMPILED)
            else set()
        )
        if action not in offered or REPORT_FORM_SLOTS.get(action) not in ctx:
            return None  # the form is not offered on the page: the caller says so
        ctx[REPORT_FORM_SLOTS[action]] = bound
    return render(request, "proposals/report_detail.html", ctx)


REPORT_ACTIONS = {
    "submit": (None, lambda r, rep, d: services.report_submit_draft(report_id=rep.pk, actor=r.user)),
    "edit": (
        forms.ReportEditForm,
        lambda r, rep, d: services.report_edit(report_id=rep.pk, actor=r.user, title=d["title"], content=d["content"]),
    ),
    "accept": (None, lambda r, rep, d: services.report_accept(report_id=rep.pk, actor=r.user)),
    "decline": (
        forms.DeclineForm,
        lambda r, rep, d: services.report_decline(report_id=rep.pk, actor=r.user, reason=d["reason"]),
    ),
    "adoption": (
        forms.AdoptionForm,
        lambda r, rep, d: services.report_record_adoption(
            report_id=rep.pk, actor=r.user, level=d["level"], date=d["date"], adopted_by=d["adopted_by"]
        ),
    ),
    "follow_up": (
        forms.FollowUpForm,
        lambda r, rep, d: services.report_record_follow_up(report_id=rep.pk, actor=r.user, **d),
    ),
    "instruction": (
        forms.InstructionForm,
        lambda r, rep, d: services.report_record_instruction(
            report_id=rep.pk, actor=r.user, leader=d["leader"], level=d["level"], date=d["date"], text=d["text"]
        ),
    ),
}


@login_required
@require_POST
def report_act(request, pk: int, action: str):
    report = OpinionReport.objects.visible_to(request.user).filter(pk=pk).first()
    if report is None or action not in REPORT_ACTIONS:
        raise PermissionDenied
    form_class, call = REPORT_ACTIONS[action]
    form, data = None, {}
    if form_class:
        form = form_class(request.POST)
        if not form.is_valid():
            return _report_refused(request, pk, action, form)
        data = form.cleaned_data
    try:
        call(request, report, data)
    except NotPermitted as exc:
        raise PermissionDenied from exc
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and form is not None:
            return _report_refused(request, pk, action, form_error_from(exc, form))
        messages.error(request, _errors(exc))
        if form is not None:
            return _report_refused(request, pk, action, form)
    else:
        messages.success(request, _("The report was submitted.") if action == "submit" else _("Saved."))
    return redirect("proposals:report_detail", pk=pk)


def _report_refused(request, pk: int, action: str, form):
    page = _report_page(request, pk, action=action, bound=form)
    if page is not None:
        return page
    if form.errors:
        messages.error(request, _form_errors(form))
    return redirect("proposals:report_detail", pk=pk)


@login_required
@require_POST
def coauthor_answer(request, pk: int, answer: str):
    """A member named as co-author confirms or declines, having read the report (``seen``: the text they read)."""
    invitation = get_object_or_404(CoAuthorInvitation, pk=pk, member_id=_scope(request).member_id)
    answered = _answer_invitation(request, partial(services.coauthor_respond, invitation_id=invitation.pk), answer)
    if answered and answer != "confirm":  # a co-author who declined no longer sees the report
        return redirect("proposals:mine")
    return redirect("proposals:report_detail", pk=invitation.report_id)


# --- 从群众呼声到提案: a resident's message or a contact becomes the member's proposal draft ---------------------


@login_required
@require_POST
def from_message(request, pk: int):
    """The member a resident's message was passed to drafts a proposal from it, then edits the draft."""
    return _draft_from(
        request,
        lambda: services.proposal_draft_from_message(message_id=pk, actor=request.user),
        back=reverse("activities:message_detail", args=[pk]),
    )


@login_required
@require_POST
def from_contact(request, pk: int):
    """A member drafts a proposal from what they heard in a contact with the people."""
    return _draft_from(
        request,
        lambda: services.proposal_draft_from_contact(contact_id=pk, actor=request.user),
        back=reverse("activities:contacts") + "?mine=1",
    )


HEARD_SOURCES = {"lead": "lead_id", "message": "message_id", "contact": "contact_id"}


def heard_back(source: str, pk: int) -> str:
    """The page of the lead, message or contact a conversion was started from."""
    if source == "lead":
        return reverse("activities:lead_detail", args=[pk])
    if source == "message":
        return reverse("activities:message_detail", args=[pk])
    return reverse("activities:contacts") + "?mine=1"


@login_required
@require_POST
def lead_to_proposal(request, pk: int):
    """Staff or a convener turn a lead into the proposal draft of the member they name (or their own)."""
    member_id = as_id(request.POST.get("member"))
    back = heard_back("lead", pk)
    try:
        services.proposal_draft_from_lead(lead_id=pk, actor=request.user, member_id=member_id)
    except NotPermitted as exc:
        raise PermissionDenied(_errors(exc)) from exc
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    messages.success(request, _("A proposal draft was made from the lead; its member completes and submits it."))
    return redirect(back)


@login_required
@require_POST
def heard_to_report(request, source: str, pk: int):
    """A lead, a message or a contact becomes the public-opinion report draft of the member who writes it."""
    if source not in HEARD_SOURCES:
        raise PermissionDenied
    back = heard_back(source, pk)
    try:
        report = services.report_draft_from_heard(
            actor=request.user, member_id=as_id(request.POST.get("member")), **{HEARD_SOURCES[source]: pk}
        )
    except NotPermitted as exc:
        raise PermissionDenied(_errors(exc)) from exc
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    messages.success(request, _("A public-opinion report draft was made; its author completes and submits it."))
    if OpinionReport.objects.visible_to(request.user).filter(pk=report.pk).exists():
        return redirect("proposals:report_detail", pk=report.pk)
    return redirect(back)


def _draft_from(request, call, *, back: str):
    try:
        proposal = call()
    except NotPermitted as exc:
        raise PermissionDenied(_errors(exc)) from exc
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    messages.success(request, _("A proposal draft was made from what residents raised; complete it and submit it."))
    return redirect("proposals:edit", pk=proposal.pk)

"""Pages: topic board, sessions, outcome tracking, the unit's outcomes, figures and the public disclosure."""

from __future__ import annotations

import hashlib
import html
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.views.mailbox import OUTCOME_RATING, rate_on_tracking_page
from core.context_processors import accessibility
from core.exceptions import DomainError, NotPermitted
from core.exports import Workbook, export_filename, xlsx_download
from core.files import stored_response
from core.forms import form_error_from
from core.parsing import as_bool, as_id, as_int
from core.verbs import timeline
from groups.access import Role, require_role, scope_of
from groups.models import Committee, Platform

from . import filters, forms, selectors, services
from .models import ConsultationSession, Outcome, Topic

PUBLIC_CACHE_SECONDS = 300


def _page(request, qs, per_page: int = 30):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _errors(exc: DomainError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- topics ---------------------------------------------------------------------------------------


@login_required
def topic_board(request):
    require_role(request.user, Role.STAFF, Role.LEADER, Role.CONVENER)
    platforms = (
        Platform.objects.filter(consultation_topics__in=Topic.objects.visible_to(request.user))
        .distinct()
        .only("pk", "name")
        .order_by("name")
    )
    listing = filters.TopicBoardFilter(
        request.GET or None, queryset=selectors.topic_board(request.user), platforms=platforms
    )
    # which of the page's topics the user may decide, asked in the page's own statement (one query less, #22)
    editable_q = Exists(Topic.objects.editable_by(request.user).filter(pk=OuterRef("pk")))
    page_obj = _page(request, listing.qs.annotate(is_editable=editable_q))
    editable = {t.pk for t in page_obj if t.is_editable}
    _attach_research_choices(request.user, [t for t in page_obj if t.pk in editable and t.state == Topic.State.ADOPTED])
    return render(
        request,
        "consultations/topic_board.html",
        {
            "page_obj": page_obj,
            "filter": listing,
            "editable": editable,
            "query": _query(request),
        },
    )


def _query(request) -> str:
    """The list's filters for the paging links (without the page)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# The research activities listed in the page under each adopted topic, newest first, out of the page's committees'
# newest ``RESEARCH_READ`` (one indexed query); the picker finds the others as the user types
# (``consultations.pickers``): all 300 under each of a page's adopted topics were 6,900 options and 220 KB of HTML
# at 50,000 members (#22).
RESEARCH_LISTED = 10
RESEARCH_READ = 300


def _attach_research_choices(user, topics) -> None:
    """Under each adopted topic an editor may link, the newest research activities of its committee not linked to it
    yet (at most ``RESEARCH_LISTED``) and the address of the picker that searches all of them."""
    from .pickers import research_activities, research_label

    if not topics:
        return
    candidates = list(
        research_activities(user, {})
        .filter(committee_id__in={t.committee_id for t in topics})
        .order_by("-starts_at", "-pk")
        .values_list("pk", "committee_id", "starts_at", "title")[:RESEARCH_READ]
    )
    picker = reverse("pick", args=["research_activities"])
    options: dict[int, str] = {}  # each candidate's option written once: most are listed under several topics
    for topic in topics:
        linked = {a.pk for a in topic.research_activities.all()}
        mine = (row for row in candidates if row[1] == topic.committee_id and row[0] not in linked)
        topic.research_choices = [row for _i, row in zip(range(RESEARCH_LISTED), mine, strict=False)]
        for pk, _committee, starts_at, title in topic.research_choices:
            if pk not in options:
                options[pk] = f'<option value="{pk}">{html.escape(research_label(starts_at, title))}</option>'
        topic.research_options = mark_safe(  # noqa: S308 (escaped)
            "".join(options[row[0]] for row in topic.research_choices)
        )
        topic.research_picker = f"{picker}?{urlencode({'committee': topic.committee_id, 'topic': topic.pk})}"


@login_required
def topic_new(request):
    require_role(request.user, Role.STAFF, Role.CONVENER)
    form = forms.TopicForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_propose(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            messages.success(request, _("The topic is on the candidate list."))
            return redirect("consultations:topics")
    return render(request, "consultations/form.html", {"form": form, "title": _("Propose a topic")})


HEARD_SOURCES = {"lead": "lead_id", "message": "message_id", "contact": "contact_id"}


@login_required
@require_POST
def heard_to_topic(request, source: str, pk: int):
    """Staff or a convener put a lead, a resident's message or a contact on the candidate list of topics."""
    if source not in HEARD_SOURCES:
        raise PermissionDenied
    back = {
        "lead": reverse("activities:lead_detail", args=[pk]),
        "message": reverse("activities:message_detail", args=[pk]),
        "contact": reverse("activities:contacts"),
    }[source]
    try:
        topic = services.topic_from_heard(actor=request.user, **{HEARD_SOURCES[source]: pk})
    except NotPermitted as exc:
        raise PermissionDenied("；".join(exc.messages)) from exc
    except DomainError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    messages.success(request, _("The topic is on the candidate list."))
    return redirect(reverse("consultations:topics") + f"?year={topic.year}")


@login_required
@require_POST
def topic_action(request, pk: int, action: str):
    topic = Topic.objects.editable_by(request.user).filter(pk=pk).first()
    if topic is None:
        raise PermissionDenied
    try:
        if action == "adopt":
            services.topic_adopt(topic_id=pk, actor=request.user, annual_front_line=as_bool(request.POST.get("annual")))
        elif action == "decline":
            services.topic_decline(topic_id=pk, reason=request.POST.get("reason", ""), actor=request.user)
        elif action == "rank":
            form = forms.RankForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Enter a rank between 1 and 999."))
            services.topic_rank(topic_id=pk, rank=form.cleaned_data["rank"], actor=request.user)
        elif action in ("research", "unresearch"):
            activity = as_id(request.POST.get("activity", ""))
            if activity is None:
                raise DomainError(_("Choose an activity."))
            services.topic_link_research(
                topic_id=pk, activity_id=activity, actor=request.user, unlink=action == "unresearch"
            )
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, _errors(exc))
    return redirect(reverse("consultations:topics") + f"?year={topic.year}")


# --- sessions -------------------------------------------------------------------------------------


@login_required
def session_list(request):
    require_role(request.user, Role.STAFF, Role.LEADER, Role.CONVENER)
    listing = filters.SessionListFilter(request.GET or None, queryset=selectors.session_list(request.user))
    return render(
        request,
        "consultations/session_list.html",
        {"page_obj": _page(request, listing.qs), "filter": listing, "query": _query(request)},
    )


@login_required
def session_rows(request, pk: int):
    """The rows behind one of a session's counts on the session list: members present, other participants or
    outcomes; for whoever sees the session."""
    require_role(request.user, Role.STAFF, Role.LEADER, Role.CONVENER)
    session = get_object_or_404(ConsultationSession.objects.visible_to(request.user).select_related("committee"), pk=pk)
    figure = request.GET.get("figure", "")
    if figure not in selectors.SESSION_ROWS:
        raise Http404
    rows = selectors.session_rows(session, figure)
    return render(
        request,
        "consultations/session_rows.html",
        {"session": session, "figure": figure, "page_obj": _page(request, rows), "query": _query(request)},
    )


@login_required
def session_new(request):
    require_role(request.user, Role.STAFF, Role.CONVENER)
    form = forms.SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(actor=request.user, **data)
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            return redirect("consultations:session", session.pk)
    return render(request, "consultations/form.html", {"form": form, "title": _("Plan a consultation session")})


@login_required
def session_edit(request, pk: int):
    session = ConsultationSession.objects.editable_by(request.user).filter(pk=pk).first()
    if session is None:
        raise PermissionDenied
    initial = {k: getattr(session, k) for k in services.SESSION_FIELDS}
    for key in ("starts_at", "ends_at"):
        if initial[key]:
            initial[key] = timezone.localtime(initial[key]).strftime("%Y-%m-%dT%H:%M")
    form = forms.SessionForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session_id=pk, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            return redirect("consultations:session", pk)
    return render(request, "consultations/form.html", {"form": form, "title": session.title})


@login_required
def session_detail(request, pk: int):
    return _session_page(request, pk)


def _session_page(request, pk: int, *, action: str | None = None, bound=None):
    """The session page; after a refused form its input comes back as sent, with the messages."""
    try:
        session = selectors.session_detail(request.user, pk)
    except ConsultationSession.DoesNotExist:
        raise PermissionDenied from None
    scope = scope_of(request.user)
    can_edit = ConsultationSession.objects.editable_by(request.user).filter(pk=pk).exists()
    stages = {}
    for rec in session.stage_records.all():
        stages.setdefault(rec.stage, []).append(rec)
    from .models import StageRecord

    ctx = {
        "session": session,
        "can_edit": can_edit,
        "is_staff": scope.is_staff_of(session.committee_id),
        "stages": [(label, stages.get(value, [])) for value, label in StageRecord.Stage.choices],
        "attendance_form": forms.AttendanceForm(session=session, actor=request.user, prefix="a"),
        "participant_form": forms.ParticipantForm(session=session, prefix="p"),
        "stage_form": forms.StageRecordForm(prefix="s"),
        "document_form": forms.DocumentForm(prefix="d"),
        "outcome_form": forms.OutcomeForm(prefix="o"),
        "events": timeline(session),
    }
    if bound is not None:
        ctx[f"{action}_form"] = bound
    return render(request, "consultations/session_detail.html", ctx)


SESSION_FORMS = {
    "attendance": (
        forms.AttendanceForm,
        "a",
        True,
        lambda s, d, u: services.attendance_set(session_id=s.pk, actor=u, **d),
    ),
    "participant": (
        forms.ParticipantForm,
        "p",
        True,
        lambda s, d, u: services.participant_add(session_id=s.pk, actor=u, **d),
    ),
    "stage": (
        forms.StageRecordForm,
        "s",
        False,
        lambda s, d, u: services.stage_record_add(session_id=s.pk, actor=u, **d),
    ),
    "document": (
        forms.DocumentForm,
        "d",
        False,
        lambda s, d, u: services.document_upload(session_id=s.pk, actor=u, kind=d["kind"], upload=d["file"]),
    ),
    "outcome": (forms.OutcomeForm, "o", False, lambda s, d, u: services.outcome_create(session_id=s.pk, actor=u, **d)),
}


@login_required
@require_POST
def session_action(request, pk: int, action: str):
    session = ConsultationSession.objects.editable_by(request.user).filter(pk=pk).first()
    if session is None:
        raise PermissionDenied
    form = None
    try:
        if action in SESSION_FORMS:
            form_class, prefix, needs_session, call = SESSION_FORMS[action]
            kwargs = {"session": session} if needs_session else {}
            form = form_class(request.POST, request.FILES, prefix=prefix, **kwargs)
            if not form.is_valid():
                return _session_page(request, pk, action=action, bound=form)  # the input stays, messages at the fields
            call(session, form.cleaned_data, request.user)
        elif action == "hold":
            services.session_hold(session_id=pk, actor=request.user)
        elif action == "cancel":
            services.session_cancel(session_id=pk, actor=request.user)
        elif action == "publish":
            services.session_publish(session_id=pk, actor=request.user)
        else:
            raise Http404
    except DomainError as exc:
        if form is not None:
            if not hasattr(exc, "error_dict"):
                messages.error(request, _errors(exc))  # a refusal of the action itself: said on top
            return _session_page(
                request, pk, action=action, bound=form_error_from(exc, form) if hasattr(exc, "error_dict") else form
            )
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("consultations:session", pk)


@login_required
def document_download(request, pk: int):
    """Minutes and evidence are served only to those who may see the session, never from a public URL."""
    from .models import SessionDocument

    visible = ConsultationSession.objects.visible_to(request.user)
    doc = SessionDocument.objects.filter(pk=pk, session__in=visible).first()
    if doc is None:
        raise PermissionDenied
    return stored_response(doc.file, as_attachment=True, filename=doc.name, content_type=doc.content_type)


# --- outcomes -------------------------------------------------------------------------------------


@login_required
def outcome_board(request):
    require_role(request.user, Role.STAFF, Role.LEADER, Role.CONVENER)
    listing = filters.OutcomeListFilter(request.GET or None, queryset=selectors.outcome_board(request.user))
    return render(
        request,
        "consultations/outcome_board.html",
        {
            "page_obj": _page(request, listing.qs),
            "filter": listing,
            "today": timezone.localdate(),
            "query": _query(request),
        },
    )


@login_required
def unit_outcomes(request):
    require_role(request.user, Role.UNIT)
    listing = filters.OutcomeListFilter(
        request.GET or None, queryset=selectors.outcome_board(request.user, unit_only=True)
    )
    return render(
        request,
        "consultations/unit_outcomes.html",
        {
            "page_obj": _page(request, listing.qs),
            "filter": listing,
            "today": timezone.localdate(),
            "query": _query(request),
        },
    )


@login_required
def outcome_detail(request, pk: int):
    return _outcome_page(request, pk)


TEXT_ACTIONS = ("progress", "supervise", "reply", "follow_up")


def _outcome_form(action: str, post, outcome: Outcome):
    """The form an outcome action was sent from, bound to what was sent (None: the action has no form)."""
    makers = {
        "evaluate": lambda: forms.EvaluateForm(post, outcome=outcome),
        "assign": lambda: forms.AssignForm(post, outcome=outcome),
        "review": lambda: forms.ReviewForm(post),
        "link": lambda: forms.ProposalLinkForm(post, outcome=outcome),
        "draft_proposal": lambda: forms.DraftProposalForm(post),
        **{name: (lambda: forms.TextForm(post)) for name in TEXT_ACTIONS},
    }
    return makers[action]() if action in makers else None


OUTCOME_FORM_SLOTS = {
    "evaluate": "evaluate_form",
    "assign": "assign_form",
    "review": "review_form",
    "link": "link_form",
    "draft_proposal": "draft_form",
    **{name: f"{name}_form" for name in TEXT_ACTIONS},
}


def _outcome_page(request, pk: int, *, action: str | None = None, bound=None):
    """The outcome page; after a refused action its form comes back as sent (each text action has its own form,
    so a refused reply does not fill the progress box)."""
    try:
        outcome = selectors.outcome_detail(Outcome.objects.visible_to(request.user), pk)
    except Outcome.DoesNotExist:
        raise PermissionDenied from None
    scope = scope_of(request.user)
    is_staff = scope.is_staff_of(outcome.committee_id)
    is_unit = outcome.unit_id in scope.unit_ids and outcome.state in Outcome.HANDED_OVER
    ctx = {
        "outcome": outcome,
        "is_staff": is_staff,
        "is_unit": is_unit,
        "events": timeline(outcome),
        "can_supervise": scope.can_read_committee(outcome.committee_id),
        "today": timezone.localdate(),
    }
    if is_staff:
        ctx.update(
            evaluate_form=forms.EvaluateForm(outcome=outcome),
            assign_form=forms.AssignForm(outcome=outcome),
            review_form=forms.ReviewForm(),
            link_form=forms.ProposalLinkForm(outcome=outcome),
        )
    ctx["can_draft_proposal"] = (
        not outcome.proposal_id
        and outcome.state in services.DRAFTABLE_STATES
        and services.may_draft_proposal(request.user, outcome)
    )
    if ctx["can_draft_proposal"]:
        ctx["draft_form"] = forms.DraftProposalForm()
    ctx.update({f"{name}_form": forms.TextForm() for name in TEXT_ACTIONS})
    if bound is not None:
        if OUTCOME_FORM_SLOTS.get(action) not in ctx:
            return None
        ctx[OUTCOME_FORM_SLOTS[action]] = bound
    return render(request, "consultations/outcome_detail.html", ctx)


def _outcome_call(action: str, request, outcome: Outcome):
    post, user, pk = request.POST, request.user, outcome.pk
    text = post.get("text", "")
    if action == "evaluate":
        form = forms.EvaluateForm(post, outcome=outcome)
        if not form.is_valid():
            raise DomainError(_("Choose adopt, merge or decline."))
        target = form.cleaned_data["merge_into"]
        return services.outcome_evaluate(
            outcome_id=pk,
            decision=form.cleaned_data["decision"],
            actor=user,
            comment=form.cleaned_data["comment"],
            merge_into_id=target.pk if target else None,
        )
    if action == "assign":
        form = forms.AssignForm(post, outcome=outcome)
        if not form.is_valid():
            raise DomainError(_("Enter a valid date."))
        return services.outcome_assign(outcome_id=pk, actor=user, **form.cleaned_data)
    if action == "review":
        return services.outcome_review(
            outcome_id=pk, accept=post.get("accept") == "1", comment=post.get("comment", ""), actor=user
        )
    if action == "link":
        form = forms.ProposalLinkForm(post, outcome=outcome)
        if not form.is_valid():
            raise DomainError(_("Choose a submitted proposal of the same committee."))
        proposal = form.cleaned_data["proposal"]
        return services.outcome_link_proposal(outcome_id=pk, proposal_id=proposal.pk if proposal else None, actor=user)
    if action == "draft_proposal":
        form = forms.DraftProposalForm(post)
        if not form.is_valid():
            raise DomainError(_("Choose a category."))
        return services.outcome_draft_proposal(outcome_id=pk, actor=user, category=form.cleaned_data["category"])
    simple = {
        "progress": lambda: services.outcome_progress(outcome_id=pk, text=text, actor=user),
        "supervise": lambda: services.outcome_supervise(outcome_id=pk, text=text, actor=user),
        "reply": lambda: services.outcome_reply(outcome_id=pk, text=text, actor=user),
        "publish": lambda: services.outcome_publish(outcome_id=pk, actor=user),
        "follow_up": lambda: services.outcome_follow_up(outcome_id=pk, text=text, actor=user),
        "close": lambda: services.outcome_close(outcome_id=pk, actor=user, comment=text),
    }
    if action not in simple:
        raise Http404
    return simple[action]()


@login_required
@require_POST
def outcome_action(request, pk: int, action: str):
    outcome = Outcome.objects.visible_to(request.user).filter(pk=pk).first()
    if outcome is None:
        raise PermissionDenied
    try:
        _outcome_call(action, request, outcome)
    except DomainError as exc:
        form = _outcome_form(action, request.POST, outcome)
        if form is not None:
            form.is_valid()  # the form's own messages at its fields
            if hasattr(exc, "error_dict"):
                form_error_from(exc, form)
            elif not form.errors:
                messages.error(request, _errors(exc))  # a refusal of the action itself: said on top
            page = _outcome_page(request, pk, action=action, bound=form)
            if page is not None:
                return page
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("consultations:outcome", pk)


# --- figures --------------------------------------------------------------------------------------


def _figure_committees(user):
    scope = scope_of(user)
    if scope.is_superuser:
        return set(Committee.objects.values_list("pk", flat=True))
    return set(scope.staff_committee_ids | scope.leader_committee_ids)


def _figure_filters(request) -> tuple[set, dict]:
    """The committees (the user's, or the one asked for among them), year and platform of the figures."""
    ids = _figure_committees(request.user)
    committee = as_id(request.GET.get("committee", ""))
    if committee in ids:
        ids = {committee}
    return ids, {
        "year": as_int(request.GET.get("year", ""), low=1, high=9999),
        "platform_id": as_id(request.GET.get("platform", "")),
    }


@login_required
def figures(request):
    require_role(request.user, Role.STAFF, Role.LEADER)
    ids, period = _figure_filters(request)
    year = request.GET.get("year", "")
    platform = request.GET.get("platform", "")
    committee = request.GET.get("committee", "")
    data = selectors.figures(ids, **period)
    if request.GET.get("export") == "xlsx":
        from core.exports import record_export

        record_export(request, f"consultation figures {year or 'all years'}")
        return _figures_xlsx(data)
    base = urlencode({k: v for k, v in {"committee": committee, "year": year, "platform": platform}.items() if v})
    return render(
        request,
        "consultations/figures.html",
        {
            "data": _labelled(data),
            "year": year,
            "platform": platform,
            "committee": committee,
            "rows_url": reverse("consultations:figure_rows"),
            "base": base,
            "base_all_committees": urlencode({k: v for k, v in {"year": year, "platform": platform}.items() if v}),
            "base_all_platforms": urlencode({k: v for k, v in {"committee": committee, "year": year}.items() if v}),
            "committees": Committee.objects.filter(pk__in=_figure_committees(request.user)),
            "platforms": Platform.objects.filter(committee_id__in=ids, kind=Platform.Kind.CONSULTATION).only(
                "pk", "name"
            ),
        },
    )


@login_required
def figure_rows(request):
    """The rows behind one consultation figure (``figure`` and the figures page's filters)."""
    require_role(request.user, Role.STAFF, Role.LEADER)
    ids, period = _figure_filters(request)
    figure = request.GET.get("figure", "")
    if figure not in selectors.FIGURES:
        figure = "sessions"
    rows = selectors.figure_rows(
        ids, figure, **period, **{k: request.GET.get(k, "") for k in ("level", "form", "kind", "state")}
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consultations/figure_rows.html",
        {
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "figure": figure,
            "query": query.urlencode(),
            "back": urlencode({k: v for k, v in query.items() if k in ("committee", "year", "platform")}),
        },
    )


def _labelled(data: dict) -> dict:
    """Stored values with their labels for display (each row keeps its value: its figure links by it)."""
    from .models import Level, Participant

    kinds = dict(Participant.Kind.choices)
    return {
        **data,
        "by_level_form": [
            {
                **r,
                "level_label": Level(r["level"]).label,
                "form_label": ConsultationSession.Form(r["form"]).label,
            }
            for r in data["by_level_form"]
        ],
        "by_state": [
            {"state": value, "label": label, "n": data["by_state"].get(value, 0)}
            for value, label in Outcome.State.choices
        ],
        "participants": [
            {"kind": k.removeprefix("participants_"), "label": kinds.get(k.removeprefix("participants_"), k), "n": n}
            for k, n in data["people"].items()
            if k.startswith("participants_")
        ],
        "members_present": data["people"].get("members_present", 0),
    }


def _figures_xlsx(data) -> HttpResponse:
    levels = dict(ConsultationSession._meta.get_field("level").choices)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Sessions"))
    sheet.append([str(_("level")), str(_("form")), str(_("sessions"))])
    for row in data["by_level_form"]:
        sheet.append(
            [str(levels.get(row["level"], row["level"])), str(ConsultationSession.Form(row["form"]).label), row["n"]]
        )
    states = book.create_sheet(str(_("Outcomes")))
    states.append([str(_("state")), str(_("outcomes"))])
    for value, label in Outcome.State.choices:
        states.append([str(label), data["by_state"].get(value, 0)])
    totals = data["totals"]
    states.append([str(_("answered on time")), totals["on_time"]])
    states.append([str(_("overdue")), totals["overdue"]])
    people = book.create_sheet(str(_("Participants")))
    labelled = _labelled(data)
    people.append([str(_("members present")), labelled["members_present"]])
    for row in labelled["participants"]:
        people.append([str(row["label"]), row["n"]])
    out = io.BytesIO()
    book.save(out)
    return xlsx_download(out.getvalue(), export_filename(_("Consultation figures")))


# --- public disclosure (no login) ----------------------------------------------------------------


def _public_committee(code: str) -> Committee:
    return get_object_or_404(Committee.objects.only("pk", "name", "code"), code=code)


def _public_render(template: str, context: dict, *, large_text: bool) -> str:
    """Rendered without the request, so nothing about the visitor (login, messages) enters the cache; only the
    language and the text size (larger text, ``core.views.text_size``), which are part of the cache key."""
    from django.conf import settings
    from django.utils.translation import get_language

    return render_to_string(
        template,
        {"portal_title": settings.PORTAL_TITLE, "LANGUAGE_CODE": get_language(), "large_text": large_text, **context},
    )


def _cached(request, committee: Committee, key: str, build) -> HttpResponse:
    """Serve a rendered public page from the cache; any publication bumps the committee's version."""
    version = services.public_cache_version(committee.pk)
    large_text = accessibility(request)["large_text"]
    size = "large" if large_text else "normal"
    cache_key = f"consultations:public:{committee.pk}:{version}:{request.LANGUAGE_CODE}:{size}:{key}"
    html = cache.get(cache_key)
    if html is None:
        html = build(large_text)
        cache.set(cache_key, html, PUBLIC_CACHE_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = "public, max-age=60"
    patch_vary_headers(response, ["Cookie"])  # the text size; a browser must not keep the other size's copy
    return response


def public_index(request, code: str):
    committee = _public_committee(code)
    query = request.GET.get("q", "").strip()[:50]

    page = request.GET.get("page", "1")
    page = str(as_int(page, 1, low=1, high=10**6))

    def build(large_text):
        listing = selectors.public_listing(committee, query)
        outcomes = Paginator(listing.pop("outcomes"), 30).get_page(page)
        return _public_render(
            "consultations/public_index.html",
            {
                "committee": committee,
                "q": query,
                "outcomes": outcomes,
                "page_obj": outcomes,
                "query": urlencode({"q": query}) if query else "",
                **listing,
            },
            large_text=large_text,
        )

    return _cached(
        request, committee, f"index:{page}:" + hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest(), build
    )


def public_session(request, code: str, pk: int):
    committee = _public_committee(code)

    def build(large_text):
        try:
            session = selectors.public_session(committee, pk)
        except ObjectDoesNotExist:
            raise Http404 from None
        return _public_render(
            "consultations/public_session.html", {"committee": committee, "session": session}, large_text=large_text
        )

    return _cached(request, committee, f"session:{pk}", build)


def public_outcome(request, code: str, pk: int):
    committee = _public_committee(code)

    def build(large_text):
        try:
            outcome = selectors.public_outcome(committee, pk)
        except ObjectDoesNotExist:
            raise Http404 from None
        return _public_render(
            "consultations/public_outcome.html", {"committee": committee, "outcome": outcome}, large_text=large_text
        )

    return _cached(request, committee, f"outcome:{pk}", build)


# --- the resident's rating of the outcome of their matter (tracking page) ------------------------------------------


@require_POST
def track_rate(request, code: str):
    """The resident rates how the consultation outcome of their message was handled (once; the tracking page's
    challenge and the mailbox's rate limits apply). The page itself is ``activities:mailbox_track``."""
    return rate_on_tracking_page(request, code, OUTCOME_RATING, services.outcome_rate)

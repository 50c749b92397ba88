"""The members' mailbox 委员信箱 / 约见委员 pages.

Public (no account): the message form of a committee, group, platform or contact point, its printable QR poster
for notice boards, and the tracking page a resident opens with their code (state, public answer, what became of
it; never a name or phone). Logged in: the list of messages one may see (new ones first), a message with the
actions the viewer may take (pass on, set aside, answer, record a visit, turn into a proposal draft), and the
quarter's pooled themes for staff and leaders. The resident's name and phone show only where
``PublicMessage.may_see_personal`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.forms import (
    MessageAnswerForm,
    MessageDiscardForm,
    MessageRatingForm,
    MessageRouteForm,
    MessageVisitForm,
    PublicMessageForm,
)
from activities.mailbox_challenge import new_challenge
from activities.models import MessageTarget, PublicMessage
from activities.models.mailbox import normalise_code
from activities.selectors import heard
from activities.selectors import mailbox as sel
from activities.services import mailbox as svc
from core.dates import in_year
from core.exceptions import DomainError
from core.forms import call_service, form_error_from
from core.links import absolute_url
from core.net import client_ip
from core.qr import qr_svg
from groups.access import Role, scope_of
from groups.models.contacts import ContactTopic

PAGE_SIZE = 20
READERS = {Role.STAFF, Role.LEADER, Role.CONVENER, Role.MEMBER}


def _place_or_404(target: str, pk: int):
    place = svc.mailbox_target(target, pk)
    if place is None:
        raise Http404
    return place


def _committee_of(target: str, place):
    return place if target == MessageTarget.COMMITTEE else place.committee


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def mailbox(request, target: str, pk: int):
    """A place's public mailbox: a resident leaves a message or asks to meet a member, without an account."""
    place = _place_or_404(target, pk)
    token, question = new_challenge()
    form = PublicMessageForm(request.POST or None, question=question, initial={"token": token})
    if request.method == "POST":
        if form.is_valid():
            try:
                message = svc.message_submit(
                    target=target, target_id=pk, client_address=client_ip(request), **form.service_fields()
                )
            except DomainError as exc:
                form_error_from(exc, form)
            else:
                return redirect(reverse("activities:mailbox_track", args=[message.tracking_code]) + "?new=1")
        # A new sum each time the form comes back; what was typed stays.
        form.data = form.data.copy()
        form.data["token"], form.data["answer"] = token, ""
    return _no_store(
        render(
            request,
            "activities/mailbox/form.html",
            {
                "form": form,
                "place": place,
                "target": target,
                "committee": _committee_of(target, place),
                "target_label": MessageTarget(target).label,
            },
        )
    )


def mailbox_poster(request, target: str, pk: int):
    """The printable notice-board sheet: the place's name, what the mailbox is for and a QR code to its page."""
    place = _place_or_404(target, pk)
    url = absolute_url(reverse("activities:mailbox", args=[target, pk]))
    qr = qr_svg(url)
    return render(
        request,
        "activities/mailbox/poster.html",
        {
            "place": place,
            "committee": _committee_of(target, place),
            "qr": qr,
            "url": url,
            "track_url": absolute_url(reverse("activities:mailbox_track_lookup")),
        },
    )


def track_lookup(request):
    """Where a resident types their tracking code."""
    code = normalise_code(request.GET.get("code", ""))
    not_found = False
    if code:
        if PublicMessage.objects.filter(tracking_code=code).exists():
            return redirect("activities:mailbox_track", code=code)
        not_found = True
    return _no_store(render(request, "activities/mailbox/track_lookup.html", {"not_found": not_found}))


def _tracked(code: str) -> PublicMessage:
    message = (
        PublicMessage.objects.select_related(
            "committee", "group", "platform", "contact_point", "rating", "outcome_rating"
        )
        .filter(tracking_code=normalise_code(code))
        .first()
    )
    if message is None:
        raise Http404
    return message


def _rating_form(message: PublicMessage) -> MessageRatingForm | None:
    """The rating form once the message is answered and until it is rated (a new sum each time it is drawn)."""
    if message.state != PublicMessage.State.ANSWERED or hasattr(message, "rating"):
        return None
    token, question = new_challenge()
    return MessageRatingForm(question=question, initial={"token": token}, prefix="rate")


def _outcome_rating_form(message: PublicMessage, outcomes: list) -> MessageRatingForm | None:
    """The rating of the consultation outcome once one is published and until the message's outcome is rated."""
    if not outcomes or hasattr(message, "outcome_rating"):
        return None
    token, question = new_challenge()
    return MessageRatingForm(question=question, initial={"token": token}, prefix="orate")


def track(
    request,
    code: str,
    rating_form: MessageRatingForm | None = None,
    status: int = 200,
    outcome_rating_form: MessageRatingForm | None = None,
):
    """The resident's tracking page: the state, the public answer and what became of the message; no personal data.

    When the message became a consultation topic: the topic's published outcomes (the unit's reply, the follow-up
    records) and the resident's rating of them (``consultations:track_rate``)."""
    message = _tracked(code)
    # What it became is read through the reverse relations the apps above keep (``sel.became``). Only numbers,
    # stages and outcomes are shown, never a draft's text.
    became = sel.became(message)
    outcomes = sel.became_outcomes(message, became["topics"])
    return _no_store(
        render(
            request,
            "activities/mailbox/track.html",
            {
                "message": message,
                "became": became,
                "outcomes": outcomes,
                "new": request.GET.get("new") == "1",
                "rated": request.GET.get("rated") == "1",
                "outcome_rated": request.GET.get("outcome_rated") == "1",
                "rating_form": rating_form or _rating_form(message),
                "outcome_rating_form": outcome_rating_form or _outcome_rating_form(message, outcomes),
            },
            status=status,
        )
    )


@dataclass(frozen=True)
class TrackingRating:
    """One of the two ratings a resident gives on the tracking page: of the answer to their message, or of the
    consultation outcome it became. ``prefix``: the form's; ``form_name``: the tracking page's keyword for the form;
    ``done``: the query flag the page thanks them by; ``probe``: the form the page offers (``None``: nothing to rate
    yet, or rated already)."""

    prefix: str
    form_name: str
    done: str
    probe: Callable[[PublicMessage], MessageRatingForm | None]


ANSWER_RATING = TrackingRating("rate", "rating_form", "rated", _rating_form)
OUTCOME_RATING = TrackingRating(
    "orate",
    "outcome_rating_form",
    "outcome_rated",
    lambda message: _outcome_rating_form(message, sel.became_outcomes(message, sel.became(message)["topics"])),
)


def rate_on_tracking_page(request, code: str, kind: TrackingRating, rate: Callable[..., object]) -> HttpResponse:
    """A rating posted from the tracking page: ``rate`` (the service, called with the code, the rating, the comment
    and the sender's address) once the page offers ``kind``'s form, then back to the page with its thanks; refused,
    the page again (400) with what was typed and a new sum. Nothing to rate, or rated already: back to the page,
    which says which."""
    message = _tracked(code)
    probe = kind.probe(message)
    if probe is None:
        return redirect("activities:mailbox_track", code=message.tracking_code)
    form = MessageRatingForm(request.POST, prefix=kind.prefix)
    if form.is_valid():
        try:
            rate(
                code=message.tracking_code,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                client_address=client_ip(request),
            )
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            return redirect(reverse("activities:mailbox_track", args=[message.tracking_code]) + f"?{kind.done}=1")
    form.data = form.data.copy()
    form.data[f"{kind.prefix}-token"], form.data[f"{kind.prefix}-answer"] = probe.initial["token"], ""
    form.fields["answer"].label = probe.fields["answer"].label
    return track(request, code, status=400, **{kind.form_name: form})


@require_POST
def track_rate(request, code: str):
    """The resident rates the handling of their answered message (once; the challenge and the rate limits apply)."""
    return rate_on_tracking_page(request, code, ANSWER_RATING, svc.message_rate)


# --- Logged in ---------------------------------------------------------------------------------------------


def _readers_only(request):
    scope = scope_of(request.user)
    if not READERS & set(scope.roles):
        raise PermissionDenied
    return scope


@login_required
def message_list(request):
    """The messages the viewer may see, waiting ones first; filtered as the themes' counts link to."""
    scope = _readers_only(request)
    rows = sel.filtered(svc.message_queue(request.user), request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page.object_list:
        m.show_personal = m.may_see_personal(scope)
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return render(
        request,
        "activities/mailbox/list.html",
        {
            "page_obj": page,
            "rows": page.object_list,
            "query": query,
            "params": request.GET,
            "states": [
                ("", _("Open and answered")),
                ("new", PublicMessage.State.NEW.label),
                ("routed", PublicMessage.State.ROUTED.label),
                ("overdue", _("Overdue")),
                ("answered", PublicMessage.State.ANSWERED.label),
                ("discarded", PublicMessage.State.DISCARDED.label),
            ],
            "categories": ContactTopic.choices,
            "may_see_themes": bool({Role.STAFF, Role.LEADER} & set(scope.roles)),
        },
    )


def _visible_message(request, pk: int) -> PublicMessage:
    message = (
        PublicMessage.objects.visible_to(request.user)
        .select_related(
            "committee", "group", "platform", "contact_point", "routed_member", "routed_group", "contact", "rating"
        )
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise PermissionDenied
    return message


ACTIONS = {
    "route": MessageRouteForm,
    "discard": MessageDiscardForm,
    "answer": MessageAnswerForm,
    "visit": MessageVisitForm,
}


def _forms(request, message: PublicMessage, bound: str | None = None):
    """The action forms the viewer may use (``bound``: the one posted, bound to the request)."""
    data = request.POST if bound else None
    forms = {}
    is_open = message.state in PublicMessage.OPEN_STATES
    if is_open and svc.may_moderate(request.user, message):
        members, groups = svc.route_choices(request.user, message)
        forms["route"] = MessageRouteForm(
            data if bound == "route" else None, members=members, groups=groups, prefix="route"
        )
        forms["discard"] = MessageDiscardForm(data if bound == "discard" else None, prefix="discard")
    if message.state != PublicMessage.State.DISCARDED and svc.may_answer(request.user, message):
        forms["answer"] = MessageAnswerForm(
            data if bound == "answer" else None, prefix="answer", initial={"answer": message.answer}
        )
        if not message.contact_id:
            forms["visit"] = MessageVisitForm(data if bound == "visit" else None, prefix="visit")
    return forms


def _detail(request, message: PublicMessage, forms, status: int = 200):
    scope = scope_of(request.user)
    proposals = list(
        message.proposals.order_by("pk").only("pk", "serial_number", "state", "title", "source_message_id")
    )
    may_draft = (
        message.state != PublicMessage.State.DISCARDED
        and scope.member_id is not None
        and scope.member_id in {message.routed_member_id, getattr(message.contact, "member_id", None)}
    )
    return render(
        request,
        "activities/mailbox/detail.html",
        {
            "message": message,
            "forms": forms,
            "show_personal": message.may_see_personal(scope),
            "proposals": proposals,
            "may_draft": may_draft,
            "may_moderate": message.state != PublicMessage.State.DISCARDED and svc.may_moderate(request.user, message),
        },
        status=status,
    )


@login_required
def message_detail(request, pk: int):
    _readers_only(request)
    message = _visible_message(request, pk)
    return _detail(request, message, _forms(request, message))


@login_required
@require_POST
def message_act(request, pk: int, action: str):
    """One action of the message page; a refusal shows the page again with what was typed."""
    _readers_only(request)
    message = _visible_message(request, pk)
    if action not in ACTIONS:
        raise Http404
    forms = _forms(request, message, bound=action)
    form = forms.get(action)
    if form is None:
        raise PermissionDenied
    if form.is_valid():
        done = call_service(form, lambda: _call(action, request.user, message, form.cleaned_data))
        if done is not None:
            messages.success(request, DONE[action]())
            return redirect("activities:message_detail", pk=message.pk)
    return _detail(request, message, forms, status=400)


DONE = {
    "route": lambda: _("The message is passed on."),
    "discard": lambda: _("The message is set aside."),
    "answer": lambda: _("The answer is saved; the resident sees it with their code."),
    "visit": lambda: _("The visit is recorded in the contact log."),
}


def _call(action: str, actor, message: PublicMessage, data: dict):
    if action == "route":
        return svc.message_route(
            message_id=message.pk,
            actor=actor,
            member_id=data["member"].pk if data.get("member") else None,
            group_id=data["group"].pk if data.get("group") else None,
        )
    if action == "discard":
        return svc.message_discard(message_id=message.pk, actor=actor, reason=data["reason"])
    if action == "answer":
        return svc.message_answer(message_id=message.pk, actor=actor, answer=data["answer"])
    return svc.message_record_visit(
        message_id=message.pk,
        actor=actor,
        contacted_on=data["contacted_on"],
        whom=data["whom"],
        follow_up=data["follow_up"],
        answer=data["answer"],
    )


@login_required
def message_themes(request):
    """群众呼声汇总分析: the quarter's counts by kind of matter, by place and of recurring words, each a link."""
    scope = scope_of(request.user)
    if not {Role.STAFF, Role.LEADER} & set(scope.roles):
        raise PermissionDenied
    today = timezone.localdate()
    period = sel.period_of(request.GET) or sel.Period.of(today)
    visible = PublicMessage.objects.visible_to(request.user)
    everything = heard.sources(request.user)
    return render(
        request,
        "activities/mailbox/themes.html",
        {
            "period": period,
            "years": range(today.year, today.year - 3, -1),
            **heard.pooled(everything, period),
            **sel.themes(visible, period),
        },
    )


@login_required
def heard_theme(request):
    """A pooled theme's rows: the messages, contacts and suggestions behind a count of the themes page (a kind of
    matter, a place, a word, over the days ``since``/``until``), a page at a time; the total shown is the rows
    across the pages."""
    scope = scope_of(request.user)
    if not {Role.STAFF, Role.LEADER} & set(scope.roles):
        raise PermissionDenied
    src = heard.filtered(heard.sources(request.user), request.GET)
    page, rows = heard.theme_page(src, request.GET.get("page"))
    category = request.GET.get("category") or ""
    place = heard.parse_place(request.GET.get("place"))
    return render(
        request,
        "activities/mailbox/theme.html",
        {
            "page_obj": page,
            "rows": rows,
            "total": page.paginator.count,
            "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
            "category_label": dict(ContactTopic.choices).get(category, ""),
            "place_name": heard.place_name(place),
            "word": (request.GET.get("word") or "").strip()[:20],
            "since": heard.parse_day(request.GET.get("since")),
            "until": heard.parse_day(request.GET.get("until")),
        },
    )


@login_required
def message_ratings(request):
    """群众评价: residents' ratings of the year's answered messages per member and group, each count a link."""
    scope = scope_of(request.user)
    if not {Role.STAFF, Role.LEADER} & set(scope.roles):
        raise PermissionDenied
    today = timezone.localdate()
    period = sel.period_of(request.GET)
    year = period.year if period else today.year
    data = sel.ratings(PublicMessage.objects.visible_to(request.user), year)
    # the residents' ratings of the consultation outcomes their messages became (the reverse relation that
    # consultations keeps), the year's, newest first
    outcome_rated = (
        PublicMessage.objects.visible_to(request.user)
        .filter(in_year("outcome_rating__created_at", year))
        .select_related("outcome_rating")
        .order_by("-outcome_rating__created_at", "-pk")[:OUTCOME_RATINGS_SHOWN]
    )
    return render(
        request,
        "activities/mailbox/ratings.html",
        {
            "year": year,
            "years": range(today.year, today.year - 3, -1),
            "base": f"year={year}",
            "outcome_rated": outcome_rated,
            **data,
        },
    )


OUTCOME_RATINGS_SHOWN = 100

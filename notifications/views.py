"""The inbox, preferences, the private calendar feed and the SMS delivery receipts."""

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.forms import form_error_from
from core.links import absolute_url

from . import calendar, selectors, services
from .forms import CalendarForm, PreferencesForm
from .models import Kind, Notification, NotificationSettings


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    qs = selectors.inbox(request.user, unread_only=unread_only)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "query": query.urlencode(),
            "kind": kind,
            "q": q,
            "kinds": Kind.choices,
        },
    )


def _safe(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("notifications:inbox")


@login_required
def open_notification(request, pk: int):
    """Follow a notification's link; opening it marks it read."""
    notification = get_object_or_404(Notification.objects.for_user(request.user).only("id", "url"), pk=pk)
    services.notification_mark_read(notification_id=notification.pk, actor=request.user)
    return redirect(_safe(request, notification.url))


@login_required
@require_POST
def mark_read(request, pk: int):
    get_object_or_404(Notification.objects.for_user(request.user).only("id"), pk=pk)
    services.notification_mark_read(notification_id=pk, actor=request.user)
    return redirect(_safe(request, request.POST.get("next", "")))


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
        % {"count": count},
    )
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None,
        kinds=services.offered_kinds(user),
        channels=services.offered_channels(user),
        current=selectors.preferences(user),
        may_digest=services.may_digest(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                actor=user,
                channels=form.channels(),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
                email_digest=form.cleaned_data.get("email_digest", False),
            )
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    token = NotificationSettings.objects.filter(user=request.user).values_list("calendar_token", flat=True).first()
    feed_url = absolute_url(reverse("notifications:calendar", args=[token])) if token else ""
    return render(request, "notifications/preferences.html", {"form": form, "feed_url": feed_url})


@login_required
@require_POST
def calendar_link(request):
    form = CalendarForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["action"] == "regenerate":
            services.calendar_token_regenerate(actor=request.user)
            messages.success(request, _("Your calendar has a new link; the old one no longer works."))
        else:
            services.calendar_token_revoke(actor=request.user)
            messages.success(request, _("Your calendar link is switched off."))
    return redirect("notifications:preferences")


def calendar_feed(request, token: str):
    """The private iCalendar feed; an unknown or revoked token is 404, whoever asks."""
    prefs = (
        NotificationSettings.objects.select_related("user").filter(calendar_token=token, user__is_active=True).first()
        if token
        else None
    )
    if prefs is None:
        raise Http404
    body = calendar.render(calendar.events_for(prefs.user), name=_("CPPCC activities"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@csrf_exempt  # the SMS provider posts here; the shared token is the credential
@require_POST
def sms_receipt(request):
    """Delivery receipts pushed by the SMS provider (Alibaba Cloud SmsReport: a JSON list), with ?token=."""
    expected = settings.NOTIFICATIONS_RECEIPT_TOKEN
    given = request.GET.get("token") or request.headers.get("X-Receipt-Token", "")
    if not expected:
        raise Http404
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"code": 1, "msg": "forbidden"}, status=403)
    try:
        receipts = json.loads(request.body or b"[]")
    except ValueError:
        receipts = None
    if isinstance(receipts, dict):
        receipts = [receipts]
    if not isinstance(receipts, list) or not all(isinstance(r, dict) for r in receipts):
        return JsonResponse({"code": 1, "msg": "bad request"}, status=400)
    _recorded, unknown = services.delivery_receipts_record(receipts=receipts)
    # code 0 tells the provider it may forget them; otherwise it pushes the batch again later
    return JsonResponse({"code": 0, "msg": "成功"} if not unknown else {"code": 1, "msg": "unknown receipts"})

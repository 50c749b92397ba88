import logging
import sys

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found

from core import services
from core.accounts import first_login_token
from core.exceptions import DomainError, NotPermitted
from core.forms import form_error_from
from core.net import client_ip
from core.verbs import CoreVerb

log = logging.getLogger("cppcc.errors")

TEXT_SIZE_COOKIE = "portal_text_size"  # "large": 1.25× text (core.context_processors.accessibility)


def health(request):
    """Liveness and database reachability for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "database unavailable"}, status=503)


def server_error(request):
    """``handler500``: a page (or, under /api/, JSON) saying what happened, without touching the database.

    When the database cannot be reached (PostgreSQL restarting, the network to it down) the answer is
    503 with ``Retry-After``: the user is told to try again in a minute, and a load balancer or client
    knows the failure is temporary. Anything else is a 500. The page renders without the request
    context (no session, no user: those would ask the database again).
    """
    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    status = 503 if unavailable else 500
    if unavailable:
        log.warning("database unavailable: answered %s with 503", request.path)
        message = _("The portal cannot reach its database just now. Please try again in a minute.")
    else:
        message = _("Something went wrong on our side. The error has been logged; please try again later.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        context = {"message": message, "status": status, "portal_title": settings.PORTAL_TITLE}
        response = HttpResponse(render_to_string("500.html", context), status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every logged-in user changes their own password here; their API tokens are revoked with it and their
    other sessions end (Django's session hash), this one stays."""

    template_name = "registration/portal_password_change.html"  # the admin keeps its own password_change_form
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = self.request.user
        services.user_password_change(
            user=user, actor=user, password=form.cleaned_data["new_password1"], ip=client_ip(self.request)
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed. Sign in again in apps that use the API."))
        return HttpResponseRedirect(self.get_success_url())


class LogoutView(auth_views.LogoutView):
    """Log out of the portal, and of the API as well: the user's API tokens are revoked."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.api_tokens_revoke(user=request.user, actor=request.user, reason="logout", ip=client_ip(request))
        return super().post(request, *args, **kwargs)


def not_found(request, exception):
    """``handler404``: under /api/ a JSON 404 like the API's own (an id the URL pattern refuses, such as
    ``0.5``, never reaches a view), elsewhere Django's page."""
    if request.path.startswith("/api/"):
        from rest_framework.exceptions import NotFound

        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form posted from a page that has expired (a stale token, cookies refused, a
    session that changed in another tab). The user is told in plain words to reload and submit again, with a
    link that reloads the page the form came from when it is one of ours. Under /api/, JSON like the API's."""
    message = _("This page has expired. Go back, reload the page and try again.")
    log.info("CSRF failure on %s: %s", request.path, reason)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    context = {"portal_title": settings.PORTAL_TITLE, "retry_url": referer if same_site else ""}
    return HttpResponse(render_to_string("errors/csrf.html", context), status=403)


@require_POST
def text_size(request):
    """Larger text (1.25×) on or off in this browser, then back to the page the button was on. A cookie, like
    the language, so the login page and the public pages follow it too; one POST, no script."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("home")
    response = HttpResponseRedirect(back)
    if request.POST.get("size") == "large":
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            "large",
            max_age=365 * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response


# --- Getting into an account without the password (core/accounts.py) -----------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Forgot the password: a reset link by e-mail (Django's token and form, the portal's pages)."""

    template_name = "registration/portal_password_reset.html"
    email_template_name = "registration/portal_password_reset_email.txt"
    subject_template_name = "registration/portal_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    extra_email_context = {"portal_title": settings.PORTAL_TITLE}

    def form_valid(self, form):
        """Within the limits per address and per network address, or the form again with the refusal (no mail)."""
        try:
            services.password_reset_email_request(email=form.cleaned_data["email"], ip=client_ip(self.request))
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(form=form_error_from(exc, form)))
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/portal_password_reset_done.html"


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """A signed link lets its owner choose a password: the reset e-mail's link here, the first-login link in
    ``FirstLoginView``. The password is set by ``core.services.user_password_change`` (audited, API tokens
    revoked); then the person logs in with it."""

    template_name = "registration/portal_set_password.html"
    success_url = reverse_lazy("login")
    verb = CoreVerb.PASSWORD_RESET
    heading = gettext_lazy("Choose a new password")
    done_message = gettext_lazy("Your password has been set. Log in with it now.")

    def form_valid(self, form):
        ip = client_ip(self.request)
        user = services.user_password_change(
            user=self.user, actor=self.user, password=form.cleaned_data["new_password1"], ip=ip
        )
        services.record_event(user, actor=user, verb=self.verb, data={"ip": ip, "by": "link"})
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, self.done_message)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heading": self.heading}


class FirstLoginView(SetPasswordView):
    """A new login's first visit, from the link staff sent or printed: the member chooses their password."""

    token_generator = first_login_token
    verb = CoreVerb.FIRST_PASSWORD_SET
    heading = gettext_lazy("Welcome: choose your password")
    done_message = gettext_lazy("Your password has been set. Log in with your username and the new password.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "first_login": True}


class SmsCodeRequestForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=20)


class SmsCodeConfirmForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=20)
    code = forms.CharField(label=gettext_lazy("Code from the SMS"), max_length=6, min_length=6)
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password confirmation"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two password fields didn’t match."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


SMS_PHONE_SESSION_KEY = "password_reset_sms_phone"


def password_reset_sms(request):
    """Forgot the password: a code by SMS to the login's mobile number (the same answer whether or not a login
    has the number; limits per number and per network)."""
    form = SmsCodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"].strip()
        try:
            services.password_reset_code_send(phone=phone, ip=client_ip(request))
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            request.session[SMS_PHONE_SESSION_KEY] = phone
            messages.info(
                request,
                _("If a login has this mobile number, a code is on its way. It is valid for %(n)s minutes.")
                % {"n": settings.SMS_CODE_MINUTES},
            )
            return redirect("password_reset_sms_confirm")
    return render(request, "registration/portal_password_reset_sms.html", {"form": form})


def password_reset_sms_confirm(request):
    """The code from the SMS and a new password; a wrong code uses up one of its few tries."""
    initial = {"phone": request.session.get(SMS_PHONE_SESSION_KEY, "")}
    form = SmsCodeConfirmForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.password_reset_code_confirm(
                phone=d["phone"], code=d["code"], password=d["new_password1"], ip=client_ip(request)
            )
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            request.session.pop(SMS_PHONE_SESSION_KEY, None)
            messages.success(request, _("Your password has been set. Log in with it now."))
            return redirect("login")
    return render(request, "registration/portal_password_reset_sms_confirm.html", {"form": form})


# --- Exports prepared in the background (core.export_jobs) ---------------------------------------------------

EXPORTS_PER_PAGE = 30


@login_required
def exports(request):
    """The exports the user asked for, and those of the committees they are staff of, newest first: each ready one
    with its download link, a failed one with why."""
    from django.core.paginator import Paginator

    from core.models import ExportJob

    jobs = ExportJob.objects.visible_to(request.user).select_related("requested_by").order_by("-created_at", "-id")
    return render(
        request,
        "exports/list.html",
        {
            "page_obj": Paginator(jobs, EXPORTS_PER_PAGE).get_page(request.GET.get("page")),
            "keep_days": settings.EXPORT_KEEP_DAYS,
        },
    )


@login_required
def export_download(request, pk: int):
    """A prepared export's file, for its requester or the staff of its committee (the queryset), when the export's
    own rule lets the one downloading have it (checked again now: a right lost since is a 403); audited."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from core.export_jobs import kind_of
    from core.exports import record_export
    from core.files import stored_response
    from core.models import ExportJob

    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk, state=ExportJob.State.DONE)
    try:
        kind_of(job.kind).check(request.user, job.params)
    except (NotPermitted, LookupError) as exc:
        raise PermissionDenied from exc
    response = stored_response(job.file, content_type=job.content_type, as_attachment=True, filename=job.filename)
    record_export(request, job.title, job.rows, obj=job, file_format=job.filename.rsplit(".", 1)[-1])
    return response

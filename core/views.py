import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found

from core import services
from core.net import client_ip

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
        services.user_password_change(user=user, actor=user, password=form.cleaned_data["new_password1"],
                                      ip=client_ip(self.request))
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
    same_site = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())
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
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=365 * 24 * 3600, secure=settings.SESSION_COOKIE_SECURE,
                            httponly=True, samesite="Lax")
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response

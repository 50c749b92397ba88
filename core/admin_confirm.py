"""One confirmation step before an irreversible admin action, as Django's own "delete selected" has.

``@confirm_first(warning)`` under ``@admin.action``: the first POST from the change list shows an intermediate page
(the records chosen, what will happen, that it cannot be undone) and changes nothing; its "Yes" button posts the
same action again with ``confirmed=yes``, and only then does the action run. ``reason=`` (a label) asks on that page
for the reason the action's service takes (closing a lead): the action reads it as ``request.POST["reason"]``, and
a confirmation without one shows the page again, changing nothing. ``tests/test_confirmations.py`` fails on
an irreversible admin action without it.
"""

from __future__ import annotations

import functools

from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

CONFIRMED = "confirmed"
SHOWN = 100  # the records listed on the page; the rest are counted


def confirm_first(warning, *, reason=None):
    """Make an admin action ask first (``warning``: what it does, told on the confirmation page; ``reason``: the
    label of the reason asked for there, required)."""

    def wrap(action):
        @functools.wraps(action)
        def run(modeladmin, request, queryset):
            given = (request.POST.get("reason") or "").strip()
            if request.POST.get(CONFIRMED) == "yes" and (reason is None or given):
                return action(modeladmin, request, queryset)
            missing = reason is not None and request.POST.get(CONFIRMED) == "yes"
            return confirmation_page(
                modeladmin, request, queryset, action.__name__, warning, reason=reason, reason_missing=missing
            )

        run.confirmed_first = True
        return run

    return wrap


def confirmation_page(
    modeladmin, request, queryset, name: str, warning, *, reason=None, reason_missing: bool = False
) -> TemplateResponse:
    opts = modeladmin.model._meta
    description = modeladmin.get_actions(request).get(name, (None, name, name))[2]
    objects = list(queryset[: SHOWN + 1])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Are you sure?"),
        "subtitle": str(description),
        "opts": opts,
        "action_name": name,
        "description": description,
        "warning": warning,
        "objects": objects[:SHOWN],
        "more": max(0, queryset.count() - SHOWN) if len(objects) > SHOWN else 0,
        "ids": list(queryset.values_list("pk", flat=True)),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirmed": CONFIRMED,
        "reason_label": reason,
        "reason_missing": reason_missing,
    }
    return TemplateResponse(request, "admin/portal_confirm_action.html", context)

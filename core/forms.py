"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def form_error_from(exc: ValidationError, form: forms.Form) -> forms.Form:
    """Show a service's refusal on the bound form: each message under the field it names, the rest on top.

    The page is then rendered again with the form, so what the user typed is kept (never a redirect that
    wipes it)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    return form

"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


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


def call_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Run a page's service for a valid form: its result, or None when the service refused, with the refusal shown
    on the form (the page is rendered again with what was typed). ``NotPermitted`` is a 403, never a form error.
    The services it runs return what they wrote (never None: None means refused)."""
    from django.core.exceptions import PermissionDenied

    from core.exceptions import NotPermitted

    try:
        return call()
    except NotPermitted:
        raise PermissionDenied from None
    except ValidationError as exc:  # every DomainError
        form_error_from(exc, form)
        return None


def run_button(request, call: Callable[[], object], done: str | None = None) -> bool:
    """Run a page's one-button service (no form to show a refusal on): ``NotPermitted`` is a 403, any other
    refusal a message at the top of the page, success the ``done`` message. Returns whether it was done."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied

    from core.exceptions import NotPermitted

    try:
        call()
    except NotPermitted:
        raise PermissionDenied from None
    except ValidationError as exc:  # every DomainError
        messages.error(request, " ".join(exc.messages))
        return False
    if done:
        messages.success(request, done)
    return True


class StyledForm(forms.Form):
    """A form whose fields carry Bootstrap's classes: selects ``form-select``, checkbox lists
    ``form-check-input``, the rest ``form-control`` (a class a widget sets itself stays)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)

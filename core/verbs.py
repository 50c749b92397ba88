"""The registry of audit verbs and the one timeline.

Every verb written to the audit trail (``AuditEvent.verb``) is declared once, with its label, in a
``TextChoices`` of the app that writes it (``<app>/verbs.py``, registered with ``@register("<app label>")`` and
imported by the app's ``ready()``); core's own verbs are ``CoreVerb`` below. The stored values are the bare
strings; a label is looked up by (the record's app, verb), so ``filed`` can read differently for a proposal and
an activity. ``core.services.audit_event`` refuses an unregistered verb where ``settings.AUDIT_VERBS_STRICT``
(DEBUG and the tests), and ``tests/core/test_audit_verbs.py`` fails when a verb written in code is not
registered. ``timeline(obj)`` is the one reader every page's audit trail uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from .models import AuditEvent

C = TypeVar("C", bound=type[models.TextChoices])

_LABELS: dict[str, dict[str, str | Promise]] = {}  # app label -> verb -> label
_ALL: set[str] = set()
_APPS: dict[type, tuple[str, ...]] = {}  # registry class -> the app labels it was registered for


def register(*app_labels: str) -> Callable[[C], C]:
    """Class decorator: the verbs of the records of ``app_labels`` (a ``TextChoices``: value = the stored verb,
    label = its words on the pages); more than one app where one app's services write the records of another."""

    def add(verbs: C) -> C:
        _APPS[verbs] = _APPS.get(verbs, ()) + app_labels
        for app_label in app_labels:
            labels = _LABELS.setdefault(app_label, {})
            for verb in verbs:
                labels[verb.value] = verb.label
                _ALL.add(verb.value)
        return verbs

    return add


def apps_of(verbs: type[models.TextChoices]) -> tuple[str, ...]:
    """The app labels a registry was registered for (empty: not registered)."""
    return _APPS.get(verbs, ())


def is_registered(verb: str) -> bool:
    return verb in _ALL


def registered() -> frozenset[str]:
    """Every registered verb."""
    return frozenset(_ALL)


def label(verb: str, app_label: str = "") -> str:
    """The verb's words for a record of ``app_label``: that app's label, else core's, else any app's; the raw
    verb only if nobody registered it."""
    for labels in (_LABELS.get(app_label, {}), _LABELS.get("core", {}), *_LABELS.values()):
        if verb in labels:
            return str(labels[verb])
    return verb


def _state_labels(model: type[models.Model]) -> dict[str, str]:
    try:
        field = model._meta.get_field("state")
    except FieldDoesNotExist:  # a model without states: its rows are shown by verb alone
        return {}
    return {str(value): str(text) for value, text in (getattr(field, "choices", None) or ())}


def timeline(obj: models.Model) -> list[AuditEvent]:
    """The audit trail of ``obj``, oldest first, in the users' words: each row with ``verb_label`` (the registry's
    label), ``state_label``/``from_state_label`` (the model's state labels) and ``change`` ("from → to" for a
    transition, else the verb's label). Two queries (the rows with their actors; the content type is cached)."""
    from .services import events_for

    app_label = obj._meta.app_label
    states = _state_labels(type(obj))
    events = list(events_for(obj))
    for e in events:
        e.verb_label = label(e.verb, app_label)  # type: ignore[attr-defined]
        e.state_label = states.get(e.to_state, e.to_state)  # type: ignore[attr-defined]
        e.from_state_label = states.get(e.from_state, e.from_state)  # type: ignore[attr-defined]
        e.change = (  # type: ignore[attr-defined]
            f"{e.from_state_label} → {e.state_label}".lstrip(" →")  # type: ignore[attr-defined]
            if e.to_state
            else e.verb_label  # type: ignore[attr-defined]
        )
    return events


@register("core")
class CoreVerb(models.TextChoices):
    """Verbs every app's records get (``record_save``/``record_delete``) and the accounts' security events."""

    CREATED = "created", _("created")
    UPDATED = "updated", pgettext_lazy("audit", "changed")
    CHANGED = "changed", pgettext_lazy("audit", "changed")
    DELETED = "deleted", pgettext_lazy("audit", "deleted")
    EXPORT = "export", pgettext_lazy("audit", "exported")
    EXPORT_REQUESTED = "export_requested", pgettext_lazy("audit", "export asked for")
    EXPORT_FAILED = "export_failed", pgettext_lazy("audit", "export failed")
    EXPORT_EXPIRED = "export_expired", pgettext_lazy("audit", "export file removed")
    EXPORT_RESENT = "export_resent", pgettext_lazy("audit", "export sent to a worker again")
    LOGGED_IN = "logged_in", pgettext_lazy("audit", "logged in")
    LOGGED_OUT = "logged_out", pgettext_lazy("audit", "logged out")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit", "log-in failed")
    PERMISSIONS_CHANGED = "permissions_changed", pgettext_lazy("audit", "permissions changed")
    PRIVILEGES_CHANGED = "privileges_changed", pgettext_lazy("audit", "administrator rights changed")
    PASSWORD_CHANGED = "password_changed", pgettext_lazy("audit", "password changed")
    PASSWORD_SET = "password_set", pgettext_lazy("audit", "password set by an administrator")
    FIRST_PASSWORD_SET = "first_password_set", pgettext_lazy("audit", "first password set")
    PASSWORD_RESET = "password_reset", pgettext_lazy("audit", "password reset")
    PASSWORD_RESET_CODE_SENT = "password_reset_code_sent", pgettext_lazy("audit", "password reset code sent")
    API_TOKEN_ISSUED = "api_token_issued", pgettext_lazy("audit", "API token issued")
    API_TOKENS_REVOKED = "api_tokens_revoked", pgettext_lazy("audit", "API tokens revoked")

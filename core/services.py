"""Writes shared by every app: the audit trail, API tokens and passwords, records edited as data."""
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from .models import ApiToken, AuditEvent, User
from .tokens import password_stamp


def not_an_api_action(reason: str):
    """Mark a public service function that has no API endpoint on purpose, with the reason (a read-only helper,
    work the worker runs, a step called only by another service). ``tests/test_api_parity.py`` requires every
    public service function to have an endpoint (``core.api.exposes``) or this mark."""

    def mark(func):
        func.not_an_api_action = reason
        return func

    return mark


not_an_api_action("the mark itself")(not_an_api_action)


@not_an_api_action("builds an audit row inside another service's transaction")
def audit_event(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit row for ``obj``, not saved yet: ``record_event`` saves one, ``record_events`` many."""
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


@not_an_api_action("writes the audit row of another service's action")
def record_event(obj: models.Model, **event) -> AuditEvent:
    """Append one row to the audit trail for ``obj`` (the arguments of ``audit_event``); call inside the
    action's transaction."""
    row = audit_event(obj, **event)
    row.save()
    return row


@not_an_api_action("writes the audit rows of another service's action")
def record_events(rows: Iterable[AuditEvent]) -> None:
    """Append many ``audit_event`` rows in one insert (a batch action: one row per record it changed)."""
    AuditEvent.objects.bulk_create(list(rows), batch_size=2000)


@not_an_api_action("reads the audit trail")
def events_for(obj: models.Model):
    """The audit trail of one record, oldest first, with actors loaded."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


# --- API tokens and passwords -------------------------------------------------------------------------------

@transaction.atomic
def api_token_issue(*, user: User, actor: User, ip: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user`` lasting ``settings.API_TOKEN_TTL``: the row and the key (shown once; only
    its hash is kept). The user's expired tokens go at the same time."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = ApiToken.objects.create(user=user, expiry=settings.API_TOKEN_TTL, password_stamp=password_stamp(user))
    record_event(user, actor=actor, verb="api_token_issued",
                 data={"ip": ip, "token": token.token_key, "expiry": token.expiry.isoformat()})
    return token, key


@transaction.atomic
def api_tokens_revoke(*, user: User, actor: User, reason: str, token: ApiToken | None = None, ip: str = "") -> int:
    """Revoke ``token``, or every API token of ``user`` when none is given; returns how many went."""
    tokens = ApiToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    keys = list(tokens.values_list("token_key", flat=True))
    tokens.delete()
    if keys:
        record_event(user, actor=actor, verb="api_tokens_revoked", data={"ip": ip, "reason": reason, "tokens": keys})
    return len(keys)


@transaction.atomic
def user_password_change(*, user: User, actor: User, password: str, ip: str = "") -> User:
    """Set ``user``'s password (already validated) and revoke their API tokens; the caller keeps its own
    session (``update_session_auth_hash``), every other session ends (Django's session hash)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    api_tokens_revoke(user=locked, actor=actor, reason="password_changed", ip=ip)
    record_event(locked, actor=actor, verb="password_changed", data={"ip": ip})
    return locked
# --- Records edited as data ------------------------------------------------------------------------
# Settings, reference rows, rules and their lines are edited in the admin as plain rows, but their
# consequences are not plain: a rule set's figures reach every duty record of its year. Each app says what
# follows a write to its models with ``on_record_write``; ``record_save`` and ``record_delete`` run it in the
# write's transaction, next to the audit row.

_CONSEQUENCES: dict[type, list[Callable]] = {}


@not_an_api_action("registers what follows a record_save; not an action")
def on_record_write(*models_: type[models.Model]) -> Callable:
    """Register ``hook(before=, after=)`` to run whenever a record of one of ``models_`` is saved or deleted
    through ``record_save``/``record_delete`` (``before`` is ``None`` for a new row, ``after`` for a deleted one)."""

    def register(hook: Callable) -> Callable:
        for model in models_:
            _CONSEQUENCES.setdefault(model, []).append(hook)
        return hook

    return register


def _consequences(model: type[models.Model], *, before, after) -> None:
    for klass in model.__mro__:
        for hook in _CONSEQUENCES.get(klass, ()):
            hook(before=before, after=after)


def _fresh(obj: models.Model):
    """The row as the database holds it, locked: what the write changes from."""
    if obj.pk is None or obj._state.adding:
        return None
    return type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()


@not_an_api_action("the admin's door for rows edited as data (settings, reference rows, rule lines): the API has "
                   "no generic row editor")
@transaction.atomic
def record_save(*, obj: models.Model, actor: User | None, changed: Iterable[str] = (),
                m2m: dict[str, Any] | None = None) -> models.Model:
    """Save a record edited as data (settings, reference rows, rules), with its audit row and consequences."""
    before = _fresh(obj)
    obj._history_user = actor  # django-simple-history's change row names the same person
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    record_event(obj, actor=actor, verb="updated" if before is not None else "created",
                 data={"fields": sorted(changed)})
    _consequences(type(obj), before=before, after=obj)
    return obj


@not_an_api_action("the admin's door for rows deleted as data: the API has no generic row editor")
@transaction.atomic
def record_delete(*, obj: models.Model, actor: User | None) -> None:
    """Delete a record edited as data, with its audit row and consequences."""
    before = _fresh(obj)
    if before is None:
        return  # gone already: a second click changes nothing
    record_event(before, actor=actor, verb="deleted")
    before._history_user = actor
    before.delete()
    _consequences(type(obj), before=before, after=None)

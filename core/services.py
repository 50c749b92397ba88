"""Writes shared by every app: the audit trail."""
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent, User


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


def record_event(obj: models.Model, **event) -> AuditEvent:
    """Append one row to the audit trail for ``obj`` (the arguments of ``audit_event``); call inside the
    action's transaction."""
    row = audit_event(obj, **event)
    row.save()
    return row


def record_events(rows: Iterable[AuditEvent]) -> None:
    """Append many ``audit_event`` rows in one insert (a batch action: one row per record it changed)."""
    AuditEvent.objects.bulk_create(list(rows), batch_size=2000)


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

"""Writes shared by every app: the audit trail."""
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent, User


def record_event(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit trail for ``obj``; call inside the action's transaction."""
    return AuditEvent.objects.create(
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

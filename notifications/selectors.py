"""Reads: the inbox and the preferences."""

from .models import Notification
from .services import preferences_of


def inbox(user, *, unread_only: bool = False):
    qs = Notification.objects.for_user(user).only("id", "kind", "title", "body", "url", "created_at", "read_at", "due")
    return qs.unread() if unread_only else qs


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def preferences(user) -> dict:
    """The user's stored choices: ``channels`` per kind, ``quiet_start``, ``quiet_end``, ``email_digest``."""
    return preferences_of(user)

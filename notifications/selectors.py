"""Reads: the inbox and the preferences."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from core.models import User

from .models import Notification, NotificationQuerySet
from .services import preferences_of


def inbox(user: AbstractBaseUser | AnonymousUser, *, unread_only: bool = False) -> NotificationQuerySet:
    qs = Notification.objects.for_user(user).only("id", "kind", "title", "body", "url", "created_at", "read_at", "due")
    return qs.unread() if unread_only else qs


def unread_count(user: AbstractBaseUser | AnonymousUser) -> int:
    return Notification.objects.for_user(user).unread().count()


def preferences(user: User) -> dict[str, Any]:
    """The user's stored choices: ``channels`` per kind, ``quiet_start``, ``quiet_end``, ``email_digest``."""
    return preferences_of(user)

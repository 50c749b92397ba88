"""Reads: the inbox and the effective channel choices."""
from .models import Channel, Kind, Notification
from .services import channel_choices


def inbox(user, *, unread_only: bool = False):
    qs = Notification.objects.for_user(user).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at", "due"
    )
    return qs.unread() if unread_only else qs


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def effective_channels(user) -> dict[str, list[str]]:
    """What the user gets per kind now (their choice, else the defaults), for the preferences form."""
    return {kind: [c for c in chosen if c != Channel.IN_APP] for kind, chosen in channel_choices(user, Kind.values).items()}

from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count for the header badge: one COUNT query, only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from .selectors import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}

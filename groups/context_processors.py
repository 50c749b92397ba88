from django.conf import settings

from groups.access import scope_of


def portal(request):
    """The user's roles for the navigation, computed once per request."""
    user = getattr(request, "user", None)
    scope = scope_of(user)
    return {"portal_title": settings.PORTAL_TITLE, "scope": scope, "roles": {r.value for r in scope.roles}}

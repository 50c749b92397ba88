from django.utils.functional import SimpleLazyObject

from groups.access import Role, scope_of


def staff_tools(request):
    """``staff_tools``: the workbench's sections of portal tools, for the admin's header and index (computed only
    where a template uses it, and only for staff)."""

    def tools():
        from .views import _tools

        scope = scope_of(getattr(request, "user", None))
        return _tools(scope) if Role.STAFF in scope.roles else []

    return {"staff_tools": SimpleLazyObject(tools)}

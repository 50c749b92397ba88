from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import directory
from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Contact"), {"fields": ("name", "phone")}),)
    list_display = ("username", "name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "name", "email", "phone")

    # Secretariat staff look logins up (the user pickers of members, staff positions and handling units
    # autocomplete from here) among those they may bind, and change none: a login's rights are a superuser's.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = directory.scope_of(request.user)
        return qs if scope.is_superuser else qs.filter(pk__in=directory.bindable_users(scope).values("pk"))

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        scope = directory.scope_of(request.user)
        return scope.is_superuser or bool(scope.staff_committee_ids)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        """Django's own password form saves the login; the change is audited in the same transaction."""
        from django.contrib.admin.utils import unquote
        from django.db import transaction

        from core.services import record_event

        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                record_event(self.get_object(request, unquote(id)), actor=request.user, verb="password_set")
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "verb", "object_repr", "from_state", "to_state")
    list_filter = ("verb", "content_type")
    search_fields = ("object_repr", "comment", "actor__username", "actor__name")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"

    # Read-only for everyone; staff read the rows of their committees (those whose committee the write could
    # tell, see ``core.directory.committee_of_record``), superusers every row.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = directory.scope_of(request.user)
        return qs if scope.is_superuser else qs.filter(committee_id__in=scope.staff_committee_ids)

    def has_module_permission(self, request):
        scope = directory.scope_of(request.user)
        return scope.is_superuser or bool(scope.staff_committee_ids)

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        scope = directory.scope_of(request.user)
        return obj is None or scope.is_superuser or obj.committee_id in scope.staff_committee_ids

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from core.notifications import admin as notifications_admin  # noqa: E402,F401  (registers its admins)

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.verbs import CoreVerb

from . import directory
from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Contact"), {"fields": ("name", "phone")}),)
    list_display = ("username", "name", "email", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "name", "email", "phone")
    # Secretariat staff: the logins of their committees' members (``directory.member_logins``), to look up and
    # correct contact details; no password is ever typed here (the member chooses it through the first-login
    # link or a reset), and logins are created and switched off by the member admin's actions (services).
    staff_fieldsets = (
        (None, {"fields": ("username", "name")}),
        (_("Contact"), {"fields": ("phone", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    staff_readonly_fields = ("username", "is_active", "last_login", "date_joined")

    # The user pickers of members, staff positions and handling units autocomplete from here: among the logins
    # staff may bind. The list shows the logins they manage.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = directory.scope_of(request.user)
        if scope.is_superuser:
            return qs
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":  # the admin's one autocomplete view
            return qs.filter(pk__in=directory.bindable_users(scope).values("pk"))
        return qs.filter(pk__in=directory.member_logins(scope).values("pk"))

    def get_fieldsets(self, request, obj=None):
        return super().get_fieldsets(request, obj) if request.user.is_superuser else self.staff_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) if request.user.is_superuser else self.staff_readonly_fields

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else ("is_active",)

    def _is_staff(self, request) -> bool:
        return bool(directory.scope_of(request.user).staff_committee_ids)

    def has_module_permission(self, request):
        return request.user.is_superuser or self._is_staff(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_staff(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if not self._is_staff(request):
            return False
        return obj is None or directory.member_logins(directory.scope_of(request.user)).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        """Django's own password form saves the login; the change is audited in the same transaction.
        Superusers only: staff never know a member's password."""
        from django.contrib.admin.utils import unquote
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        from core.services import record_event

        if not request.user.is_superuser:
            raise PermissionDenied
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                record_event(self.get_object(request, unquote(id)), actor=request.user, verb=CoreVerb.PASSWORD_SET)
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

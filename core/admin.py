from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Contact"), {"fields": ("name", "phone")}),)
    list_display = ("username", "name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "name", "email", "phone")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "verb", "object_repr", "from_state", "to_state")
    list_filter = ("verb", "content_type")
    search_fields = ("object_repr", "comment", "actor__username", "actor__name")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from core.notifications import admin as notifications_admin  # noqa: E402,F401  (registers its admins)

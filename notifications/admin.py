"""Admin: the send log, notifications and the outbox. Reminder schedules are django-celery-beat's Periodic
tasks (created by ``manage.py setup_schedules``); committee defaults are per committee, so their admin is
groups' (``groups/admin.py``)."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from core.directory import scope_of
from core.models import OutboxMessage

from .models import Delivery, Notification


def people_of(committee_ids):
    """Ids of users who belong to one of the committees: members, handling-unit users, staff and leaders."""
    from core.models import User

    return User.objects.filter(
        Q(member__committee__in=committee_ids)
        | Q(handling_units__committee__in=committee_ids)
        | Q(committee_positions__committee__in=committee_ids)
    ).values("pk")


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    """Secretariat staff read the rows of their committees' people; nobody edits the log by hand."""

    recipient_path = "recipient"
    list_per_page = 50

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_of(request.user)
        if scope.is_superuser:
            return qs
        return qs.filter(**{f"{self.recipient_path}__in": people_of(scope.staff_committee_ids)})

    def has_module_permission(self, request):
        scope = scope_of(request.user)
        return scope.is_superuser or bool(scope.staff_committee_ids)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return scope_of(request.user).is_superuser


class ProblemFilter(admin.SimpleListFilter):
    """What staff look for: messages that failed or bounced, and those still being retried."""

    title = pgettext_lazy("notifications", "problems")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [
            ("failed", pgettext_lazy("notifications", "Failed or bounced")),
            ("retrying", pgettext_lazy("notifications", "Being retried")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=Delivery.Status.FAILED)
        if self.value() == "retrying":
            return queryset.filter(status=Delivery.Status.PENDING, attempts__gte=1)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyScopedAdmin):
    """The send log: who, what, when, channel, result, the provider's receipt and the last error."""

    recipient_path = "notification__recipient"
    list_display = (
        "created_at",
        "recipient",
        "title",
        "kind",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "receipt_at",
        "digest",
        "last_error",
    )
    list_filter = (ProblemFilter, "status", "channel", "digest", "notification__kind")
    search_fields = ("notification__title", "notification__recipient__username", "notification__recipient__name")
    list_select_related = ("notification__recipient",)
    date_hierarchy = "created_at"

    @admin.display(description=Notification._meta.get_field("recipient").verbose_name)
    def recipient(self, obj):
        return obj.notification.recipient

    @admin.display(description=Notification._meta.get_field("title").verbose_name)
    def title(self, obj):
        return obj.notification.title

    @admin.display(description=Notification._meta.get_field("kind").verbose_name)
    def kind(self, obj):
        return obj.notification.get_kind_display()


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "due", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "recipient__name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "task", "attempts", "last_error")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""The admin's read-only list of the members' mailbox 委员信箱 (issue 20): residents' messages with their rating.

Every step of a message has its service and its page (``activities.services.mailbox``), so the admin only lists and
shows them: no add, change or delete here. The list is the staff's committees' rows (``ReadOnlyAdmin``); a
resident's name and phone are shown only on a message's own page, which only the committee's staff reach (never in a
list column or a search field).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from activities.models import MessageRating, PublicMessage
from groups.admin_base import ReadOnlyAdmin


class MessageRatingInline(admin.StackedInline):
    model = MessageRating
    extra = 0
    can_delete = False
    fields = ("rating", "comment", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublicMessage)
class PublicMessageAdmin(ReadOnlyAdmin):
    """Residents' messages 委员信箱: routed, answered and set aside on the message's page."""

    list_display = ("tracking_code", "created_at", "kind", "category", "state", "answer_due", "routed_member", "rated")
    list_filter = ("state", "kind", "category", "target", ("created_at", admin.DateFieldListFilter))
    search_fields = ("tracking_code", "text", "routed_member__name")  # never the resident's name or phone
    list_select_related = ("routed_member", "rating")
    inlines = [MessageRatingInline]
    fields = (
        "committee",
        "tracking_code",
        "target",
        "group",
        "platform",
        "contact_point",
        "kind",
        "category",
        "text",
        "name",
        "phone",
        "state",
        "answer_due",
        "routed_member",
        "routed_group",
        "routed_at",
        "answer",
        "answered_at",
        "answered_by",
        "contact",
        "discard_reason",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("rating"))
    def rated(self, obj):
        rating = getattr(obj, "rating", None)
        return rating.get_rating_display() if rating else "—"

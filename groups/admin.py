from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import (
    ActivityGroup,
    Committee,
    CommitteeStaff,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Platform,
    PlenarySession,
    Sector,
    SpecialCommittee,
    Term,
)
from groups.resources import ActivityGroupResource, MemberResource


class UserScopedImportMixin(ImportExportMixin):
    """Hands the staff user to the resource, so imports reach only their committees."""

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def get_data_for_export(self, request, queryset, **kwargs):
        """The rows of every admin export, without a live formula in any format (``core.exports``)."""
        from core.exports import neutralise_dataset

        return neutralise_dataset(super().get_data_for_export(request, queryset, **kwargs))

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """Every export leaves an audit record (who, what, how many rows, which format)."""
        from core.exports import record_export

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record_export(request, str(self.model._meta.verbose_name_plural), queryset.count(),
                      file_format=file_format.get_title() if hasattr(file_format, "get_title") else str(file_format))
        return data

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class TermInline(ScopedInline):
    model = Term


@admin.register(Committee)
class CommitteeAdmin(CommitteeScopedAdmin):
    committee_path = "pk"
    list_display = ("name", "level", "parent", "code")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    inlines = [TermInline]


class PlenarySessionInline(ScopedInline):
    """The term's sessions to open: created, edited and deleted on their own page, through the service
    (audit record, stale roll-ups), where their attendance is recorded too."""

    model = PlenarySession
    fields = ("number", "year", "start_date", "end_date", "half_days")
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Term)
class TermAdmin(CommitteeScopedAdmin):
    list_display = ("__str__", "committee", "number", "start_date", "end_date", "is_current")
    list_filter = ("committee", "is_current")
    list_select_related = ("committee",)
    inlines = [PlenarySessionInline]


@admin.register(Sector)
class SectorAdmin(CommitteeScopedAdmin):
    list_display = ("name", "committee", "order", "member_count")
    list_filter = ("committee",)
    search_fields = ("name",)
    list_select_related = ("committee",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members", filter=Q(members__status="active")))

    @admin.display(description=_("member count"), ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(SpecialCommittee)
class SpecialCommitteeAdmin(CommitteeScopedAdmin):
    list_display = ("name", "committee")
    list_filter = ("committee",)
    search_fields = ("name",)
    list_select_related = ("committee",)


class MembershipOfMemberInline(ScopedInline):
    model = GroupMembership
    fields = ("group", "role", "joined_on", "left_on")
    autocomplete_fields = ("group",)


@admin.register(Member)
class MemberAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [MemberResource]
    list_display = ("name", "committee", "sector", "party", "is_standing", "work_unit", "street", "phone", "status")
    list_filter = ("committee", "status", "is_standing", "party", "sector")
    search_fields = ("name", "work_unit", "street", "phone")
    list_select_related = ("committee", "sector")
    autocomplete_fields = ("user",)
    inlines = [MembershipOfMemberInline]
    fieldsets = (
        (None, {"fields": ("committee", "term", "name", "gender", "status", "user")}),
        (_("Affiliation"), {"fields": ("sector", "special_committee", "party", "is_standing")}),
        (_("Work and residence"), {"fields": ("work_unit", "position", "street")}),
        (_("Contact"), {"fields": ("phone", "email")}),
    )


class MembershipInline(ScopedInline):
    model = GroupMembership
    fields = ("member", "role", "joined_on", "left_on")
    autocomplete_fields = ("member",)


class ContactPointLinkInline(ScopedInline):
    model = ActivityGroup.contact_points.through
    verbose_name = _("contact point")
    verbose_name_plural = _("contact points")
    autocomplete_fields = ("contactpoint",)


@admin.register(ActivityGroup)
class ActivityGroupAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [ActivityGroupResource]
    list_display = ("name", "committee", "kind", "street", "special_committee", "liaison_leader", "member_count", "is_active")
    list_filter = ("committee", "kind", "is_active", "special_committee")
    search_fields = ("name", "street")
    list_select_related = ("committee", "special_committee", "liaison_leader")
    autocomplete_fields = ("liaison_leader",)
    exclude = ("contact_points",)
    inlines = [MembershipInline, ContactPointLinkInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        )

    @admin.display(description=_("member count"), ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(ContactPoint)
class ContactPointAdmin(CommitteeScopedAdmin):
    list_display = ("name", "kind", "committee", "street", "contact_name", "is_active")
    list_filter = ("committee", "kind", "is_active")
    search_fields = ("name", "street", "address")
    list_select_related = ("committee",)


@admin.register(Platform)
class PlatformAdmin(CommitteeScopedAdmin):
    list_display = ("name", "kind", "level", "brand", "committee", "street", "six_haves", "is_active")
    list_filter = ("committee", "kind", "level", "is_active")
    search_fields = ("name", "brand", "street")
    list_select_related = ("committee",)
    autocomplete_fields = ("host_group",)
    fieldsets = (
        (None, {"fields": ("committee", "name", "kind", "level", "brand", "street", "address", "host_group", "is_active")}),
        (_("The six haves"), {"fields": Platform.SIX_HAVES}),
    )

    @admin.display(description=_("six haves met"))
    def six_haves(self, obj):
        return f"{obj.six_haves_met}/6"


@admin.register(HandlingUnit)
class HandlingUnitAdmin(CommitteeScopedAdmin):
    list_display = ("name", "short_name", "committee", "contact_name", "contact_phone", "is_active")
    list_filter = ("committee", "is_active")
    search_fields = ("name", "short_name")
    list_select_related = ("committee",)
    autocomplete_fields = ("users",)


@admin.register(CommitteeStaff)
class CommitteeStaffAdmin(CommitteeScopedAdmin):
    list_display = ("user", "committee", "role", "office")
    list_filter = ("committee", "role")
    search_fields = ("user__username", "user__name", "office")
    list_select_related = ("user", "committee")
    autocomplete_fields = ("user",)


@admin.register(GroupMembership)
class GroupMembershipAdmin(CommitteeScopedAdmin):
    committee_path = "group__committee"
    list_display = ("member", "group", "role", "joined_on", "left_on")
    list_filter = ("role", "group__committee")
    search_fields = ("member__name", "group__name")
    list_select_related = ("member", "group")
    autocomplete_fields = ("member", "group")


# The activity and plenary admins register themselves on import.
from groups import admin_activities, admin_plenary  # noqa: E402,F401

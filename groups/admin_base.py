"""Admin plumbing shared by every app: secretariat staff see and edit only their committees."""
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from simple_history.admin import SimpleHistoryAdmin

from groups.access import scope_of


def _scope_related(queryset, request):
    """Limit a choice list to what the staff user administers, when the model knows its committee."""
    if hasattr(queryset, "administered_by"):
        return queryset.administered_by(request.user)
    return queryset


class CommitteeScopedAdmin(SimpleHistoryAdmin):
    """A model admin whose rows belong to a committee reachable through ``committee_path``."""

    committee_path = "committee"
    list_per_page = 50

    def _is_secretariat(self, request) -> bool:
        scope = scope_of(request.user)
        return scope.is_superuser or bool(scope.staff_committee_ids)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_of(request.user)
        if scope.is_superuser:
            return qs
        return qs.filter(**{f"{self.committee_path}__in": scope.staff_committee_ids})

    def get_list_filter(self, request):
        """Relation filters offer only values found in the staff's own rows, never other committees'."""
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry):
        if not isinstance(entry, str) or "__" in entry:
            return entry
        try:
            field = self.model._meta.get_field(entry)
        except FieldDoesNotExist:
            return entry
        return (entry, admin.RelatedOnlyFieldListFilter) if field.is_relation else entry

    def has_module_permission(self, request):
        return self._is_secretariat(request)

    def has_view_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def has_add_permission(self, request, *args):
        return self._is_secretariat(request)

    def has_change_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scope_related(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scope_related(field.queryset, request)
        return field


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scope_related(field.queryset, request)
        return field

    def _is_secretariat(self, request) -> bool:
        scope = scope_of(request.user)
        return scope.is_superuser or bool(scope.staff_committee_ids)

    def has_view_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def has_add_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def has_change_permission(self, request, obj=None):
        return self._is_secretariat(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_secretariat(request)

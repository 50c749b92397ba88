"""Admin plumbing shared by every app: secretariat staff see and edit only their committees."""

import copy

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from core.admin_doors import InlineDoors, ServiceDoors
from core.paginator import EstimatingPaginator
from groups.access import scope_of
from groups.models import Committee


def committee_path_of(model, admin_site=None) -> str | None:
    """The path from a row of ``model`` to its committee: the ``committee_path`` of the model's
    ``CommitteeScopedAdmin`` (the admin that already decides which rows staff may see), else ``None``."""
    model_admin = (admin_site or admin.site)._registry.get(model)
    if isinstance(model_admin, CommitteeScopedAdmin):
        return model_admin.committee_path
    return None


def bindable_users(scope):
    """Logins a secretariat may bind to its members, staff positions and handling units: a login with no tie
    to any committee yet, or one whose every tie (member record, staff position, handling unit) is within the
    staff's committees. Never a superuser, and never a login of another committee."""
    from django.contrib.auth import get_user_model

    from groups.models import CommitteeStaff, HandlingUnit, Member

    ids = scope.staff_committee_ids
    return (
        get_user_model()
        .objects.filter(is_superuser=False)
        .exclude(pk__in=Member.objects.exclude(committee__in=ids).filter(user__isnull=False).values("user_id"))
        .exclude(pk__in=CommitteeStaff.objects.exclude(committee__in=ids).values("user_id"))
        .exclude(pk__in=HandlingUnit.users.through.objects.exclude(handlingunit__committee__in=ids).values("user_id"))
    )


def scoped_choices(queryset, request, admin_site=None):
    """The rows of a choice list (select, autocomplete, raw id, many-to-many) that the user may pick.

    One rule for every relation of every admin form: a superuser picks anything; secretariat staff pick
    rows of their committees (the related model's ``CommitteeScopedAdmin.committee_path``) and logins
    ``bindable_users`` allows; a model with no known committee offers nothing (closed, not open). The form
    field validates a posted id against this queryset, so a raw-id input cannot name another committee's row.
    """
    from django.contrib.auth import get_user_model

    scope = scope_of(request.user)
    if scope.is_superuser:
        return queryset
    model = queryset.model
    if model is get_user_model():
        return queryset.filter(pk__in=bindable_users(scope).values("pk"))
    path = committee_path_of(model, admin_site)
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": scope.staff_committee_ids})


def scope_form_fields(form_class, request, admin_site=None, skip=()):
    """Scope every model choice field of a form class, the declared ones included (copied first: a
    declared field is shared by every form class made from the same form)."""
    from django import forms

    for name, field in list(form_class.base_fields.items()):
        if name in skip or not isinstance(field, forms.ModelChoiceField):
            continue
        field = copy.deepcopy(field)
        field.queryset = scoped_choices(field.queryset, request, admin_site)
        label_with_committee(field, request, admin_site)
        form_class.base_fields[name] = field
    return form_class


class LargeTablePaginator(EstimatingPaginator):
    """Counts exactly up to ``EXACT`` rows; past that, on PostgreSQL, takes the planner's estimate.

    ``COUNT(*)`` of millions of attendance rows joined to their activities takes a second on every
    changelist page; counting the first ``EXACT + 1`` rows and asking EXPLAIN for the rest takes
    milliseconds. Tables below ``EXACT`` rows (and SQLite) keep the exact count.
    """


def _committee_names(scope) -> dict[int, str]:
    qs = Committee.objects.all() if scope.is_superuser else Committee.objects.filter(pk__in=scope.staff_committee_ids)
    return {pk: short or name for pk, short, name in qs.values_list("pk", "short_name", "name")}


def _committee_id_field(path: str) -> str:
    return "committee_id" if path == "committee" else f"{path}_id"


def label_with_committee(field, request, admin_site=None) -> None:
    """A choice field of per-committee rows (sectors, special committees, groups …) offered to staff who see
    several committees: each label names its committee, ``中共 · 东湖区``, else the city's three 中共 look alike."""
    scope = scope_of(request.user)
    model = field.queryset.model
    path = committee_path_of(model, admin_site)
    if path is None or model is Committee or not (scope.is_superuser or len(scope.staff_committee_ids) > 1):
        return
    names = _committee_names(scope)
    id_path = _committee_id_field(path)
    field.queryset = field.queryset.annotate(_committee_key=models.F(id_path))
    field.label_from_instance = lambda obj: f"{obj} · {names.get(obj._committee_key, '')}".rstrip(" ·")


class CommitteeLabelledFilter(admin.RelatedOnlyFieldListFilter):
    """A relation filter offering the values found in the staff's rows, each named with its committee when they
    come from more than one (the 界别 filter listed 中共 three times for a city's staff)."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        path = committee_path_of(field.related_model, model_admin.admin_site)
        if path is None or field.related_model is Committee or len(choices) < 2:
            return choices
        committee_of = dict(
            field.related_model._default_manager.filter(pk__in=[pk for pk, _label in choices]).values_list(
                "pk", _committee_id_field(path)
            )
        )
        if len(set(committee_of.values())) < 2:
            return choices
        names = _committee_names(scope_of(request.user))
        return [(pk, f"{label} · {names.get(committee_of.get(pk), '')}".rstrip(" ·")) for pk, label in choices]


class ScopedCommitteeFilter(admin.RelatedFieldListFilter):
    """The committees the staff user administers, read from their scope: no DISTINCT over the rows
    (70 ms over 500,000 activities), and never another committee."""

    def field_choices(self, field, request, model_admin):
        scope = scope_of(request.user)
        committees = Committee.objects.all()
        if not scope.is_superuser:
            committees = committees.filter(pk__in=scope.staff_committee_ids)
        return [(c.pk, str(c)) for c in committees]


class CommitteeScopedAdmin(ServiceDoors, SimpleHistoryAdmin):
    """A model admin whose rows belong to a committee reachable through ``committee_path``.

    The paginator estimates counts past 10,000 rows, and the changelist does not count the whole
    table a second time (``show_full_result_count``): at 50,000 members, two exact counts of the
    5,000,000 attendance rows took 2 s per page.
    """

    committee_path = "committee"
    list_per_page = 50
    paginator = LargeTablePaginator
    show_full_result_count = False

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
        if field.is_relation and field.related_model is Committee:
            return (entry, ScopedCommitteeFilter)
        return (entry, CommitteeLabelledFilter) if field.is_relation else entry

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
            field.queryset = scoped_choices(field.queryset, request, self.admin_site)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(field.queryset, request, self.admin_site)
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        return scope_form_fields(super().get_form(request, obj, change=change, **kwargs), request, self.admin_site)


class ScopedInline(InlineDoors, admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(field.queryset, request, self.admin_site)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped_choices(field.queryset, request, self.admin_site)
        return field

    def get_formset(self, request, obj=None, **kwargs):
        """The row's own id and its parent link are the formset's; every other choice is scoped."""
        formset = super().get_formset(request, obj, **kwargs)
        skip = {formset.fk.name, self.model._meta.pk.name}
        scope_form_fields(formset.form, request, self.admin_site, skip=skip)
        return formset

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


class ReadOnlyAdmin(CommitteeScopedAdmin):
    """A committee-scoped admin that lists and shows, never writes: the records written only through their services'
    pages (residents' messages, supervision)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

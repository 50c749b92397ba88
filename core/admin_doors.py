"""Every write of the admin goes through a service: one door for the page, the API, the admin and the tasks.

``ServiceDoors`` replaces the stock ``ModelAdmin`` writes (``save_model``, ``save_related``, ``save_formset``,
``delete_model``, ``delete_queryset``): a model with its own services says so by overriding them (the
activity admin calls ``activity_update``); everything else is a record edited as data and goes through
``core.services.record_save``/``record_delete`` (audit row, the app's registered consequences such as stale
roll-ups). An inline names its rows' services with ``save_row``/``delete_row`` (``InlineDoors``).
A service's refusal (``DomainError``) is shown as a message and nothing is written.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from core.exceptions import DomainError
from core.services import record_delete, record_save


def form_m2m(form, obj) -> dict:
    """The many-to-many values a model form carries, for the service to set after the row is saved."""
    return {
        f.name: form.cleaned_data[f.name]
        for f in obj._meta.many_to_many
        if f.name in getattr(form, "cleaned_data", {}) and f.name in form.fields
    }


class InlineDoors:
    """The services an inline's rows are written through; the parent admin's ``save_formset`` calls them."""

    def save_row(self, request, obj, form, parent) -> None:
        record_save(obj=obj, actor=request.user, changed=form.changed_data, m2m=form_m2m(form, obj))

    def delete_row(self, request, obj, parent) -> None:
        record_delete(obj=obj, actor=request.user)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.door = self  # the class is made per request: the parent's save_formset finds its services here
        return formset


DEFAULT_ROW_DOOR = InlineDoors()


class ServiceDoors:
    """Admin writes through services (see the module's docstring)."""

    def save_model(self, request, obj, form, change):
        record_save(obj=obj, actor=request.user, changed=form.changed_data, m2m=form_m2m(form, obj))

    def save_related(self, request, form, formsets, change):
        # The form's many-to-many values were written by ``save_model``'s service, with the row.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Each removed, changed and added row through its inline's services, all or none."""
        door = getattr(formset, "door", DEFAULT_ROW_DOOR)
        parent = form.instance
        deleted, saved = [], []
        with transaction.atomic():
            for row in formset.initial_forms:
                if formset.can_delete and formset._should_delete_form(row) and row.instance.pk is not None:
                    door.delete_row(request, row.instance, parent)
                    deleted.append(row.instance)
            for row in formset.forms:
                if (formset.can_delete and formset._should_delete_form(row)) or not row.has_changed():
                    continue
                obj = row.save(commit=False)
                fk = getattr(formset, "fk", None)
                if fk is not None:
                    setattr(obj, fk.name, parent)
                door.save_row(request, obj, row, parent)
                saved.append((obj, row))
        formset.deleted_objects = deleted
        existing = {id(row) for row in formset.initial_forms}  # a set: a session's inline has ~2,000 rows
        formset.new_objects = [obj for obj, row in saved if id(row) not in existing]
        formset.changed_objects = [(obj, row.changed_data) for obj, row in saved if id(row) in existing]

    def delete_model(self, request, obj):
        record_delete(obj=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def _refused(self, request, exc: DomainError):
        self.message_user(request, "；".join(exc.messages), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as exc:  # the service refused: its transaction rolled back, nothing was written
            return self._refused(request, exc)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except DomainError as exc:
            return self._refused(request, exc)

    def changelist_view(self, request, *args, **kwargs):
        try:
            return super().changelist_view(request, *args, **kwargs)
        except DomainError as exc:
            return self._refused(request, exc)

    def history_form_view(self, request, *args, **kwargs):
        """A past version is shown, never restored: restoring would write it past the services' checks."""
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, *args, **kwargs)


class PeriodicTaskDoors:
    """django-celery-beat's enable/disable/toggle actions write with ``queryset.update``: here each task is saved
    through ``record_save`` instead (audit row; the model's own ``save`` tells beat the schedule changed)."""

    def _set_enabled(self, request, queryset, enabled) -> None:
        n = 0
        for task in queryset:
            task.enabled = enabled(task)
            if not task.enabled:
                task.last_run_at = None
            record_save(obj=task, actor=request.user, changed=["enabled"])
            n += 1
        self.message_user(request, gettext("%(n)s periodic tasks changed.") % {"n": n}, messages.SUCCESS)

    def enable_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: True)

    def disable_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: False)

    def toggle_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: not task.enabled)


LIBRARY_DOORS = {"django_celery_beat.PeriodicTask": PeriodicTaskDoors}


def wrap_registered(site) -> None:
    """Give every registered model admin that does not route its writes yet (the libraries') ``ServiceDoors``,
    and the library's own write actions their doors (``LIBRARY_DOORS``)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ServiceDoors):
            continue
        klass = type(model_admin)
        doors = LIBRARY_DOORS.get(model._meta.label)
        bases = (doors, ServiceDoors, klass) if doors else (ServiceDoors, klass)
        attrs = {"__module__": klass.__module__}
        for name in vars(doors) if doors else ():
            if hasattr(getattr(klass, name, None), "short_description"):  # keep the library's action labels
                attrs[name] = admin.action(description=getattr(klass, name).short_description)(vars(doors)[name])
        site.unregister(model)
        site.register(model, type(klass.__name__, bases, attrs))


def run_on_each(model_admin, request, queryset, call, done: str) -> None:
    """An admin action: ``call(obj)`` (a service) once per selected row, each in its own transaction; a refusal
    is an error message naming the row and the other rows still go; ``done % {"n": count}`` reports the rest."""
    count = 0
    for obj in queryset:
        try:
            call(obj)
            count += 1
        except ValidationError as exc:  # a DomainError, or a model's own validation
            model_admin.message_user(request, f"{obj}: {'；'.join(exc.messages)}", messages.ERROR)
    if count:
        model_admin.message_user(request, done % {"n": count}, messages.SUCCESS)

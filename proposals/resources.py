"""Spreadsheet import of the secretariat's own holiday-calendar days (``groups.services.table_import``: every
row or none), with a downloadable template (``groups.import_templates``)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from groups.resources import ChoiceLabelWidget, CommitteeNameWidget, TemplateMixin
from proposals.models import Holiday


class DayWidget(widgets.Widget):
    """A day as Excel hands it over (a date cell, read as a datetime) or typed: 2026-10-09, 2026/10/9."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(gettext("This field cannot be blank."))
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            return date(*(int(part) for part in text.split("-")))
        except (TypeError, ValueError):
            raise ValueError(gettext("Enter a date such as 2026-10-09.")) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class HolidayResource(TemplateMixin, resources.ModelResource):
    """One day a row: committee, date, kind (day off or working day), name. Written by ``holidays_import``
    once every row is good, so deadlines counted in working days follow the new calendar."""

    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    date = fields.Field(attribute="date", column_name=_("Date"), widget=DayWidget())
    kind = fields.Field(attribute="kind", column_name=_("Kind of day"), widget=ChoiceLabelWidget(Holiday.Kind.choices))
    name = fields.Field(attribute="name", column_name=_("Name of the day"), widget=widgets.CharWidget(allow_blank=True))

    template_example = {"date": "2026-10-09", "kind": Holiday.Kind.HOLIDAY.label, "name": "区庆"}

    class Meta:
        model = Holiday
        import_id_fields = ()
        clean_model_instances = False
        use_transactions = True
        use_bulk = True  # rows are written by the service in after_import
        fields = ("committee", "date", "kind", "name")

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.fields["committee"].widget = CommitteeNameWidget(user)
        self._pending: dict[int, dict] = {}

    def get_queryset(self):
        qs = Holiday.objects.select_related("committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None

    def template_choices(self) -> dict[str, list[str]]:
        return {**super().template_choices(), "kind": [str(label) for _v, label in Holiday.Kind.choices]}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = {k: list(v) for k, v in (import_validation_errors or {}).items()}
        if "date" not in errors and instance.date is None:
            errors["date"] = [gettext("This field cannot be blank.")]
        if not errors and instance.date in self._pending.get(instance.committee_id, {}):
            errors["date"] = [gettext("This day appears twice in the file.")]
        if not errors and not instance.kind:
            errors["kind"] = [gettext("This field cannot be blank.")]
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        self._pending.setdefault(instance.committee_id, {})[instance.date] = (instance.kind, instance.name or "")

    def after_import(self, dataset, result, **kwargs):
        from proposals.holidays import holidays_import

        if result.has_errors() or result.has_validation_errors():
            return
        for committee_id, days in self._pending.items():
            holidays_import(committee_id=committee_id, days=days, actor=self.user)

    def dehydrate_committee(self, obj):
        return obj.committee.name

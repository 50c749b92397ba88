"""Members and handling units are picked with search (core.widgets.SearchSelect / SearchSelectMultiple).

A native list of 99 names without search was the co-signer picker: every form field of the portal that chooses
members or units must use the search widget, and every admin relation to them an autocomplete (or raw id) field.
"""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.contrib import admin
from django.utils import translation

from core.widgets import SearchSelect, SearchSelectMixin, SearchSelectMultiple
from groups.models import HandlingUnit, Member

pytestmark = pytest.mark.django_db

PICKED = (Member, HandlingUnit)
APPS = ("core", "groups", "proposals", "consultations", "assessments", "cppcc_portal")
# Modules holding page forms (imported so that their classes are known); the admin's forms are checked below.
FORM_MODULES = (
    "core.forms",
    "core.views",
    "notifications.forms",
    "activities.forms",
    "activities.views.activities",
    "activities.views.contacts",
    "proposals.forms",
    "proposals.views",
    "consultations.forms",
    "consultations.views",
    "assessments.views",
)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def page_forms():
    for name in FORM_MODULES:
        importlib.import_module(name)
    return sorted(
        {c for c in _subclasses(forms.BaseForm) if c.__module__.split(".")[0] in APPS and "admin" not in c.__module__},
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_every_page_field_choosing_members_or_units_searches():
    checked, wrong = [], []
    for form_class in page_forms():
        for name, field in form_class.base_fields.items():
            queryset = getattr(field, "queryset", None)
            if not isinstance(field, forms.ModelChoiceField) or queryset is None or queryset.model not in PICKED:
                continue
            checked.append(f"{form_class.__qualname__}.{name}")
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            expected = SearchSelectMultiple if multiple else SearchSelect
            if not isinstance(field.widget, expected):
                wrong.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}: {type(field.widget).__name__}")
    assert not wrong, "fields choosing members or units without core.widgets.SearchSelect(Multiple):\n" + "\n".join(
        wrong
    )
    # the scan sees the pickers the issue names (co-signers, units, contacts, plan, consultations)
    assert {
        "ProposalForm.cosigners",
        "AssignForm.lead_unit",
        "AssignForm.co_units",
        "ContactForm.member",
        "PlanItemForm.responsible",
        "AttendanceForm.member",
        "ParticipantForm.unit",
    } <= set(checked)


def test_every_admin_relation_to_members_or_units_is_searched(admin_user, rf):
    request = rf.get("/admin/")
    request.user = admin_user

    def unsearched(model_admin, model, writable):
        if not writable:  # computed rows nobody edits (roll-up snapshots)
            return
        skip = {
            *model_admin.readonly_fields,
            *(model_admin.exclude or ()),
            *model_admin.autocomplete_fields,
            *model_admin.raw_id_fields,
            getattr(model_admin, "fk_name", None),
        }
        for f in model._meta.get_fields():
            if not (f.many_to_one or f.many_to_many) or f.auto_created or f.related_model not in PICKED:
                continue
            if f.name in skip or (model_admin.fields is not None and f.name not in model_admin.fields):
                continue
            yield f"{type(model_admin).__name__}.{f.name}"

    wrong = []
    for model, model_admin in admin.site._registry.items():
        writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        wrong += unsearched(model_admin, model, writable)
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            wrong += unsearched(
                inline, inline.model, inline.has_add_permission(request, None) or inline.has_change_permission(request)
            )
    assert not wrong, "admin relations to members or units without autocomplete_fields:\n" + "\n".join(wrong)


def test_the_picker_carries_pinyin_initials_and_its_texts_in_chinese(world):
    field = forms.ModelChoiceField(Member.objects.filter(pk=world.member_record.pk), widget=SearchSelect)
    units = forms.ModelMultipleChoiceField(HandlingUnit.objects.filter(pk=world.unit.pk), widget=SearchSelectMultiple)
    world.member_record.name = "张三丰"
    world.member_record.save()
    world.unit.name = "市教育局"
    world.unit.save()
    with translation.override("zh-hans"):
        html = field.widget.render("member", None)
        assert "data-picker" in html and 'data-initials="zsf"' in html and "张三丰" in html
        assert 'data-picker-no-results="无匹配结果"' in html and "请选择" in html
        assert isinstance(field.widget, SearchSelectMixin)
        unit_html = units.widget.render("units", None)
        assert 'data-initials="sjyj"' in unit_html and "multiple" in unit_html

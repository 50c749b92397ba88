"""The empty choice of every select reads "Choose…" (请选择), not Django's "---------".

Django spells the blank option in three places, none of them a setting: ``ModelChoiceField``'s ``empty_label``
default, the model fields' ``BLANK_CHOICE_DASH`` (the blank of a field with ``choices`` in a ModelForm) and
django-filter's ``EMPTY_CHOICE_LABEL``. ``install_empty_choice_label`` (called once by ``CoreConfig.ready``)
replaces the three defaults, so every form -- present or future, portal or admin -- says it in words; a form may
still pass its own ``empty_label`` (e.g. "Whole year").

``install_choice_labels`` gives every model field with choices a ``get_<field>_display`` that looks its label up in
a dict built once per field (Django builds it on every call).
"""

from functools import partialmethod

from django.db.models import Field, ForeignObjectRel, Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

EMPTY_CHOICE_LABEL = _("Choose…")


def install_empty_choice_label() -> None:
    from django.db.models import fields
    from django.forms.models import ModelChoiceField
    from django_filters.conf import settings as filter_settings

    ModelChoiceField.__init__.__kwdefaults__["empty_label"] = EMPTY_CHOICE_LABEL  # type: ignore[index]
    # the list object itself is the default argument of Field.get_choices and of the related fields: change it in place
    fields.BLANK_CHOICE_DASH[:] = [("", EMPTY_CHOICE_LABEL)]  # type: ignore[list-item]
    filter_settings.EMPTY_CHOICE_LABEL = EMPTY_CHOICE_LABEL


def _label_of(self: Model, field: Field) -> object:
    """``get_<field>_display``: the choice's label (in the active language), or the value itself when it is not a
    choice; like Django's ``Model._get_FIELD_display``, which builds a dict of the field's choices on every call
    (200 calls and 10-20 ms on a list page of 50 proposals, #22). The dict is built once per field, its labels lazy."""
    value = getattr(self, field.attname)
    return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)


def choice_labels(field: Field | ForeignObjectRel) -> dict:
    """{value: label (lazy)} of a field with a fixed list of choices, built once per field; ``{}`` without choices."""
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = dict(make_hashable(getattr(field, "flatchoices", ())))
    return labels


_LABELS: dict[Field | ForeignObjectRel, dict] = {}


def install_choice_labels() -> None:
    """Every model field with a fixed list of choices gets ``_label_of`` as its ``get_<field>_display`` (called once
    by ``CoreConfig.ready``, when every model class exists). Only the method Django added is replaced: a model that
    defines its own keeps it, and a field whose choices are computed (a callable) keeps Django's."""
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            made = model.__dict__.get(name)
            if not field.choices or not isinstance(field.choices, list | tuple):
                continue
            if isinstance(made, partialmethod) and made.func is Model._get_FIELD_display:  # type: ignore[attr-defined]
                setattr(model, name, partialmethod(_label_of, field=field))

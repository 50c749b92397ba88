"""The empty choice of every select reads "Choose…" (请选择), not Django's "---------".

Django spells the blank option in three places, none of them a setting: ``ModelChoiceField``'s ``empty_label``
default, the model fields' ``BLANK_CHOICE_DASH`` (the blank of a field with ``choices`` in a ModelForm) and
django-filter's ``EMPTY_CHOICE_LABEL``. ``install_empty_choice_label`` (called once by ``CoreConfig.ready``)
replaces the three defaults, so every form -- present or future, portal or admin -- says it in words; a form may
still pass its own ``empty_label`` (e.g. "Whole year").
"""

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

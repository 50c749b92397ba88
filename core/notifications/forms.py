from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Kind

OPTIONAL_CHANNELS = [(Channel.EMAIL.value, Channel.EMAIL.label), (Channel.SMS.value, Channel.SMS.label)]


class PreferencesForm(forms.Form):
    """One row of channel checkboxes per kind; in-app is always on."""

    def __init__(self, *args, current: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.MultipleChoiceField(
                label=kind.label, choices=OPTIONAL_CHANNELS, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                initial=current.get(kind.value, []),
            )

    def channels(self) -> dict[str, list[str]]:
        return {kind: self.cleaned_data.get(kind, []) for kind in Kind.values}


class CalendarForm(forms.Form):
    action = forms.ChoiceField(choices=[("regenerate", _("New link")), ("revoke", _("Switch off"))])

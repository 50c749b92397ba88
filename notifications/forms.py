from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Kind


class PreferencesForm(forms.Form):
    """One row of opt-in checkboxes per kind the user can receive; in-app is always on.

    Only the channels the user has an address for are offered, and nothing is ticked that they did not tick.
    """

    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    email_digest = forms.BooleanField(
        label=_("One e-mail a day listing the day's notices instead of one e-mail each"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, kinds: list[str], channels: list[str], current: dict, may_digest: bool, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Kind.choices)
        choices = [(c, Channel(c).label) for c in channels]
        self.kinds = kinds
        for kind in kinds:
            self.fields[f"kind_{kind}"] = forms.MultipleChoiceField(
                label=labels.get(kind, kind),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                initial=[c for c in current["channels"].get(kind, []) if c in channels],
            )
        self.fields["quiet_start"].initial = current["quiet_start"]
        self.fields["quiet_end"].initial = current["quiet_end"]
        if may_digest and Channel.EMAIL in channels:
            self.fields["email_digest"].initial = current["email_digest"]
        else:
            del self.fields["email_digest"]

    def kind_fields(self):
        return [self[f"kind_{kind}"] for kind in self.kinds]

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            self.add_error("quiet_end", _("Give both ends of the quiet hours, or neither."))
        return data

    def channels(self) -> dict[str, list[str]]:
        return {kind: self.cleaned_data.get(f"kind_{kind}", []) for kind in self.kinds}


class CalendarForm(forms.Form):
    action = forms.ChoiceField(choices=[("regenerate", _("New link")), ("revoke", _("Switch off"))])

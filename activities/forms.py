"""HTML forms for activities and plans; every save goes through ``activities.services.activities``."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.mailbox_challenge import check_challenge
from activities.models import Activity, PlanItem, PublicMessage
from activities.models.mailbox import COMMENT_MAX, NAME_MAX, PHONE_MAX, TEXT_MAX, Satisfaction
from core.choices import EMPTY_CHOICE_LABEL
from core.ordinals import quarter_label
from core.widgets import SearchSelect, SearchSelectMultiple
from groups.models import ActivityGroup, ConstituentContact, ContactPoint, ContactTopic, Expertise, Member

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def contact_point_choices(group, **filters):
    """The committee's contact points for a group's form, the group's own first (then by kind and name)."""
    own = ActivityGroup.objects.filter(pk=group.pk, contact_points=OuterRef("pk"))
    return (
        ContactPoint.objects.filter(committee_id=group.committee_id, **filters)
        .annotate(own=Exists(own))
        .order_by("-own", "kind", "name")
    )


class ActivityForm(forms.ModelForm):
    """The convener's activity form; ``version`` travels with it to detect conflicting edits."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Activity
        fields = [
            "title",
            "kind",
            "target",
            "contact_point",
            "six_item",
            "plan_item",
            "starts_at",
            "ends_at",
            "place",
            "summary",
            "suggestions",
            "topic",
            "open_to",
            "open_groups",
            "capacity",
            "signup_deadline",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "signup_deadline": DateTimeInput(),
            # a committee's groups (392 in a district at 50k, each a checkbox: 250 ms a page): searched past a few
            "open_groups": SearchSelectMultiple(search="open_groups"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "suggestions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        for name in ("starts_at", "ends_at", "signup_deadline"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["topic"].queryset = Expertise.objects.filter(committee_id=group.committee_id, is_active=True)
        self.fields["open_to"].required = False  # a form without it (an older page, a script) keeps what was set
        self.fields["open_groups"].queryset = (
            ActivityGroup.objects.filter(committee_id=group.committee_id, is_active=True)
            .exclude(pk=group.pk)
            .order_by("name")
        )
        self.fields["open_groups"].widget.search_query = {"committee": group.committee_id}
        self.fields["contact_point"].queryset = contact_point_choices(group, is_active=True)
        self.fields["plan_item"].queryset = (
            self.fields["plan_item"]
            .queryset.filter(plan__group=group)
            .select_related("plan")
            .order_by("-plan__year", "month")
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self):
        # Model validation (and its constraints) runs in the service, which gives the users' messages.
        pass

    def service_fields(self) -> dict:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        fields["open_to"] = fields.get("open_to") or self.instance.open_to or Activity.OpenTo.GROUP
        if "open_to" not in self.data:  # a form without the openness fields leaves the groups as they are
            fields.pop("open_groups", None)
        return fields


class PlanItemForm(forms.ModelForm):
    class Meta:
        model = PlanItem
        fields = ["quarter", "month", "title", "kind", "target", "six_item", "contact_point", "responsible"]
        widgets = {"responsible": SearchSelectMultiple(search="members")}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        # the options read what they show (a contact point's name and kind, a member's name and initials) and what
        # the service checks (the contact point's committee), not every column: the plan page's two pickers were
        # 5.7 ms of its rendering for a group of 50 members and a committee's 20 points, 3.9 ms so (#22)
        self.fields["contact_point"].queryset = contact_point_choices(group).only("name", "kind", "committee_id")
        self.fields["responsible"].queryset = (
            Member.objects.filter(memberships__group=group, memberships__left_on__isnull=True)
            .only("name", "initials")
            .order_by("name")
        )
        self.fields["quarter"].choices = [
            (value, quarter_label(value) if value else label) for value, label in self.fields["quarter"].choices
        ]
        for name, field in self.fields.items():
            if name != "responsible":
                field.widget.attrs.setdefault(
                    "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )

    def _post_clean(self):
        pass

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "responsible"}


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for leave"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or PDF"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )
    caption = forms.CharField(
        label=_("Caption"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Caption (optional)")}),
    )


class ContactForm(forms.ModelForm):
    """A member's contact with the people of their sector, on a phone in under a minute: date defaults to today,
    the contact points of the member's groups come first. ``member`` is offered to conveners and staff only."""

    member = forms.ModelChoiceField(
        label=_("Member"), queryset=Member.objects.none(), required=False, widget=SearchSelect(search="members")
    )

    class Meta:
        model = ConstituentContact
        fields = [
            "contacted_on",
            "contact_point",
            "place",
            "whom_kind",
            "whom",
            "topic",
            "raised",
            "follow_up",
            "resident_contact",
            "photo",
        ]
        widgets = {
            "contacted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "raised": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
            ),
        }

    def __init__(self, *args, members, own_member_id, own_group_ids, committee_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_member_id = own_member_id
        if own_member_id is None or members.exclude(pk=own_member_id).exists():
            self.fields["member"].queryset = members.order_by("name", "pk")
            self.fields["member"].required = True
            self.fields["member"].initial = own_member_id
        else:
            del self.fields["member"]
        mine = ActivityGroup.contact_points.through.objects.filter(
            activitygroup_id__in=own_group_ids, contactpoint_id=OuterRef("pk")
        )
        self.fields["contact_point"].queryset = (
            ContactPoint.objects.filter(committee_id__in=committee_ids, is_active=True)
            .annotate(mine=Exists(mine))
            .order_by("-mine", "name")
        )
        self.fields["contacted_on"].initial = timezone.localdate()
        self.fields["place"].help_text = _("Where, if not at a contact point.")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self):
        # Model validation (and its constraints) runs in the service, which gives the users' messages.
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        member = data.pop("member", None)
        data["member_id"] = member.pk if member is not None else self.own_member_id
        return data


# --- The public mailbox 委员信箱 ---------------------------------------------------------------------------


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ChallengedForm(forms.Form):
    """A public form a resident sends without an account: a small sum (the challenge, signed in ``token``, its
    question drawn by ``activities.mailbox_challenge.new_challenge``) and a field people leave empty because they never
    see it (``website``), both after the form's own fields. ``refused``: what a filled-in ``website`` is told."""

    refused: str  # each form's own words

    answer = forms.CharField(
        label=_("Check"), max_length=3, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    )
    token = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("answer", "token", "website"):
            self.fields[name] = self.fields.pop(name)
        self.fields["answer"].label = _("Check: how much is %(question)s?") % {"question": question}

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(self.refused)
        if not check_challenge(data.get("token", ""), data.get("answer", "")):
            self.add_error(
                "answer",
                _("The sum is wrong or the form was sent too quickly or too late; please answer the new question."),
            )
        return data


class PublicMessageForm(ChallengedForm):
    """A resident's message on a phone: what about, the text, an optional name and phone for the reply, then the
    challenge and the honeypot (``ChallengedForm``)."""

    kind = forms.ChoiceField(
        label=_("I would like to"),
        choices=PublicMessage.Kind.choices,
        initial=PublicMessage.Kind.MESSAGE,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("What is it about"), choices=[("", EMPTY_CHOICE_LABEL), *ContactTopic.choices])
    text = forms.CharField(
        label=_("Your message"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX})
    )
    name = forms.CharField(label=_("Your name or how to address you (optional)"), max_length=NAME_MAX, required=False)
    phone = forms.CharField(
        label=_("Phone for a reply (optional)"),
        max_length=PHONE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only the secretariat and the member answering you see your name and phone."),
    )

    refused = _("The message could not be sent. Please try again.")

    def __init__(self, *args, question: str = "", **kwargs):
        super().__init__(*args, question=question, **kwargs)
        self.fields["text"].help_text = _(
            "At most %(n)s characters. Please do not write your ID number or address."
        ) % {"n": TEXT_MAX}
        _styled(self)

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("kind", "category", "text", "name", "phone")}


class MessageRatingForm(ChallengedForm):
    """The resident's rating of an answered message on the tracking page: the same challenge and honeypot as the
    message form (``PublicMessageForm``), the service adds the rate limits per address."""

    rating = forms.ChoiceField(
        label=_("How satisfied are you?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("What would you like to add (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )

    refused = _("The rating could not be sent. Please try again.")

    def __init__(self, *args, question: str = "", **kwargs):
        super().__init__(*args, question=question, **kwargs)
        _styled(self)


class MessageRouteForm(forms.Form):
    member = forms.ModelChoiceField(
        label=_("Pass to member"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelect(search="members"),
    )
    group = forms.ModelChoiceField(
        label=_("or to a group"),
        queryset=ActivityGroup.objects.none(),
        required=False,
        widget=SearchSelect(search="groups"),
    )

    def __init__(self, *args, members, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["group"].queryset = groups
        _styled(self)


class MessageAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Public answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The resident reads it on the tracking page: no names or phone numbers."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class MessageVisitForm(forms.Form):
    contacted_on = forms.DateField(
        label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    whom = forms.CharField(
        label=_("Who they were"), max_length=100, required=False, help_text=_("A short description; no names needed.")
    )
    follow_up = forms.CharField(
        label=_("Follow-up promised"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer = forms.CharField(
        label=_("Public answer (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()
        _styled(self)


class MessageDiscardForm(forms.Form):
    reason = forms.CharField(label=_("Why it is not accepted"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class LeadForm(forms.Form):
    """A lead 线索: its title, kind of matter and the group following it; the items are check boxes of the page."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Kind of matter"), choices=ContactTopic.choices)
    group = forms.ModelChoiceField(
        label=_("Group following it"),
        queryset=ActivityGroup.objects.none(),
        required=False,
        help_text=_("Empty: the secretariat follows it."),
        widget=SearchSelect(search="groups"),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        _styled(self)


class LeadWriterForm(forms.Form):
    """Who writes the proposal or report drawn from a lead (empty: the one converting it, if a member)."""

    member = forms.ModelChoiceField(
        label=_("Member who writes it"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelect(search="members"),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        _styled(self)


class LeadCloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for closing"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class SuggestionForm(forms.Form):
    text = forms.CharField(label=_("Suggestion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label=_("Kind of matter"), choices=ContactTopic.choices, initial=ContactTopic.OTHER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

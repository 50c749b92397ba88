"""Forms for the proposal pages; each one feeds exactly one service."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.choices import EMPTY_CHOICE_LABEL
from core.parsing import as_id
from core.widgets import SearchSelect, SearchSelectMultiple
from groups.models import ActivityGroup, HandlingUnit, Member
from proposals.models import Category, ContactRecord, Level, NotFilingGround, Proposal


class Form(forms.Form):
    """Bootstrap classes on every widget, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput | forms.RadioSelect):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select | forms.SelectMultiple):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")

    def add_error(self, field, error):
        """A field with a message is marked red (Bootstrap's ``is-invalid``), whoever found the error."""
        super().add_error(field, error)
        for name in self.errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else None
            if attrs is not None and "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format or "%Y-%m-%d")  # what <input type=date> expects


class ProposalForm(Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Proposal.Kind.choices, initial=Proposal.Kind.MEMBER)
    group = forms.ModelChoiceField(label=_("submitting group"), queryset=ActivityGroup.objects.none(), required=False)
    title = forms.CharField(label=pgettext_lazy("proposal", "title"), max_length=200)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    during_plenary = forms.BooleanField(label=_("submitted during the plenary session"), required=False, initial=True)
    analysis = forms.CharField(label=_("analysis"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    suggestions = forms.CharField(label=_("suggestions"), widget=forms.Textarea(attrs={"rows": 5}))
    cosigners = forms.ModelMultipleChoiceField(
        label=_("co-signers"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelectMultiple(search="members"),
        help_text=_("Invited co-signers confirm before you submit."),
    )
    is_public = forms.BooleanField(label=_("public"), required=False, initial=True)
    attachment = forms.FileField(
        label=_("attachment"), required=False, help_text=_("Supporting material, up to 20 MB.")
    )

    def __init__(self, *args, member: Member, convened_group_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cosigners"].queryset = (
            Member.objects.filter(committee_id=member.committee_id, status=Member.Status.ACTIVE)
            .exclude(pk=member.pk)
            .order_by("name")
        )
        self.fields["cosigners"].widget.search_query = {"committee": member.committee_id, "active": "1"}
        self.fields["group"].queryset = ActivityGroup.objects.filter(pk__in=convened_group_ids)
        if not convened_group_ids:  # only a convener submits in a group's name
            del self.fields["group"]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "analysis": d["analysis"],
            "suggestions": d["suggestions"],
            "category": d["category"],
            "kind": d["kind"],
            "during_plenary": d["during_plenary"],
            "is_public": d["is_public"],
            "group_id": d["group"].pk if d.get("group") else None,
        }


class RejectForm(Form):
    ground = forms.ModelChoiceField(
        label=_("ground for not filing"), queryset=NotFilingGround.objects.none(), empty_label=EMPTY_CHOICE_LABEL
    )
    reason = forms.CharField(
        label=_("explanation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Told to the proposer with the ground; needed for “other” grounds."),
    )
    outcome = forms.ChoiceField(label=_("after not filing"), choices=Proposal.Outcome.choices, required=False)

    def __init__(self, *args, committee_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].queryset = grounds_for(committee_ids)


def grounds_for(committee_ids):
    """The grounds offered: those every one of the committees uses (one committee: its list)."""
    ids = set(committee_ids)
    if not ids:
        return NotFilingGround.objects.none()
    every = NotFilingGround.objects.filter(Q(committee__isnull=True) | Q(committee_id__in=ids))
    found = list(every.values_list("pk", "committee_id", "is_active"))
    # no national row at all, active or not: ``ensure_national`` writes the list (its check, read from the rows
    # already here rather than asked apart on every review page, #22)
    if not any(committee is None for _pk, committee, _active in found):
        NotFilingGround.objects.ensure_national()
        found = list(every.values_list("pk", "committee_id", "is_active"))
    rows = [(pk, committee) for pk, committee, active in found if active]
    national = {pk for pk, committee in rows if committee is None}
    shared = set.intersection(*[{pk for pk, c in rows if c == committee_id} or national for committee_id in ids])
    return NotFilingGround.objects.filter(pk__in=shared).order_by("order", "pk")


class ProposalPicks(forms.ModelMultipleChoiceField):
    """The ticked proposals: anything but a database-sized id is refused before it reaches a query."""

    def _check_values(self, value):
        bad = [v for v in value if as_id(str(v)) is None]
        if bad:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(bad[0])[:20]}
            )
        return super()._check_values(value)


class BulkForm(Form):
    """The review queue's batch actions: the proposals ticked, and for each action its own fields."""

    proposals = ProposalPicks(
        label=_("proposals"),
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one proposal.")},
    )
    action = forms.ChoiceField(choices=[("assign", "assign"), ("reject", "reject")], widget=forms.HiddenInput)
    lead_unit = forms.ModelChoiceField(
        label=_("lead unit"), queryset=HandlingUnit.objects.none(), required=False, widget=SearchSelect
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("co-handling units"), queryset=HandlingUnit.objects.none(), required=False, widget=SearchSelectMultiple
    )
    due_date = forms.DateField(
        label=_("reply due"), required=False, widget=DateInput, help_text=_("Leave empty to use the committee's rule.")
    )
    ground = forms.ModelChoiceField(
        label=_("ground for not filing"),
        queryset=NotFilingGround.objects.none(),
        required=False,
        empty_label=EMPTY_CHOICE_LABEL,
    )
    reason = forms.CharField(
        label=_("explanation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Told to the proposer with the ground; needed for “other” grounds."),
    )
    outcome = forms.ChoiceField(label=_("after not filing"), choices=Proposal.Outcome.choices, required=False)

    def __init__(self, *args, proposals, committee_ids, several_committees: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposals
        units = (
            HandlingUnit.objects.filter(committee_id__in=committee_ids, is_active=True)
            .select_related("committee")
            .order_by("committee__name", "name")
        )
        for name in ("lead_unit", "co_units"):
            self.fields[name].queryset = units
            if several_committees:  # the same unit name can exist in two committees: say whose
                self.fields[name].label_from_instance = (
                    lambda u: f"{u.name}（{u.committee.short_name or u.committee.name}）"
                )
        self.fields["ground"].queryset = grounds_for(committee_ids)


class MergeForm(Form):
    into = forms.IntegerField(label=_("merge into"), widget=forms.HiddenInput)


class AssignForm(Form):
    lead_unit = forms.ModelChoiceField(label=_("lead unit"), queryset=HandlingUnit.objects.none(), widget=SearchSelect)
    co_units = forms.ModelMultipleChoiceField(
        label=_("co-handling units"), queryset=HandlingUnit.objects.none(), required=False, widget=SearchSelectMultiple
    )
    due_date = forms.DateField(
        label=_("reply due"), required=False, widget=DateInput, help_text=_("Leave empty to use the committee's rule.")
    )

    def __init__(self, *args, committee_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        units = HandlingUnit.objects.filter(committee_id=committee_id, is_active=True).order_by("name")
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units


class KeyForm(Form):
    is_key = forms.BooleanField(label=_("key proposal"), required=False)
    leader = forms.ModelChoiceField(
        label=_("supervising leader"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelect(search="members"),
    )

    def __init__(self, *args, committee_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Member.objects.filter(committee_id=committee_id, is_standing=True).order_by(
            "name"
        )
        self.fields["leader"].widget.search_query = {"committee": committee_id}


class NoteForm(Form):
    date = forms.DateField(label=_("date"), widget=DateInput)
    text = forms.CharField(label=pgettext_lazy("proposal", "note"), widget=forms.Textarea(attrs={"rows": 3}))


class ImplementationForm(Form):
    date = forms.DateField(label=_("date"), widget=DateInput)
    text = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 3}))
    completes = forms.BooleanField(label=_("marks it implemented"), required=False)


class ContactForm(Form):
    date = forms.DateField(label=_("date"), widget=DateInput)
    way = forms.ChoiceField(label=_("way"), choices=ContactRecord.Way.choices)
    with_whom = forms.CharField(label=_("with whom"), max_length=100)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReplyForm(Form):
    text = forms.CharField(label=_("reply"), widget=forms.Textarea(attrs={"rows": 6}))
    result_code = forms.ChoiceField(label=_("result code"))
    signed_pdf = forms.FileField(label=_("signed PDF"))

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result_code"].choices = [("", EMPTY_CHOICE_LABEL), *[(c.code, str(c)) for c in codes]]


class OpinionForm(Form):
    text = forms.CharField(label=_("opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class ReassignForm(Form):
    reason = forms.CharField(label=_("reason for reassignment"), widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(Form):
    rating = forms.ChoiceField(label=_("rating"), choices=Proposal.Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=pgettext_lazy("proposal", "comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReportForm(Form):
    title = forms.CharField(label=_("title"), max_length=200)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 8}))
    co_authors = forms.ModelMultipleChoiceField(
        label=_("co-authors"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelectMultiple(search="members"),
    )
    group = forms.ModelChoiceField(label=_("submitting group"), queryset=ActivityGroup.objects.none(), required=False)

    def __init__(self, *args, member: Member, convened_group_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_authors"].queryset = Member.objects.filter(
            committee_id=member.committee_id, status=Member.Status.ACTIVE
        ).exclude(pk=member.pk)
        self.fields["co_authors"].widget.search_query = {"committee": member.committee_id, "active": "1"}
        self.fields["group"].queryset = ActivityGroup.objects.filter(pk__in=convened_group_ids)
        if not convened_group_ids:
            del self.fields["group"]


class ReportEditForm(Form):
    title = forms.CharField(label=_("title"), max_length=200)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 8}))


class DeclineForm(Form):
    reason = forms.CharField(label=_("reason for declining"), widget=forms.Textarea(attrs={"rows": 3}))


class AdoptionForm(Form):
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    date = forms.DateField(label=_("date"), widget=DateInput)
    adopted_by = forms.CharField(label=_("adopted by"), max_length=100, required=False)


class InstructionForm(Form):
    leader = forms.CharField(label=_("leader"), max_length=50)
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    date = forms.DateField(label=_("date"), widget=DateInput)
    text = forms.CharField(label=_("instruction"), widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(Form):
    date = forms.DateField(label=_("date"), widget=DateInput)
    done_by = forms.CharField(label=_("done by"), max_length=100)
    action = forms.CharField(label=_("what was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(
        label=_("the department's feedback"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what the department answered, if it has."),
    )


class CompileForm(Form):
    published_on = forms.DateField(label=_("published on"), widget=DateInput)

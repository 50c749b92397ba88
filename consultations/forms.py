"""Forms of the consultation pages; choices are limited to what the user reaches."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.models import Activity
from core.widgets import SearchSelect
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, HandlingUnit, Member, Platform
from proposals.models import Proposal

from .models import Attendance, ConsultationSession, Level, Outcome, Participant, SessionDocument, StageRecord, Topic


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 3


def _committees_for(user):
    scope = scope_of(user)
    if scope.is_superuser:
        return Committee.objects.all()
    convened = ActivityGroup.objects.filter(pk__in=scope.convened_group_ids).values("committee_id")
    return Committee.objects.filter(pk__in=scope.staff_committee_ids) | Committee.objects.filter(pk__in=convened)


def _groups_for(user):
    return ActivityGroup.objects.editable_by(user).filter(is_active=True).order_by("name")


def _platforms_for(user):
    scope = scope_of(user)
    qs = Platform.objects.filter(kind__in=[Platform.Kind.CONSULTATION, Platform.Kind.STUDIO, Platform.Kind.SECTOR_HUB])
    if scope.is_superuser:
        return qs
    from django.db.models import Q

    return qs.filter(Q(committee_id__in=scope.staff_committee_ids) | Q(host_group_id__in=scope.convened_group_ids))


class TopicForm(BootstrapMixin, forms.Form):
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    title = forms.CharField(label=_("title"), max_length=200)
    reasons = forms.CharField(label=_("reasons"), widget=forms.Textarea)
    description = forms.CharField(
        label=pgettext_lazy("consultation", "description"), widget=forms.Textarea, required=False
    )
    source = forms.ChoiceField(label=_("source"), choices=Topic.Source.choices)
    proposer_kind = forms.ChoiceField(label=_("proposed by"), choices=Topic.ProposerKind.choices)
    resident_name = forms.CharField(label=_("resident's name"), max_length=50, required=False)
    resident_contact = forms.CharField(label=_("resident's contact"), max_length=50, required=False)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    group = forms.ModelChoiceField(
        label=_("group"), queryset=ActivityGroup.objects.none(), required=False, widget=SearchSelect(search="groups")
    )
    platform = forms.ModelChoiceField(label=_("platform"), queryset=Platform.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = _committees_for(user).distinct()
        self.fields["group"].queryset = _groups_for(user)
        self.fields["platform"].queryset = _platforms_for(user)
        self.fields["year"].initial = timezone.localdate().year
        if not scope_of(user).staff_committee_ids:
            self.fields["proposer_kind"].initial = Topic.ProposerKind.CONVENER


class DeclineForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea)


class RankForm(BootstrapMixin, forms.Form):
    rank = forms.IntegerField(label=_("rank"), min_value=1, max_value=999, required=False)


class SessionForm(BootstrapMixin, forms.Form):
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    title = forms.CharField(label=_("title"), max_length=200)
    form = forms.ChoiceField(label=_("form"), choices=ConsultationSession.Form.choices)
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    platform = forms.ModelChoiceField(label=_("platform"), queryset=Platform.objects.none(), required=False)
    group = forms.ModelChoiceField(
        label=_("group"), queryset=ActivityGroup.objects.none(), required=False, widget=SearchSelect(search="groups")
    )
    topic = forms.ModelChoiceField(label=_("topic"), queryset=Topic.objects.none(), required=False)
    brand = forms.CharField(
        label=_("brand"), max_length=50, required=False, help_text=_("Left empty, the platform's brand is used.")
    )
    starts_at = forms.DateTimeField(label=_("starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(
        label=_("ends at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("place"), max_length=200)
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea, required=False)
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea, required=False)
    activity = forms.ModelChoiceField(
        label=_("held as the activity"),
        queryset=Activity.objects.none(),
        required=False,
        help_text=_("A session can be held as an activity of a group."),
        widget=SearchSelect(search="activities"),
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = _committees_for(user).distinct()
        self.fields["platform"].queryset = _platforms_for(user)
        self.fields["group"].queryset = _groups_for(user)
        self.fields["topic"].queryset = Topic.objects.editable_by(user).filter(state=Topic.State.ADOPTED)
        self.fields["activity"].queryset = (
            Activity.objects.editable_by(user)
            .filter(kind=Activity.Kind.CONSULTATION)
            .exclude(state=Activity.State.CANCELLED)
            .only("pk", "title", "starts_at", "initials")
            .order_by("-starts_at")
        )
        self.fields["activity"].widget.search_query = {"kind": Activity.Kind.CONSULTATION}
        if editing:
            del self.fields["committee"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("The session cannot end before it starts."))
        return data


class AttendanceForm(BootstrapMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=_("member"), queryset=Member.objects.none(), widget=SearchSelect(search="members")
    )
    status = forms.ChoiceField(label=_("attendance"), choices=Attendance.Status.choices)
    reason = forms.CharField(label=_("reason for leave"), max_length=200, required=False)

    def __init__(self, *args, session, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(committee_id=session.committee_id, status="active")
        if actor is not None:  # one's own attendance is recorded by someone else
            members = members.exclude(user=actor)
        self.fields["member"].queryset = members
        self.fields["member"].widget.search_query = {"committee": session.committee_id, "active": "1"}


class ParticipantForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Participant.Kind.choices)
    name = forms.CharField(label=pgettext_lazy("consultation", "name"), max_length=50)
    unit = forms.ModelChoiceField(
        label=_("department"), queryset=HandlingUnit.objects.none(), required=False, widget=SearchSelect
    )
    organisation = forms.CharField(label=_("organisation or position"), max_length=100, required=False)
    contact = forms.CharField(label=_("contact"), max_length=50, required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.filter(committee_id=session.committee_id, is_active=True)


class StageRecordForm(BootstrapMixin, forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=StageRecord.Stage.choices)
    speaker = forms.CharField(label=_("speaker"), max_length=100)
    content = forms.CharField(label=_("what was said"), widget=forms.Textarea)


class DocumentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=SessionDocument.Kind.choices)
    file = forms.FileField(label=_("file"))


class OutcomeForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    content = forms.CharField(label=_("suggestion"), widget=forms.Textarea)


class EvaluateForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("adopt", _("Adopt")), ("merge", _("Merge")), ("decline", pgettext_lazy("consultation", "Decline"))],
    )
    merge_into = forms.ModelChoiceField(label=_("merge into"), queryset=Outcome.objects.none(), required=False)
    comment = forms.CharField(label=_("comment or reason"), widget=forms.Textarea, required=False)

    def __init__(self, *args, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge_into"].queryset = (
            Outcome.objects.filter(committee_id=outcome.committee_id)
            .exclude(pk=outcome.pk)
            .exclude(state__in=["merged", "declined"])
            .order_by("-created_at")[:200]
        )


class AssignForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("responsible unit"), queryset=HandlingUnit.objects.none(), required=False, widget=SearchSelect
    )
    deadline = forms.DateField(label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.filter(committee_id=outcome.committee_id, is_active=True)


class TextForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("text"), widget=forms.Textarea)


class ReviewForm(BootstrapMixin, forms.Form):
    accept = forms.ChoiceField(
        label=_("decision"), choices=[("1", _("Accept the reply")), ("0", _("Return to the unit"))]
    )
    comment = forms.CharField(label=pgettext_lazy("consultation", "comment"), widget=forms.Textarea, required=False)


class ProposalLinkForm(BootstrapMixin, forms.Form):
    """Staff link an outcome to a proposal of the same committee that already exists (empty: remove the link)."""

    proposal = forms.ModelChoiceField(
        label=_("proposal"), queryset=Proposal.objects.none(), required=False, widget=SearchSelect(search="proposals")
    )

    def __init__(self, *args, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = (
            Proposal.objects.filter(committee_id=outcome.committee_id)
            .exclude(state=Proposal.State.DRAFT)
            .only("pk", "title", "year", "serial_number", "initials")  # the picker shows each one's initials
            .order_by("-year", "-serial_number", "-id")
        )
        self.fields["proposal"].initial = outcome.proposal_id
        self.fields["proposal"].widget.search_query = {"committee": outcome.committee_id}


class DraftProposalForm(BootstrapMixin, forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=())

    def __init__(self, *args, **kwargs):
        from proposals.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = Category.choices
        self.fields["category"].initial = Category.SOCIETY

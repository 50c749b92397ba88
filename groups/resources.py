"""Excel import and export of members and groups (django-import-export).

Imports run in one transaction and are rolled back whole when any row is wrong; every row error
names its row and column in the user's language.
"""
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from groups.models import ActivityGroup, Committee, Member, Party, Sector, SpecialCommittee, Term


class ChoiceLabelWidget(widgets.Widget):
    """Reads a TextChoices value from its label (or its code); writes the label."""

    def __init__(self, choices, **kwargs):
        self.by_label = {str(label): value for value, label in choices}
        self.by_value = dict(choices)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return ""
        text = str(value).strip()
        if text in self.by_value:
            return text
        labels = {str(label): v for v, label in self.by_value.items()}
        if text in labels:
            return labels[text]
        raise ValueError(gettext("“%(value)s” is not one of: %(choices)s")
                         % {"value": text, "choices": "、".join(str(label) for label in self.by_value.values())})

    def render(self, value, obj=None, **kwargs):
        return str(self.by_value.get(value, value or ""))


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True", "yes", "Yes"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False", "no", "No"]

    def render(self, value, obj=None, **kwargs):
        return gettext("Yes") if value else gettext("No")


class CommitteeNameWidget(widgets.ForeignKeyWidget):
    """A committee by name, only among those the importing staff administer."""

    def __init__(self, user=None):
        self.user = user
        super().__init__(Committee, field="name")

    def get_queryset(self, value, row, *args, **kwargs):
        return Committee.objects.administered_by(self.user) if self.user else Committee.objects.all()

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(gettext("This field cannot be blank."))
        try:
            return super().clean(value, row, **kwargs)
        except Committee.DoesNotExist:
            raise ValueError(gettext("Unknown committee “%(name)s”, or not one you administer.") % {"name": value}) from None


class PerCommitteeWidget(widgets.ForeignKeyWidget):
    """A sector, special committee or term looked up by name (or number) within the row's committee."""

    def __init__(self, model, field, label, committee_column, required=True):
        self.label = label
        self.committee_column = committee_column
        self.required = required
        super().__init__(model, field=field)

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(committee__name=str(row.get(self.committee_column, "")).strip())

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            if self.required:
                raise ValueError(gettext("This field cannot be blank."))
            return None
        value = str(value).strip()
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(gettext("Unknown %(what)s “%(name)s”.") % {"what": self.label, "name": value}) from None


class MemberResource(resources.ModelResource):
    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    term = fields.Field(attribute="term", column_name=_("Term"))
    name = fields.Field(attribute="name", column_name=_("Full name"), widget=widgets.CharWidget(allow_blank=True))
    gender = fields.Field(attribute="gender", column_name=_("Gender"), widget=ChoiceLabelWidget(Member.Gender.choices))
    sector = fields.Field(attribute="sector", column_name=_("Sector"))
    special_committee = fields.Field(attribute="special_committee", column_name=_("Special committee"))
    party = fields.Field(attribute="party", column_name=_("Party affiliation"), widget=ChoiceLabelWidget(Party.choices))
    is_standing = fields.Field(attribute="is_standing", column_name=_("Standing committee member"), widget=YesNoWidget())
    work_unit = fields.Field(attribute="work_unit", column_name=_("Work unit"), widget=widgets.CharWidget(allow_blank=True))
    position = fields.Field(attribute="position", column_name=_("Position"), widget=widgets.CharWidget(allow_blank=True))
    street = fields.Field(attribute="street", column_name=_("Street or township"), widget=widgets.CharWidget(allow_blank=True))
    phone = fields.Field(attribute="phone", column_name=_("Mobile phone"), widget=widgets.CharWidget(allow_blank=True))
    email = fields.Field(attribute="email", column_name=_("E-mail"), widget=widgets.CharWidget(allow_blank=True))

    class Meta:
        model = Member
        import_id_fields = ()
        skip_unchanged = False
        clean_model_instances = True
        use_transactions = True
        fields = (
            "committee", "term", "name", "gender", "sector", "special_committee", "party", "is_standing",
            "work_unit", "position", "street", "phone", "email",
        )

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        committee_col = str(self.fields["committee"].column_name)
        self.fields["committee"].widget = CommitteeNameWidget(user)
        self.fields["term"].widget = PerCommitteeWidget(Term, "number", gettext("term"), committee_col)
        self.fields["sector"].widget = PerCommitteeWidget(Sector, "name", gettext("sector"), committee_col)
        self.fields["special_committee"].widget = PerCommitteeWidget(
            SpecialCommittee, "name", gettext("special committee"), committee_col, required=False
        )

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee", "term", "sector", "special_committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None  # every row is a new member; duplicates are refused by the phone constraint


class ActivityGroupResource(resources.ModelResource):
    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    name = fields.Field(attribute="name", column_name=_("Group name"), widget=widgets.CharWidget(allow_blank=True))
    kind = fields.Field(attribute="kind", column_name=_("Kind"), widget=ChoiceLabelWidget(ActivityGroup.Kind.choices))
    street = fields.Field(attribute="street", column_name=_("Street or township"), widget=widgets.CharWidget(allow_blank=True))
    sector = fields.Field(attribute="sector", column_name=_("Sector"))
    special_committee = fields.Field(attribute="special_committee", column_name=_("Guiding special committee"))
    description = fields.Field(attribute="description", column_name=_("Description"), widget=widgets.CharWidget(allow_blank=True))

    class Meta:
        model = ActivityGroup
        import_id_fields = ()
        clean_model_instances = True
        use_transactions = True
        fields = ("committee", "name", "kind", "street", "sector", "special_committee", "description")

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        committee_col = str(self.fields["committee"].column_name)
        self.fields["committee"].widget = CommitteeNameWidget(user)
        self.fields["sector"].widget = PerCommitteeWidget(Sector, "name", gettext("sector"), committee_col, required=False)
        self.fields["special_committee"].widget = PerCommitteeWidget(
            SpecialCommittee, "name", gettext("special committee"), committee_col, required=False
        )

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee", "sector", "special_committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None



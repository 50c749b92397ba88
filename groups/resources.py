"""Excel import and export of members, groups, contact points and handling units (django-import-export).

Imports run in one transaction and are rolled back whole when any row is wrong; every row error
names its row and column in the user's language.
"""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from groups.models import (
    ActivityGroup,
    Committee,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Party,
    Sector,
    SpecialCommittee,
    Term,
)


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
        raise ValueError(
            gettext("“%(value)s” is not one of: %(choices)s")
            % {"value": text, "choices": "、".join(str(label) for label in self.by_value.values())}
        )

    def render(self, value, obj=None, **kwargs):
        return str(self.by_value.get(value, value or ""))


class YesNoWidget(widgets.BooleanWidget):
    """是 or 否; a blank cell is 否 (never a “None” error from the model), anything else is refused."""

    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True", "yes", "Yes"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False", "no", "No"]

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
        value = value.strip() if isinstance(value, str) else value
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(
            gettext("“%(value)s” is not one of: %(choices)s")
            % {"value": value, "choices": "、".join([gettext("Yes"), gettext("No")])}
        )

    def render(self, value, obj=None, **kwargs):
        return gettext("Yes") if value else gettext("No")


class CommitteeNameWidget(widgets.ForeignKeyWidget):
    """A committee by name, only among those the importing staff administer."""

    def __init__(self, user=None):
        self.user = user
        self._found: dict = {}  # a file names one or two committees: one query each, not one per row
        super().__init__(Committee, field="name")

    def get_queryset(self, value, row, *args, **kwargs):
        return Committee.objects.administered_by(self.user) if self.user else Committee.objects.all()

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(gettext("This field cannot be blank."))
        if value not in self._found:
            try:
                self._found[value] = super().clean(value, row, **kwargs)
            except Committee.DoesNotExist:
                self._found[value] = None
        if self._found[value] is None:
            raise ValueError(gettext("Unknown committee “%(name)s”, or not one you administer.") % {"name": value})
        return self._found[value]


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


class TemplateMixin:
    """What the downloadable Excel template of an import shows (``groups.import_templates``): an example row and
    the drop-down lists of its columns, within the staff's committees. ``optional_columns`` (attributes) may be
    left out of a file."""

    optional_columns: tuple[str, ...] = ()
    template_example: dict = {}

    def _committees(self):
        return Committee.objects.administered_by(self.user) if self.user else Committee.objects.all()

    def _names(self, model, **filters) -> list[str]:
        return sorted(
            set(model.objects.filter(committee__in=self._committees(), **filters).values_list("name", flat=True))
        )

    def template_choices(self) -> dict[str, list[str]]:
        """Attribute -> the values its column accepts (a drop-down list in the template)."""
        return {"committee": [c.name for c in self._committees().order_by("name")]}

    def example_row(self) -> dict:
        """The example row: ``template_example``, and the first value of each list the example leaves blank (the
        staff's own committee, sector, term …)."""
        row = {attr: (str(value) if value is not None else "") for attr, value in self.template_example.items()}
        for attr, values in self.template_choices().items():
            if not row.get(attr) and values and attr not in self.optional_columns_keys():
                row[attr] = values[0]
        return row

    def optional_columns_keys(self) -> set[str]:
        return {"group" if c == "import_group" else c for c in self.optional_columns}


class MemberResource(TemplateMixin, resources.ModelResource):
    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    term = fields.Field(attribute="term", column_name=_("Term"))
    name = fields.Field(attribute="name", column_name=_("Full name"), widget=widgets.CharWidget(allow_blank=True))
    gender = fields.Field(attribute="gender", column_name=_("Gender"), widget=ChoiceLabelWidget(Member.Gender.choices))
    sector = fields.Field(attribute="sector", column_name=_("Sector"))
    special_committee = fields.Field(attribute="special_committee", column_name=_("Special committee"))
    party = fields.Field(attribute="party", column_name=_("Party affiliation"), widget=ChoiceLabelWidget(Party.choices))
    is_standing = fields.Field(
        attribute="is_standing", column_name=_("Standing committee member"), widget=YesNoWidget()
    )
    work_unit = fields.Field(
        attribute="work_unit", column_name=_("Work unit"), widget=widgets.CharWidget(allow_blank=True)
    )
    position = fields.Field(
        attribute="position", column_name=_("Position"), widget=widgets.CharWidget(allow_blank=True)
    )
    street = fields.Field(
        attribute="street", column_name=_("Street or township"), widget=widgets.CharWidget(allow_blank=True)
    )
    phone = fields.Field(attribute="phone", column_name=_("Mobile phone"), widget=widgets.CharWidget(allow_blank=True))
    email = fields.Field(attribute="email", column_name=_("E-mail"), widget=widgets.CharWidget(allow_blank=True))
    group = fields.Field(attribute="import_group", column_name=_("Activity group"))

    optional_columns = ("import_group",)
    template_example = {
        "term": "",
        "name": "张伟",
        "gender": Member.Gender.MALE.label,
        "sector": "",
        "party": Party.NONPARTY.label,
        "is_standing": "否",
        "work_unit": "东湖区第一中学",
        "position": "校长",
        "street": "东湖街道",
        "phone": "13800000000",
        "email": "zhangwei@example.cn",
    }

    class Meta:
        model = Member
        import_id_fields = ()
        skip_unchanged = False
        clean_model_instances = True
        use_transactions = True
        fields = (
            "committee",
            "term",
            "name",
            "gender",
            "sector",
            "special_committee",
            "party",
            "is_standing",
            "work_unit",
            "position",
            "street",
            "phone",
            "email",
            "group",
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
        self.fields["group"].widget = PerCommitteeWidget(
            ActivityGroup, "name", gettext("activity group"), committee_col, required=False
        )

    def template_choices(self) -> dict[str, list[str]]:
        current = Term.objects.filter(committee__in=self._committees()).order_by("-is_current", "-number")
        return {
            **super().template_choices(),
            "term": sorted({str(t.number) for t in current}, key=int, reverse=True),
            "gender": [str(label) for _v, label in Member.Gender.choices],
            "sector": self._names(Sector),
            "special_committee": self._names(SpecialCommittee),
            "party": [str(label) for _v, label in Party.choices],
            "is_standing": [gettext("Yes"), gettext("No")],
            "group": self._names(ActivityGroup, is_active=True),
        }

    def after_save_instance(self, instance, row, **kwargs):
        """The group named in the row: the new member joins it today (an admin-style record write: audit row,
        stale roll-ups)."""
        from core.services import record_save

        group = getattr(instance, "import_group", None)
        if group is not None and not kwargs.get("dry_run"):
            record_save(
                obj=GroupMembership(group=group, member=instance, joined_on=timezone.localdate()), actor=self.user
            )

    def dehydrate_group(self, obj):
        return ""

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee", "term", "sector", "special_committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None  # every row is a new member; duplicates are refused by the phone constraint


class ActivityGroupResource(TemplateMixin, resources.ModelResource):
    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    name = fields.Field(attribute="name", column_name=_("Group name"), widget=widgets.CharWidget(allow_blank=True))
    kind = fields.Field(attribute="kind", column_name=_("Kind"), widget=ChoiceLabelWidget(ActivityGroup.Kind.choices))
    street = fields.Field(
        attribute="street", column_name=_("Street or township"), widget=widgets.CharWidget(allow_blank=True)
    )
    sector = fields.Field(attribute="sector", column_name=_("Sector"))
    special_committee = fields.Field(attribute="special_committee", column_name=_("Guiding special committee"))
    description = fields.Field(
        attribute="description", column_name=_("Description"), widget=widgets.CharWidget(allow_blank=True)
    )

    template_example = {
        "name": "东湖街道活动组",
        "kind": ActivityGroup.Kind.STREET.label,
        "street": "东湖街道",
        "sector": "",
        "special_committee": "",
        "description": "",
    }

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
        self.fields["sector"].widget = PerCommitteeWidget(
            Sector, "name", gettext("sector"), committee_col, required=False
        )
        self.fields["special_committee"].widget = PerCommitteeWidget(
            SpecialCommittee, "name", gettext("special committee"), committee_col, required=False
        )

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee", "sector", "special_committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None

    def template_choices(self) -> dict[str, list[str]]:
        return {
            **super().template_choices(),
            "kind": [str(label) for _v, label in ActivityGroup.Kind.choices],
            "sector": self._names(Sector),
            "special_committee": self._names(SpecialCommittee),
        }


class ContactPointResource(TemplateMixin, resources.ModelResource):
    """Contact points 联系点, each optionally linked to an activity group of its committee."""

    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    name = fields.Field(
        attribute="name", column_name=_("Contact point name"), widget=widgets.CharWidget(allow_blank=True)
    )
    kind = fields.Field(attribute="kind", column_name=_("Kind"), widget=ChoiceLabelWidget(ContactPoint.Kind.choices))
    street = fields.Field(
        attribute="street", column_name=_("Street or township"), widget=widgets.CharWidget(allow_blank=True)
    )
    address = fields.Field(attribute="address", column_name=_("Address"), widget=widgets.CharWidget(allow_blank=True))
    contact_name = fields.Field(
        attribute="contact_name", column_name=_("Contact person"), widget=widgets.CharWidget(allow_blank=True)
    )
    contact_phone = fields.Field(
        attribute="contact_phone", column_name=_("Contact phone"), widget=widgets.CharWidget(allow_blank=True)
    )
    group = fields.Field(attribute="import_group", column_name=_("Activity group"))

    optional_columns = ("import_group",)
    template_example = {
        "name": "东湖社区",
        "kind": ContactPoint.Kind.choices[0][1],
        "street": "东湖街道",
        "address": "东湖路1号",
        "contact_name": "王敏",
        "contact_phone": "13800000001",
    }

    class Meta:
        model = ContactPoint
        import_id_fields = ()
        clean_model_instances = True
        use_transactions = True
        fields = ("committee", "name", "kind", "street", "address", "contact_name", "contact_phone", "group")

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        committee_col = str(self.fields["committee"].column_name)
        self.fields["committee"].widget = CommitteeNameWidget(user)
        self.fields["group"].widget = PerCommitteeWidget(
            ActivityGroup, "name", gettext("activity group"), committee_col, required=False
        )

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None

    def template_choices(self) -> dict[str, list[str]]:
        return {
            **super().template_choices(),
            "kind": [str(label) for _v, label in ContactPoint.Kind.choices],
            "group": self._names(ActivityGroup, is_active=True),
        }

    def after_save_instance(self, instance, row, **kwargs):
        group = getattr(instance, "import_group", None)
        if group is not None and not kwargs.get("dry_run"):
            group.contact_points.add(instance)

    def dehydrate_group(self, obj):
        return ""


class HandlingUnitResource(TemplateMixin, resources.ModelResource):
    """Handling units 承办单位 (their logins are bound in the admin)."""

    committee = fields.Field(attribute="committee", column_name=_("Committee"))
    name = fields.Field(attribute="name", column_name=_("Unit name"), widget=widgets.CharWidget(allow_blank=True))
    short_name = fields.Field(
        attribute="short_name", column_name=_("Short name"), widget=widgets.CharWidget(allow_blank=True)
    )
    contact_name = fields.Field(
        attribute="contact_name", column_name=_("Contact person"), widget=widgets.CharWidget(allow_blank=True)
    )
    contact_phone = fields.Field(
        attribute="contact_phone", column_name=_("Contact phone"), widget=widgets.CharWidget(allow_blank=True)
    )

    template_example = {
        "name": "东湖区住房和城乡建设局",
        "short_name": "区住建局",
        "contact_name": "李强",
        "contact_phone": "13800000002",
    }

    class Meta:
        model = HandlingUnit
        import_id_fields = ()
        clean_model_instances = True
        use_transactions = True
        fields = ("committee", "name", "short_name", "contact_name", "contact_phone")

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.fields["committee"].widget = CommitteeNameWidget(user)

    def get_queryset(self):
        qs = super().get_queryset().select_related("committee")
        return qs.administered_by(self.user) if self.user else qs

    def get_instance(self, instance_loader, row):
        return None

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import MAX_ID, IdField
from core.api_fields import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from groups.models import (
    ActivityGroup,
    Committee,
    ConstituentContact,
    ContactPoint,
    ContactTopic,
    ContactWhom,
    Expertise,
    GroupMembership,
    HandlingUnit,
    Member,
    Sector,
)


class CommitteeSerializer(ScopedModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "name", "short_name", "level", "parent", "code"]


class SectorSerializer(ScopedModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "committee", "name", "order"]


class MemberSerializer(ScopedModelSerializer):
    """Phone and e-mail in full only for the member's committee staff, their conveners and themself;
    masked (``138****5678``, ``z***@example.cn``) for leaders and everyone else (``core.privacy``)."""

    sector_name = serializers.CharField(source="sector.name", read_only=True)
    phone = serializers.CharField(read_only=True, help_text=_("masked unless you may contact the member"))
    email = serializers.CharField(read_only=True, help_text=_("masked unless you may contact the member"))

    class Meta:
        model = Member
        fields = [
            "id",
            "committee",
            "term",
            "name",
            "gender",
            "sector",
            "sector_name",
            "special_committee",
            "is_standing",
            "party",
            "work_unit",
            "position",
            "street",
            "phone",
            "email",
            "status",
        ]

    def _policy(self):
        from groups.privacy import ContactPolicy

        request = self.context.get("request")
        cache = self.context.setdefault("_contact_policy", {})
        if "policy" not in cache:
            cache["policy"] = ContactPolicy(getattr(request, "user", None))
        return cache["policy"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        policy = self._policy()
        data["phone"] = policy.phone(instance)
        data["email"] = policy.email(instance)
        return data


class ActivityGroupSerializer(ScopedModelSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text=_("active members"))

    class Meta:
        model = ActivityGroup
        fields = [
            "id",
            "committee",
            "name",
            "kind",
            "street",
            "sector",
            "special_committee",
            "liaison_leader",
            "contact_points",
            "description",
            "is_active",
            "member_count",
        ]


class ContactPointSerializer(ScopedModelSerializer):
    class Meta:
        model = ContactPoint
        fields = ["id", "committee", "name", "kind", "street", "address", "is_active"]


class HandlingUnitSerializer(ScopedModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ["id", "committee", "name", "short_name", "is_active"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    member_id = serializers.IntegerField(allow_null=True)
    committee_ids = serializers.ListField(child=serializers.IntegerField())
    group_ids = serializers.ListField(child=serializers.IntegerField())
    convened_group_ids = serializers.ListField(child=serializers.IntegerField())
    unit_ids = serializers.ListField(child=serializers.IntegerField())


# --- Activities ---------------------------------------------------------------------------------


class AttendanceRowSerializer(serializers.Serializer):
    member = IdField(error_messages={"required": _("Each row needs a member id.")})
    status = serializers.CharField(allow_blank=True, required=False, default="")  # the service names bad ones
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AttendanceRecordSerializer(serializers.Serializer):
    """The whole group's attendance at once: ``[{"member": 1, "status": "present"}, …]``."""

    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID)
    rows = AttendanceRowSerializer(many=True, allow_empty=False)

    def statuses(self) -> tuple[dict[int, str], dict[int, str]]:
        statuses, reasons = {}, {}
        for row in self.validated_data["rows"]:
            statuses[row["member"]] = row["status"]
            if row["reason"]:
                reasons[row["member"]] = row["reason"]
        return statuses, reasons


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class OrganiserField(serializers.CharField):
    """``Activity.organiser`` by name: the name ``api_rows`` selected (``organiser_name``), else the related row's."""

    values_source = "organiser_name"  # what core.api_values selects

    def get_attribute(self, instance):
        name = getattr(instance, "organiser_name", None)
        return str(instance.organiser) if name is None else name


# --- Writes of members, conveners and staff (each calls one service: groups/api.py) ---------------------------


class LeaveRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)


class LeaveDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true approves the leave (the member is excused), false refuses it"))


class SignInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200, help_text=_("the code on the convener's screen (its QR code's link)"))


class SignInCodeSerializer(serializers.Serializer):
    """The convener's screen: the code members scan now, and when to fetch the next one."""

    is_open = serializers.BooleanField()
    code = serializers.CharField(allow_blank=True, help_text=_("empty while sign-in is closed"))
    url = serializers.CharField(allow_blank=True, help_text=_("the page the QR code opens; empty while closed"))
    refresh_seconds = serializers.IntegerField()
    opens = serializers.DateTimeField()
    closes = serializers.DateTimeField()
    invited = serializers.IntegerField()
    present = serializers.IntegerField()


class InviteSerializer(serializers.Serializer):
    members = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), many=True, allow_empty=False)


class InvitedSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text=_("members added to the invitation"))


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("a photo (JPEG, PNG or WebP) or a PDF document"))
    caption = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)


class AnnualPlanCreateSerializer(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class AdministeredField(ScopedPrimaryKeyRelatedField):
    """A relation a staff member writes: only their committees' rows (``administered_by``)."""

    def __init__(self, **kwargs):
        super().__init__(scope="administered_by", **kwargs)


class MemberWriteSerializer(ScopedModelSerializer):
    """A member as the secretariat enters them (the admin's form): contact details in full, relations of the
    staff member's committees only."""

    serializer_related_field = AdministeredField

    class Meta:
        model = Member
        fields = [
            "id",
            "committee",
            "term",
            "name",
            "gender",
            "sector",
            "special_committee",
            "is_standing",
            "party",
            "work_unit",
            "position",
            "street",
            "phone",
            "email",
            "status",
        ]
        validators = []  # the model's constraints, conditional ones too, are checked by full_clean (groups/api.py)


class ActivityGroupWriteSerializer(ScopedModelSerializer):
    serializer_related_field = AdministeredField

    class Meta:
        model = ActivityGroup
        fields = [
            "id",
            "committee",
            "name",
            "kind",
            "street",
            "sector",
            "special_committee",
            "liaison_leader",
            "contact_points",
            "description",
            "is_active",
        ]
        validators = []  # as above


class GroupMembershipReadSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["id", "group", "member", "member_name", "role", "joined_on", "left_on"]
        read_only_fields = fields


class GroupMembershipWriteSerializer(ScopedModelSerializer):
    serializer_related_field = AdministeredField

    class Meta:
        model = GroupMembership
        fields = ["id", "group", "member", "role", "joined_on", "left_on"]
        validators = []  # DRF's validator of a conditional unique constraint fails on a PATCH without its fields


class TableImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("an Excel (.xlsx) or CSV (.csv) file with the admin's import columns"))


class TableImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField(), help_text=_("one message per refused cell"))


class MemberLoginsInput(serializers.Serializer):
    members = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), many=True, allow_empty=False)
    deliver = serializers.ChoiceField(
        choices=["notify", "print"],
        default="notify",
        help_text=_("notify: sent by SMS and e-mail; print: the links come back once"),
    )


class LoginOutcomeSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    username = serializers.CharField()
    link = serializers.CharField(help_text=_("the first-login link, only when printed"))
    created = serializers.BooleanField()
    skipped = serializers.CharField()


class ContactSerializer(serializers.ModelSerializer):
    """A contact with the people of a member's sector; ``resident_contact`` is blank unless the reader is the
    committee's secretariat staff."""

    member_name = serializers.CharField(source="member.name", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = ConstituentContact
        fields = [
            "id",
            "committee",
            "member",
            "member_name",
            "contacted_on",
            "contact_point",
            "place",
            "whom_kind",
            "whom",
            "topic",
            "raised",
            "follow_up",
            "resident_contact",
            "has_photo",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)

    def to_representation(self, instance):
        from groups.access import scope_of

        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not scope_of(request.user).is_staff_of(instance.committee_id):
            data["resident_contact"] = ""
        return data


class ContactRecordSerializer(serializers.Serializer):
    """The body of ``POST /api/v1/contacts/``: ``member`` defaults to the caller's own member record."""

    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False)
    contacted_on = serializers.DateField()
    contact_point = ScopedPrimaryKeyRelatedField(queryset=ContactPoint.objects.all(), required=False, allow_null=True)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    whom_kind = serializers.ChoiceField(choices=ContactWhom.choices)
    whom = serializers.CharField(max_length=100)
    topic = serializers.ChoiceField(choices=ContactTopic.choices)
    raised = serializers.CharField(max_length=2000)
    follow_up = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    resident_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True)


class SuggestionSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    score = serializers.IntegerField(help_text=_("2 for the activity's topic, 1 for each contact point need met"))
    reasons = serializers.ListField(child=serializers.CharField())


class ExpertiseSerializer(ScopedModelSerializer):
    class Meta:
        model = Expertise
        fields = ["id", "committee", "name", "order", "is_active"]
        read_only_fields = fields


class ExpertiseSetSerializer(serializers.Serializer):
    expertise = ScopedPrimaryKeyRelatedField(queryset=Expertise.objects.all(), many=True, allow_empty=True)


class ContactUpdateSerializer(serializers.Serializer):
    """The body of ``PATCH /api/v1/contacts/{id}/``: the author corrects a contact within the window."""

    contacted_on = serializers.DateField(required=False)
    contact_point = ScopedPrimaryKeyRelatedField(queryset=ContactPoint.objects.all(), required=False, allow_null=True)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    whom_kind = serializers.ChoiceField(choices=ContactWhom.choices, required=False)
    whom = serializers.CharField(max_length=100, required=False)
    topic = serializers.ChoiceField(choices=ContactTopic.choices, required=False)
    raised = serializers.CharField(max_length=2000, required=False)
    follow_up = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    resident_contact = serializers.CharField(max_length=100, required=False, allow_blank=True)


class LeadCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=ContactTopic.choices)
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all(), required=False, allow_null=True)
    messages = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    contacts = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    suggestions = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)


class LeadCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class LeadGroupSerializer(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(
        queryset=ActivityGroup.objects.all(),
        allow_null=True,
        help_text="The group of the lead's committee whose conveners follow it; null: the secretariat's own.",
    )


class LeadItemsSerializer(serializers.Serializer):
    messages = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    contacts = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    suggestions = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)


class LeadItemRemoveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("message", "message"), ("contact", "contact"), ("suggestion", "suggestion")]
    )
    item = IdField()

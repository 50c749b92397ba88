from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import MAX_ID, IdField
from core.api_fields import ScopedModelSerializer
from groups.models import (
    Activity,
    ActivityGroup,
    AnnualPlan,
    Attendance,
    Committee,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    PlanItem,
    Platform,
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
            "id", "committee", "term", "name", "gender", "sector", "sector_name", "special_committee", "is_standing",
            "party", "work_unit", "position", "street", "phone", "email", "status",
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


class MembershipSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["member", "member_name", "role", "joined_on", "left_on"]


class ActivityGroupSerializer(ScopedModelSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text=_("active members"))

    class Meta:
        model = ActivityGroup
        fields = [
            "id", "committee", "name", "kind", "street", "sector", "special_committee", "liaison_leader",
            "contact_points", "description", "is_active", "member_count",
        ]


class ContactPointSerializer(ScopedModelSerializer):
    class Meta:
        model = ContactPoint
        fields = ["id", "committee", "name", "kind", "street", "address", "is_active"]


class PlatformSerializer(ScopedModelSerializer):
    six_haves_met = serializers.IntegerField(read_only=True)

    class Meta:
        model = Platform
        fields = ["id", "committee", "name", "kind", "level", "brand", "street", "address", "host_group", "is_active",
                  *Platform.SIX_HAVES, "six_haves_met"]


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

class AttendanceSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    # read_only_fields drops allow_blank, so "" (not signed in) would fall outside the published enum
    sign_in_method = serializers.ChoiceField(choices=Attendance.Method.choices, allow_blank=True, read_only=True)
    leave = serializers.ChoiceField(choices=Attendance.Leave.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "member", "member_name", "status", "leave", "leave_reason", "signed_in_at", "sign_in_method"]
        read_only_fields = fields


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


class ActivitySerializer(ScopedModelSerializer):
    """Read and write an activity; ``version`` must be sent back on update to detect conflicting edits."""

    present_count = serializers.IntegerField(read_only=True)
    invited_count = serializers.IntegerField(read_only=True)
    evidence_count = serializers.IntegerField(read_only=True)
    organiser = serializers.CharField(read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Activity
        fields = ["id", "committee", "group", "organiser", "kind", "target", "contact_point", "six_item", "plan_item",
                  "title", "starts_at", "ends_at", "place", "summary", "suggestions", "state", "version",
                  "invited_count", "present_count", "evidence_count"]
        read_only_fields = ["committee", "state", "organiser"]

    def validate(self, attrs):
        # The model's rules (dates, target, contact point of the same committee) are checked by the service.
        return attrs


class PlanItemSerializer(ScopedModelSerializer):
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanItem
        fields = ["id", "quarter", "month", "kind", "target", "six_item", "title", "contact_point", "responsible", "is_done"]


class AnnualPlanSerializer(ScopedModelSerializer):
    items = PlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = AnnualPlan
        fields = ["id", "group", "year", "note", "items"]

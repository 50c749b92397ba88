from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from groups.models import (
    ActivityGroup,
    Committee,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Platform,
    Sector,
)


class CommitteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "name", "short_name", "level", "parent", "code"]


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "committee", "name", "order"]


class MemberSerializer(serializers.ModelSerializer):
    sector_name = serializers.CharField(source="sector.name", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id", "committee", "term", "name", "gender", "sector", "sector_name", "special_committee", "is_standing",
            "party", "work_unit", "position", "street", "phone", "email", "status",
        ]


class MembershipSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["member", "member_name", "role", "joined_on", "left_on"]


class ActivityGroupSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text=_("active members"))

    class Meta:
        model = ActivityGroup
        fields = [
            "id", "committee", "name", "kind", "street", "sector", "special_committee", "liaison_leader",
            "contact_points", "description", "is_active", "member_count",
        ]


class ContactPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPoint
        fields = ["id", "committee", "name", "kind", "street", "address", "is_active"]


class PlatformSerializer(serializers.ModelSerializer):
    six_haves_met = serializers.IntegerField(read_only=True)

    class Meta:
        model = Platform
        fields = ["id", "committee", "name", "kind", "level", "brand", "street", "address", "host_group", "is_active",
                  *Platform.SIX_HAVES, "six_haves_met"]


class HandlingUnitSerializer(serializers.ModelSerializer):
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

"""The API's bodies for plenary sessions and their attendance."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import IdField
from core.api_fields import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from groups.models import Member, PlenarySession, Term
from plenary.models import PlenaryAttendance


class PlenarySessionSerializer(ScopedModelSerializer):
    """A plenary session; staff create and change them (``plenary_session_change``)."""

    term = ScopedPrimaryKeyRelatedField(queryset=Term.objects.all(), scope="administered_by")

    class Meta:
        model = PlenarySession
        fields = ["id", "term", "number", "year", "start_date", "end_date", "half_days"]


class PlenaryAttendanceSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = PlenaryAttendance
        fields = ["id", "session", "member", "member_name", "present", "excused", "absent", "leave_reason"]
        read_only_fields = fields


HALF_DAYS = {"min_value": 0, "max_value": 32767}


class PlenaryAttendanceSetSerializer(serializers.Serializer):
    """One member's half-days at a session: recorded, or corrected when already recorded."""

    session = ScopedPrimaryKeyRelatedField(queryset=PlenarySession.objects.all(), scope="administered_by")
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), scope="administered_by")
    present = serializers.IntegerField(**HALF_DAYS)
    excused = serializers.IntegerField(**HALF_DAYS)
    absent = serializers.IntegerField(**HALF_DAYS)
    leave_reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)


class PlenaryRowSerializer(serializers.Serializer):
    member = IdField(error_messages={"required": _("Each row needs a member id.")})
    present = serializers.IntegerField(**HALF_DAYS)
    excused = serializers.IntegerField(**HALF_DAYS)
    absent = serializers.IntegerField(**HALF_DAYS)
    leave_reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)


class PlenaryImportSerializer(serializers.Serializer):
    """Many members' half-days at one session: every row is written, or none (the refused rows are named)."""

    rows = PlenaryRowSerializer(many=True, allow_empty=False, max_length=5000)


class PlenaryOutcomeSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    corrected = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class PlenaryFilledSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text=_("members recorded present for every half-day"))


class IdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), allow_empty=False, max_length=5000)


class RemovedSerializer(serializers.Serializer):
    removed = serializers.IntegerField()

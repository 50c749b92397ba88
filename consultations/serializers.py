"""API representations; the public one carries nothing personal."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from activities.models import Activity
from core.api import IdField
from core.api_fields import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, HandlingUnit, Member, Platform
from proposals.models import Category, Proposal

from .models import (
    Attendance,
    ConsultationSession,
    Outcome,
    OutcomeEntry,
    Participant,
    SessionDocument,
    StageRecord,
    Topic,
)


class TopicSerializer(ScopedModelSerializer):
    committee = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all())
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all(), required=False, allow_null=True)
    platform = ScopedPrimaryKeyRelatedField(queryset=Platform.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "committee",
            "platform",
            "group",
            "title",
            "description",
            "reasons",
            "source",
            "proposer_kind",
            "resident_name",
            "resident_contact",
            "year",
            "rank",
            "is_annual_front_line",
            "state",
            "decline_reason",
            "is_published",
            "research_activities",
            "source_lead",
            "source_message",
            "source_contact",
            "created_at",
        ]
        read_only_fields = [
            "source_lead",
            "source_message",
            "source_contact",
            "rank",
            "is_annual_front_line",
            "state",
            "decline_reason",
            "is_published",
            "research_activities",
            "created_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not scope_of(request.user).is_staff_of(instance.committee_id):
            data.pop("resident_contact", None)  # personal data: secretariat staff only
        return data


@extend_schema_serializer(component_name="ConsultationAttendance")  # groups has an "Attendance" (activities)
class AttendanceSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "status", "reason"]


class ParticipantSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = Participant
        fields = ["kind", "name", "unit", "unit_name", "organisation"]


class StageRecordSerializer(ScopedModelSerializer):
    class Meta:
        model = StageRecord
        fields = ["stage", "speaker", "content", "created_at"]


class SessionSerializer(ScopedModelSerializer):
    form_display = serializers.CharField(source="display_form", read_only=True)
    attendances = AttendanceSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    stage_records = StageRecordSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultationSession
        fields = [
            "id",
            "committee",
            "topic",
            "platform",
            "group",
            "title",
            "form",
            "form_display",
            "brand",
            "level",
            "starts_at",
            "ends_at",
            "place",
            "state",
            "summary",
            "minutes",
            "is_published",
            "published_at",
            "activity",
            "attendances",
            "participants",
            "stage_records",
        ]


class SessionWriteSerializer(serializers.Serializer):
    committee = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all())
    title = serializers.CharField(max_length=200)
    form = serializers.ChoiceField(choices=ConsultationSession.Form.choices)
    level = serializers.ChoiceField(choices=ConsultationSession._meta.get_field("level").choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=200)
    brand = serializers.CharField(max_length=50, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.CharField(required=False, allow_blank=True)
    topic = ScopedPrimaryKeyRelatedField(queryset=Topic.objects.all(), required=False, allow_null=True)
    platform = ScopedPrimaryKeyRelatedField(queryset=Platform.objects.all(), required=False, allow_null=True)
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all(), required=False, allow_null=True)
    activity = ScopedPrimaryKeyRelatedField(queryset=Activity.objects.all(), required=False, allow_null=True)


class SessionUpdateSerializer(SessionWriteSerializer):
    """A change of a session's details (PATCH): only the fields sent change; the committee stays."""

    committee = None


class AttendanceInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="The reason for the leave (excused)."
    )


class MemberInput(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())


class ParticipantInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)
    name = serializers.CharField(max_length=50, allow_blank=True)
    unit = ScopedPrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The department a representative comes from.",
    )
    organisation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class StageRecordInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=StageRecord.Stage.choices)
    speaker = serializers.CharField(max_length=100, allow_blank=True)
    content = serializers.CharField(allow_blank=True)


class DocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionDocument.Kind.choices)
    file = serializers.FileField()


class SessionDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionDocument
        fields = ["id", "session", "kind", "name", "content_type", "size"]
        read_only_fields = fields


class OutcomeInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    content = serializers.CharField(allow_blank=True)


class OutcomeEntrySerializer(ScopedModelSerializer):
    class Meta:
        model = OutcomeEntry
        fields = ["kind", "text", "created_at"]


class OutcomeSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    is_overdue = serializers.SerializerMethodField()
    entries = OutcomeEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "committee",
            "session",
            "title",
            "content",
            "state",
            "evaluation_comment",
            "merged_into",
            "unit",
            "unit_name",
            "deadline",
            "assigned_at",
            "reply",
            "replied_at",
            "answered_on_time",
            "review_comment",
            "published_at",
            "closed_at",
            "proposal",
            "is_overdue",
            "entries",
        ]

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()


class EvaluateSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["adopt", "merge", "decline"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    merge_into = ScopedPrimaryKeyRelatedField(
        queryset=Outcome.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The outcome to merge into (merge).",
    )


class AssignSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.all(), required=False, allow_null=True, default=None
    )
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("text"), allow_blank=True)


class RankSerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1, max_value=999, allow_null=True)


class ProposalDraftSerializer(serializers.Serializer):
    title = serializers.CharField()
    case = serializers.CharField()
    suggestions = serializers.CharField()
    suggested_unit = serializers.IntegerField(allow_null=True)
    source = serializers.DictField()


class ResearchLinkSerializer(serializers.Serializer):
    activity = ScopedPrimaryKeyRelatedField(queryset=Activity.objects.all())
    unlink = serializers.BooleanField(required=False, default=False)


class DraftProposalSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)


class ProposalLinkSerializer(serializers.Serializer):
    proposal = ScopedPrimaryKeyRelatedField(
        queryset=Proposal.objects.all(), allow_null=True, help_text="null removes the link."
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="")


class AdoptSerializer(serializers.Serializer):
    # A real boolean: "false", "0" and "off" in form data are false (``bool("false")`` would be true).
    annual_front_line = serializers.BooleanField(required=False, default=False)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField(required=False, default=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- public ---------------------------------------------------------------------------------------


class PublicOutcomeSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "title",
            "content",
            "state",
            "state_display",
            "unit_name",
            "reply",
            "replied_at",
            "published_at",
            "closed_at",
        ]


class PublicParticipantSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = Participant
        fields = ["kind", "name", "unit_name", "organisation"]


class PublicSessionSerializer(ScopedModelSerializer):
    committee_code = serializers.CharField(source="committee.code", read_only=True)
    form_display = serializers.CharField(source="display_form", read_only=True)
    topic_title = serializers.CharField(source="topic.title", read_only=True, default="")
    platform_name = serializers.CharField(source="platform.name", read_only=True, default="")
    participants = PublicParticipantSerializer(many=True, read_only=True)
    stage_records = StageRecordSerializer(many=True, read_only=True)
    outcomes = PublicOutcomeSerializer(source="public_outcomes", many=True, read_only=True)

    class Meta:
        model = ConsultationSession
        fields = [
            "id",
            "committee_code",
            "title",
            "form",
            "form_display",
            "level",
            "starts_at",
            "place",
            "topic_title",
            "platform_name",
            "summary",
            "participants",
            "stage_records",
            "outcomes",
        ]


class FromHeardSerializer(serializers.Serializer):
    """Exactly one of ``lead``, ``message`` and ``contact``."""

    lead = IdField(required=False, allow_null=True, default=None, help_text="A lead (/api/v1/leads/).")
    message = IdField(required=False, allow_null=True, default=None, help_text="A resident's message.")
    contact = IdField(required=False, allow_null=True, default=None, help_text="A contact with constituents.")

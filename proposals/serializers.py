from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import IdField
from core.api_fields import ScopedModelSerializer
from core.links import absolute_url
from proposals.models import (
    Adoption,
    Assignment,
    CoAuthorInvitation,
    CoSigner,
    Instruction,
    OpinionReport,
    Proposal,
    Reply,
)


class AssignmentSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "unit", "unit_name", "role", "assigned_on", "due_date", "reassign_until", "is_active"]


class ReplySerializer(ScopedModelSerializer):
    # The portal's own download URL (checks who asks), never the storage's URL of the file.
    signed_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["round", "unit", "text", "result_code", "replied_on", "on_time", "signed_pdf"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_signed_pdf(self, reply) -> str:
        return absolute_url(reverse("proposals:reply_pdf", args=[reply.pk]))


class ProposalSerializer(ScopedModelSerializer):
    lead_proposer_name = serializers.CharField(source="lead_proposer.name", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, default=None, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "committee", "year", "serial_number", "kind", "title", "category", "during_plenary", "state",
                  "round", "lead_proposer", "lead_proposer_name", "lead_unit", "lead_unit_name", "reply_due",
                  "feedback_due", "result_code", "rating", "is_key", "is_excellent", "excellent_marked_at",
                  "merged_into", "is_overdue", "submitted_at",
                  "filed_at", "closed_at", "implemented_on"]


class CoSignerSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CoSigner
        fields = ["id", "member", "member_name", "status", "deadline", "responded_at"]


class ProposalDetailSerializer(ProposalSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)
    cosigners = CoSignerSerializer(many=True, read_only=True)
    content_digest = serializers.CharField(read_only=True, help_text="Send it as ``seen`` when answering a co-sign "
                                                                     "invitation.")

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "analysis", "suggestions", "not_filed_reason", "assignments",
                  "replies", "cosigners", "confirmed_cosigners", "content_digest"]


class AdoptionSerializer(ScopedModelSerializer):
    class Meta:
        model = Adoption
        fields = ["level", "adopted_by", "date"]


class InstructionSerializer(ScopedModelSerializer):
    class Meta:
        model = Instruction
        fields = ["leader", "level", "date", "text"]


class CoAuthorInvitationSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CoAuthorInvitation
        fields = ["id", "member", "member_name", "status", "deadline", "responded_at"]


class OpinionReportSerializer(ScopedModelSerializer):
    invitations = CoAuthorInvitationSerializer(many=True, read_only=True)
    content_digest = serializers.CharField(read_only=True, help_text="Send it as ``seen`` when answering a "
                                                                     "co-author invitation.")
    adoptions = AdoptionSerializer(many=True, read_only=True)
    instructions = InstructionSerializer(many=True, read_only=True)
    issue_label = serializers.CharField(source="issue", read_only=True, default=None, allow_null=True)

    class Meta:
        model = OpinionReport
        fields = ["id", "committee", "year", "author", "co_authors", "invitations", "content_digest", "group", "title",
                  "content",
                  "state", "decline_reason", "issue", "issue_label", "adoptions", "instructions", "created_at"]
        read_only_fields = ["committee", "year", "author", "co_authors", "state", "decline_reason", "issue"]


# --- action inputs ---

class TransitionInput(serializers.Serializer):
    expected_state = serializers.ChoiceField(
        choices=Proposal.State.choices, required=False, allow_null=True, default=None,
        help_text="The state the client last saw. If the proposal has moved on meanwhile (someone else acted), "
                  "nothing is changed and the answer is 409.")


class RejectInput(TransitionInput):
    reason = serializers.CharField(allow_blank=True, required=False, default="")
    outcome = serializers.ChoiceField(choices=Proposal.Outcome.choices, required=False, default="")


class MergeInput(TransitionInput):
    into = IdField()


class AssignInput(TransitionInput):
    lead_unit = IdField()
    co_units = serializers.ListField(child=IdField(), required=False, default=list)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ReassignInput(TransitionInput):
    assignment = IdField(required=False)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ReplyInput(TransitionInput):
    text = serializers.CharField(allow_blank=True, required=False, default="")
    result_code = serializers.CharField(allow_blank=True, required=False, default="")
    signed_pdf = serializers.FileField(required=False, allow_null=True, default=None)


class RateInput(TransitionInput):
    rating = serializers.CharField(allow_blank=True, required=False, default="")
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class ReportSubmitInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, required=False, default="")
    content = serializers.CharField(allow_blank=True, required=False, default="")
    co_authors = serializers.ListField(child=IdField(), required=False, default=list)
    group = IdField(required=False, allow_null=True, default=None)


class AnswerInput(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true: confirm; false: decline.")
    seen = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="The content digest of the version read (``content_digest``), required "
                                           "to confirm; a confirmation of a text changed since is refused with 409.")

    def validate(self, attrs):
        if attrs["accept"] and not attrs["seen"]:  # a confirmation names the version it confirms, as the page does
            raise serializers.ValidationError({"seen": [gettext("Send the content digest of the text you read.")]})
        return attrs


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AdoptionInput(serializers.Serializer):
    level = serializers.CharField()
    date = serializers.DateField()
    adopted_by = serializers.CharField(allow_blank=True, required=False, default="")


class InstructionInput(serializers.Serializer):
    leader = serializers.CharField(allow_blank=True)
    level = serializers.CharField()
    date = serializers.DateField()
    text = serializers.CharField(allow_blank=True)

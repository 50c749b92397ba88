from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import IdField
from core.api_fields import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from core.links import absolute_url
from groups.models import ActivityGroup, HandlingUnit, Member
from proposals.models import (
    Adoption,
    Assignment,
    Category,
    CoAuthorInvitation,
    ContactRecord,
    CoSigner,
    Instruction,
    Level,
    NotFilingGround,
    OpinionReport,
    Proposal,
    Reply,
    ReportFollowUp,
    ReportIssue,
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
        fields = [
            "id",
            "committee",
            "year",
            "serial_number",
            "kind",
            "title",
            "category",
            "during_plenary",
            "state",
            "round",
            "lead_proposer",
            "lead_proposer_name",
            "lead_unit",
            "lead_unit_name",
            "reply_due",
            "feedback_due",
            "result_code",
            "rating",
            "is_key",
            "is_excellent",
            "excellent_marked_at",
            "merged_into",
            "is_overdue",
            "submitted_at",
            "filed_at",
            "closed_at",
            "implemented_on",
        ]


class CoSignerSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CoSigner
        fields = ["id", "member", "member_name", "status", "deadline", "responded_at"]


class ProposalDetailSerializer(ProposalSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)
    cosigners = CoSignerSerializer(many=True, read_only=True)
    content_digest = serializers.CharField(
        read_only=True, help_text="Send it as ``seen`` when answering a co-sign invitation."
    )

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "analysis",
            "suggestions",
            "not_filed_reason",
            "assignments",
            "replies",
            "cosigners",
            "confirmed_cosigners",
            "content_digest",
        ]


class AdoptionSerializer(ScopedModelSerializer):
    class Meta:
        model = Adoption
        fields = ["level", "adopted_by", "date"]


class InstructionSerializer(ScopedModelSerializer):
    class Meta:
        model = Instruction
        fields = ["leader", "level", "date", "text"]


class ReportFollowUpSerializer(ScopedModelSerializer):
    class Meta:
        model = ReportFollowUp
        fields = ["date", "done_by", "action", "feedback"]


class CoAuthorInvitationSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CoAuthorInvitation
        fields = ["id", "member", "member_name", "status", "deadline", "responded_at"]


class OpinionReportSerializer(ScopedModelSerializer):
    invitations = CoAuthorInvitationSerializer(many=True, read_only=True)
    content_digest = serializers.CharField(
        read_only=True, help_text="Send it as ``seen`` when answering a co-author invitation."
    )
    adoptions = AdoptionSerializer(many=True, read_only=True)
    instructions = InstructionSerializer(many=True, read_only=True)
    follow_ups = ReportFollowUpSerializer(many=True, read_only=True)
    issue_label = serializers.CharField(source="issue", read_only=True, default=None, allow_null=True)

    class Meta:
        model = OpinionReport
        fields = [
            "id",
            "committee",
            "year",
            "author",
            "co_authors",
            "invitations",
            "content_digest",
            "group",
            "title",
            "content",
            "state",
            "decline_reason",
            "issue",
            "issue_label",
            "adoptions",
            "instructions",
            "source_lead",
            "source_message",
            "source_contact",
            "follow_ups",
            "created_at",
        ]
        read_only_fields = [
            "committee",
            "year",
            "author",
            "co_authors",
            "state",
            "decline_reason",
            "issue",
            "source_lead",
            "source_message",
            "source_contact",
        ]


# --- action inputs ---


class FromMessageInput(serializers.Serializer):
    message = IdField(help_text="The resident's message passed to the caller (groups: /api/v1/messages/).")


class FromContactInput(serializers.Serializer):
    contact = IdField(help_text="One of the caller's own contacts with the people (/api/v1/contacts/).")


class FromLeadInput(serializers.Serializer):
    lead = IdField(help_text="A lead of the caller's committee or group (groups: /api/v1/leads/).")
    member = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The serving member who writes it; empty: the caller (a convener or a member).",
    )


class FromHeardInput(serializers.Serializer):
    """Exactly one of ``lead``, ``message`` and ``contact``."""

    lead = IdField(required=False, allow_null=True, default=None, help_text="A lead (/api/v1/leads/).")
    message = IdField(
        required=False, allow_null=True, default=None, help_text="A resident's message passed to the caller."
    )
    contact = IdField(required=False, allow_null=True, default=None, help_text="One of the caller's own contacts.")
    member = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a lead: the serving member who writes it; empty: the caller.",
    )


class TransitionInput(serializers.Serializer):
    expected_state = serializers.ChoiceField(
        choices=Proposal.State.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The state the client last saw. If the proposal has moved on meanwhile (someone else acted), "
        "nothing is changed and the answer is 409.",
    )


class RejectInput(TransitionInput):
    ground = ScopedPrimaryKeyRelatedField(
        queryset=NotFilingGround.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A published ground for not filing (/api/v1/not-filing-grounds/): the committee's own list, else "
        "the national one.",
    )
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="The explanation told to the proposer with the ground (needed when the ground says so).",
    )
    outcome = serializers.ChoiceField(choices=Proposal.Outcome.choices, required=False, default="")

    def service_kwargs(self) -> dict:
        d = self.validated_data
        return {"ground_id": d["ground"].pk if d["ground"] else None, "reason": d["reason"], "outcome": d["outcome"]}


class BulkRejectInput(RejectInput):
    expected_state = None  # a batch names no state: each proposal's own is checked, all or none
    proposals = ScopedPrimaryKeyRelatedField(
        queryset=Proposal.objects.all(),
        many=True,
        allow_empty=False,
        help_text="Submitted proposals (or under review) of the caller's committees.",
    )


class BulkAssignInput(serializers.Serializer):
    proposals = ScopedPrimaryKeyRelatedField(
        queryset=Proposal.objects.all(), many=True, allow_empty=False, help_text="Filed proposals of one committee."
    )
    lead_unit = ScopedPrimaryKeyRelatedField(queryset=HandlingUnit.objects.all())
    co_units = ScopedPrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.all(), many=True, required=False, default=list
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="The proposals changed (all of those sent: a batch is all or none).",
    )


class NotFilingGroundSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotFilingGround
        fields = ["id", "committee", "text", "needs_explanation", "order"]
        read_only_fields = fields


class MergeInput(TransitionInput):
    into = ScopedPrimaryKeyRelatedField(queryset=Proposal.objects.all(), help_text="The filed proposal to merge into.")


class AssignInput(TransitionInput):
    lead_unit = ScopedPrimaryKeyRelatedField(queryset=HandlingUnit.objects.all())
    co_units = ScopedPrimaryKeyRelatedField(
        queryset=HandlingUnit.objects.all(), many=True, required=False, default=list
    )
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
    co_authors = ScopedPrimaryKeyRelatedField(
        queryset=Member.objects.all(), scope="colleagues_of", many=True, required=False, default=list
    )
    group = ScopedPrimaryKeyRelatedField(
        queryset=ActivityGroup.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A group the author convenes, to submit in its name.",
    )


class AnswerInput(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true: confirm; false: decline.")
    seen = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The content digest of the version read (``content_digest``), required "
        "to confirm; a confirmation of a text changed since is refused with 409.",
    )

    def validate(self, attrs):
        if attrs["accept"] and not attrs["seen"]:  # a confirmation names the version it confirms, as the page does
            raise serializers.ValidationError({"seen": [gettext("Send the content digest of the text you read.")]})
        return attrs


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AdoptionInput(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    date = serializers.DateField()
    adopted_by = serializers.CharField(allow_blank=True, required=False, default="")


class FollowUpInput(serializers.Serializer):
    date = serializers.DateField()
    done_by = serializers.CharField(allow_blank=True, max_length=100)
    action = serializers.CharField(allow_blank=True, max_length=2000)
    feedback = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class InstructionInput(serializers.Serializer):
    leader = serializers.CharField(allow_blank=True)
    level = serializers.ChoiceField(choices=Level.choices)
    date = serializers.DateField()
    text = serializers.CharField(allow_blank=True)


class DraftInput(serializers.Serializer):
    """A proposal draft, as on the drafting page: PUT sends the whole draft again."""

    kind = serializers.ChoiceField(choices=Proposal.Kind.choices, default=Proposal.Kind.MEMBER)
    group = ScopedPrimaryKeyRelatedField(
        queryset=ActivityGroup.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A group the proposer convenes, for a collective proposal in its name.",
    )
    title = serializers.CharField(max_length=200, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, allow_blank=True)
    during_plenary = serializers.BooleanField(default=True)
    analysis = serializers.CharField(allow_blank=True, required=False, default="")
    suggestions = serializers.CharField(allow_blank=True)
    cosigners = ScopedPrimaryKeyRelatedField(
        queryset=Member.objects.all(),
        scope="colleagues_of",
        many=True,
        required=False,
        default=list,
        help_text="Members invited to co-sign; they confirm before submission.",
    )
    is_public = serializers.BooleanField(default=True)
    attachment = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="Supporting material (multipart), up to 20 MB."
    )

    def service_data(self) -> dict:
        d = self.validated_data
        return {
            "title": d["title"],
            "analysis": d["analysis"],
            "suggestions": d["suggestions"],
            "category": d["category"],
            "kind": d["kind"],
            "during_plenary": d["during_plenary"],
            "is_public": d["is_public"],
            "group_id": d["group"].pk if d["group"] else None,
        }


class KeyInput(serializers.Serializer):
    is_key = serializers.BooleanField()
    leader = ScopedPrimaryKeyRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The supervising leader 督办领导 (a key proposal).",
    )


class NoteInput(serializers.Serializer):
    date = serializers.DateField()
    text = serializers.CharField(allow_blank=True)


class ImplementationInput(NoteInput):
    completes = serializers.BooleanField(default=False, help_text="Staff only: marks the proposal implemented.")


class ContactInput(serializers.Serializer):
    date = serializers.DateField()
    way = serializers.ChoiceField(choices=ContactRecord.Way.choices)
    with_whom = serializers.CharField(max_length=100, allow_blank=True)
    notes = serializers.CharField(allow_blank=True, required=False, default="")


class OpinionInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class BatchInput(serializers.Serializer):
    proposals = ScopedPrimaryKeyRelatedField(queryset=Proposal.objects.all(), many=True, allow_empty=False)


class BatchResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), read_only=True, help_text="The proposals changed.")
    refused = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="Proposal id: why it was left as it is."
    )


class ReportEditInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    content = serializers.CharField(allow_blank=True)


class CompileInput(serializers.Serializer):
    reports = ScopedPrimaryKeyRelatedField(
        queryset=OpinionReport.objects.all(),
        many=True,
        allow_empty=False,
        help_text="Accepted reports of one committee.",
    )
    published_on = serializers.DateField()


class ReportIssueSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = ReportIssue
        fields = ["id", "committee", "year", "number", "published_on", "label"]
        read_only_fields = fields

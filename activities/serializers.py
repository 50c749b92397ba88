from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from activities.models import (
    Activity,
    ActivitySuggestion,
    AnnualPlan,
    Attendance,
    Evidence,
    Lead,
    PlanItem,
    PublicMessage,
)
from core.api_fields import PrefetchedScopedPrimaryKeyRelatedField, ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from groups.models import (
    ActivityGroup,
    ContactTopic,
    Member,
)
from groups.serializers import OrganiserField


class AttendanceSerializer(ScopedModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    # read_only_fields drops allow_blank, so "" (not signed in) would fall outside the published enum
    sign_in_method = serializers.ChoiceField(choices=Attendance.Method.choices, allow_blank=True, read_only=True)
    leave = serializers.ChoiceField(choices=Attendance.Leave.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "member",
            "member_name",
            "status",
            "leave",
            "leave_reason",
            "signed_in_at",
            "sign_in_method",
            "signed_up_at",
        ]
        read_only_fields = fields


class ActivitySerializer(ScopedModelSerializer):
    """Read and write an activity; ``version`` must be sent back on update to detect conflicting edits."""

    serializer_related_field = PrefetchedScopedPrimaryKeyRelatedField  # open_groups: the list api_rows prefetched

    present_count = serializers.IntegerField(read_only=True)
    invited_count = serializers.IntegerField(read_only=True)
    evidence_count = serializers.IntegerField(read_only=True)
    organiser = OrganiserField(read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Activity
        fields = [
            "id",
            "committee",
            "group",
            "organiser",
            "kind",
            "target",
            "contact_point",
            "six_item",
            "plan_item",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "summary",
            "suggestions",
            "state",
            "version",
            "invited_count",
            "present_count",
            "evidence_count",
            "topic",
            "open_to",
            "open_groups",
            "capacity",
            "signup_deadline",
        ]
        read_only_fields = ["committee", "state", "organiser"]

    def validate(self, attrs):
        # The model's rules (dates, target, contact point of the same committee) are checked by the service.
        return attrs


class PlanItemSerializer(ScopedModelSerializer):
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "quarter",
            "month",
            "kind",
            "target",
            "six_item",
            "title",
            "contact_point",
            "responsible",
            "is_done",
        ]


class AnnualPlanSerializer(ScopedModelSerializer):
    items = PlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = AnnualPlan
        fields = ["id", "group", "year", "note", "items"]


class AttendanceCorrectSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())  # the service: staff, the committee's members
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    leave_reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "activity", "kind", "content_type", "size", "original_name", "caption", "uploaded_at"]
        read_only_fields = fields


class PlanItemWriteSerializer(ScopedModelSerializer):
    """A plan item to add (``plan`` names the plan) or change; the service checks months, points and people."""

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "plan",
            "quarter",
            "month",
            "kind",
            "target",
            "six_item",
            "title",
            "contact_point",
            "responsible",
        ]

    def validate(self, attrs):
        return attrs  # the model's rules are the service's (plan_item_save)


class OpenActivitySerializer(serializers.ModelSerializer):
    """An activity a member may sign up for: its places taken, and whether the member is on its list."""

    organiser = serializers.CharField(read_only=True)
    taken = serializers.IntegerField(read_only=True, help_text=_("members on the list, invited ones included"))
    is_mine = serializers.BooleanField(read_only=True, help_text=_("the caller is on the list"))
    signed_up = serializers.BooleanField(read_only=True, help_text=_("the caller signed up (and may withdraw)"))
    signup_closes_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "committee",
            "group",
            "organiser",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "contact_point",
            "topic",
            "open_to",
            "capacity",
            "signup_closes_at",
            "taken",
            "is_mine",
            "signed_up",
        ]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    """A lead 线索 and the ids of what it pools (no resident's name or phone: those stay on the messages) and of
    what it became (proposals, reports, consultation topics)."""

    proposals = serializers.SerializerMethodField()
    opinion_reports = serializers.SerializerMethodField()
    consultation_topics = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "committee",
            "group",
            "title",
            "category",
            "state",
            "close_reason",
            "messages",
            "contacts",
            "suggestions",
            "proposals",
            "opinion_reports",
            "consultation_topics",
            "created_at",
        ]
        read_only_fields = fields

    def get_proposals(self, obj) -> list[int]:
        """The proposal drafts made from this lead."""
        return [p.pk for p in obj.proposals.all()]

    def get_opinion_reports(self, obj) -> list[int]:
        """The public-opinion reports made from this lead."""
        return [r.pk for r in obj.opinion_reports.all()]

    def get_consultation_topics(self, obj) -> list[int]:
        """The consultation topics made from this lead."""
        return [t.pk for t in obj.consultation_topics.all()]


class ActivitySuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivitySuggestion
        fields = ["id", "activity", "category", "text", "created_at"]
        read_only_fields = fields


class ActivitySuggestionCreateSerializer(serializers.Serializer):
    activity = ScopedPrimaryKeyRelatedField(queryset=Activity.objects.all())
    text = serializers.CharField(max_length=2000)
    category = serializers.ChoiceField(choices=ContactTopic.choices, required=False, default=ContactTopic.OTHER)


class PublicMessageSerializer(serializers.ModelSerializer):
    """A resident's message 群众留言; ``name`` and ``phone`` are blank unless the reader may see them (the committee's
    staff, the member it was passed to, the conveners of the group it was passed to)."""

    tracking_code = serializers.CharField(source="tracking_display", read_only=True)
    proposals = serializers.SerializerMethodField()

    class Meta:
        model = PublicMessage
        fields = [
            "id",
            "committee",
            "target",
            "group",
            "platform",
            "contact_point",
            "kind",
            "category",
            "text",
            "name",
            "phone",
            "tracking_code",
            "state",
            "answer_due",
            "routed_member",
            "routed_group",
            "routed_at",
            "answer",
            "answered_at",
            "contact",
            "discard_reason",
            "created_at",
            "proposals",
        ]
        read_only_fields = fields

    def get_proposals(self, obj) -> list[int]:
        """The proposals drafted from this message (their ids)."""
        return [p.pk for p in obj.proposals.all()]

    def to_representation(self, instance):
        from groups.access import scope_of

        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not instance.may_see_personal(scope_of(request.user)):
            data["name"] = data["phone"] = ""
        return data


class MessageRouteSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all(), required=False, allow_null=True)


class MessageDiscardSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class MessageAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class MessageVisitSerializer(serializers.Serializer):
    contacted_on = serializers.DateField()
    whom = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    answer = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

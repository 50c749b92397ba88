"""/api/v1/ doors of duty platforms 履职平台 and their members: the same services as the pages
(``groups.services.platforms``), which decide who may act; what is listed is what ``visible_to`` allows."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activities.selectors.platforms import HAVES, platform_page
from core.api import exposes
from core.api_fields import ScopedPrimaryKeyRelatedField
from core.parsers import MultiPartParser
from groups import filters
from groups.models import Member, Platform
from groups.models.platforms import PlatformDocument, PlatformEvaluation, PlatformMembership, PlatformPlan
from groups.services import platforms as svc


class PlatformMembershipSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = PlatformMembership
        fields = ["id", "platform", "member", "member_name", "role", "joined_on", "left_on", "left_reason"]
        read_only_fields = fields


class PlatformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Platform
        fields = [
            "id",
            "committee",
            "name",
            "kind",
            "level",
            "brand",
            "street",
            "address",
            "host_group",
            "state",
            "established_on",
            "approval_document",
            "wound_up_on",
            "wound_up_reason",
            "is_active",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformPlan
        fields = ["id", "platform", "year", "planned_activities", "content", "updated_at"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformEvaluation
        fields = ["id", "platform", "year", "grade", "score", "comments", "evaluated_at"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformDocument
        fields = ["id", "platform", "kind", "original_name", "caption", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class HaveSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=HAVES)
    label = serializers.CharField()
    met = serializers.BooleanField()
    backed_by = serializers.CharField()
    evidence = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    missing = serializers.CharField()
    declared = serializers.BooleanField()


class EstablishBody(serializers.Serializer):
    established_on = serializers.DateField()
    approval_document = serializers.CharField(max_length=200)
    expected_state = serializers.ChoiceField(choices=Platform.State.choices, required=False, default=None)


class WindUpBody(serializers.Serializer):
    wound_up_on = serializers.DateField()
    reason = serializers.CharField(max_length=1000)
    expected_state = serializers.ChoiceField(choices=Platform.State.choices, required=False, default=None)


class EvaluateBody(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    grade = serializers.ChoiceField(choices=PlatformEvaluation.Grade.choices)
    score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True, default=None)
    comments = serializers.CharField(max_length=3000)


class MemberBody(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    role = serializers.ChoiceField(choices=PlatformMembership.Role.choices)
    joined_on = serializers.DateField()


class LeaveBody(serializers.Serializer):
    left_on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PlanBody(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    planned_activities = serializers.IntegerField(min_value=0, max_value=365, default=0)
    content = serializers.CharField(max_length=3000)


class DocumentBody(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlatformDocument.Kind.choices)
    file = serializers.FileField()
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SixHavesQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, help_text="default: this year")


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """Duty platforms the user may see; staff establish, wind up, evaluate and name members; the initiator (or
    staff) keeps the plan and the evidence."""

    serializer_class = PlatformSerializer
    filterset_class = filters.PlatformFilter
    search_fields = ["name", "brand", "street"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return Platform.objects.visible_to(self.request.user).order_by("committee_id", "level", "name", "pk")

    @extend_schema(request=EstablishBody, responses={200: PlatformSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.platform_establish)
    def establish(self, request, pk=None):
        platform = self.get_object()
        body = EstablishBody(data=request.data)
        body.is_valid(raise_exception=True)
        platform = svc.platform_establish(actor=request.user, platform_id=platform.pk, **body.validated_data)
        return Response(PlatformSerializer(platform).data)

    @extend_schema(request=WindUpBody, responses={200: PlatformSerializer})
    @action(detail=True, methods=["post"], url_path="wind-up", url_name="wind-up")
    @exposes(svc.platform_wind_up)
    def wind_up(self, request, pk=None):
        platform = self.get_object()
        body = WindUpBody(data=request.data)
        body.is_valid(raise_exception=True)
        platform = svc.platform_wind_up(actor=request.user, platform_id=platform.pk, **body.validated_data)
        return Response(PlatformSerializer(platform).data)

    @extend_schema(request=EvaluateBody, responses={200: EvaluationSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.platform_evaluate)
    def evaluate(self, request, pk=None):
        platform = self.get_object()
        body = EvaluateBody(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = svc.platform_evaluate(actor=request.user, platform_id=platform.pk, **body.validated_data)
        return Response(EvaluationSerializer(evaluation).data)

    @extend_schema(request=MemberBody, responses={201: PlatformMembershipSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.platform_member_add)
    def members(self, request, pk=None):
        platform = self.get_object()
        body = MemberBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        membership = svc.platform_member_add(
            actor=request.user,
            platform_id=platform.pk,
            member_id=d["member"].pk,
            role=d["role"],
            joined_on=d["joined_on"],
        )
        return Response(PlatformMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanBody, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.platform_plan_save)
    def plan(self, request, pk=None):
        platform = self.get_object()
        body = PlanBody(data=request.data)
        body.is_valid(raise_exception=True)
        plan = svc.platform_plan_save(actor=request.user, platform_id=platform.pk, **body.validated_data)
        return Response(PlanSerializer(plan).data)

    @extend_schema(request={"multipart/form-data": DocumentBody}, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    @exposes(svc.platform_document_upload)
    def documents(self, request, pk=None):
        """Keep a photo of the venue or the sign, the rules or a record (multipart ``kind``, ``file``, ``caption``)."""
        platform = self.get_object()
        body = DocumentBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        document = svc.platform_document_upload(
            actor=request.user, platform_id=platform.pk, kind=d["kind"], upload=d["file"], caption=d["caption"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[SixHavesQuery], responses={200: HaveSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="six-haves", url_name="six-haves")
    def six_haves(self, request, pk=None):
        """The six haves 六有 of a year (``?year=``, this year by default), each with what backs it or what is missing."""
        platform = self.get_object()
        query = SixHavesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = platform_page(platform, query.validated_data.get("year") or timezone.localdate().year)
        return Response(HaveSerializer([h.__dict__ for h in page.haves], many=True).data)


class PlatformMembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """Members' places in the platforms the user may see; a member leaves (or staff remove them)."""

    serializer_class = PlatformMembershipSerializer
    filterset_fields = ["platform", "member", "role"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            PlatformMembership.objects.visible_to(self.request.user)
            .select_related("member")
            .order_by("platform_id", "role", "pk")
        )

    @extend_schema(request=LeaveBody, responses={200: PlatformMembershipSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.platform_member_leave)
    def leave(self, request, pk=None):
        membership = self.get_object()
        body = LeaveBody(data=request.data)
        body.is_valid(raise_exception=True)
        membership = svc.platform_member_leave(actor=request.user, membership_id=membership.pk, **body.validated_data)
        return Response(PlatformMembershipSerializer(membership).data)

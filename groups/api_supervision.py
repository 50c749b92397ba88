"""/api/v1/ doors of supervision groups, their visits, inspections and work reports: the same services as the
pages (``groups.services.supervision``), which decide who may act."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import exposes
from core.api_fields import ScopedPrimaryKeyRelatedField
from groups.models import (
    ActivityGroup,
    Committee,
    HandlingUnit,
    Inspection,
    Member,
    Platform,
    SupervisionGroup,
    SupervisionVisit,
    WorkReport,
)
from groups.services import supervision as svc


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionVisit
        fields = [
            "id",
            "group",
            "visited_on",
            "participants",
            "findings",
            "suggestions",
            "unit_response",
            "responded_at",
            "created_at",
        ]
        read_only_fields = fields


class SupervisionGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionGroup
        fields = ["id", "committee", "name", "unit", "focus", "starts_on", "ends_on", "leader", "members"]
        read_only_fields = fields


class SupervisionGroupBody(serializers.Serializer):
    committee = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all(), scope="administered_by")
    name = serializers.CharField(max_length=100)
    unit = ScopedPrimaryKeyRelatedField(queryset=HandlingUnit.objects.all())
    focus = serializers.CharField(max_length=1000)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    leader = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), required=False, allow_null=True, default=None)
    members = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), many=True)

    def service_fields(self) -> dict:
        d = self.validated_data
        return {
            "committee_id": d["committee"].pk,
            "name": d["name"],
            "unit_id": d["unit"].pk,
            "focus": d["focus"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "leader_id": d["leader"].pk if d["leader"] else None,
            "member_ids": [m.pk for m in d["members"]],
        }


class VisitBody(serializers.Serializer):
    visited_on = serializers.DateField()
    findings = serializers.CharField(max_length=3000)
    suggestions = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")
    participants = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all(), many=True, required=False, default=list)


class AnswerBody(serializers.Serializer):
    response = serializers.CharField(max_length=3000)


class SupervisionGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """Democratic supervision groups 民主监督小组 the user may see; staff set them up."""

    serializer_class = SupervisionGroupSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            SupervisionGroup.objects.visible_to(self.request.user)
            .select_related("unit")
            .prefetch_related("members")
            .order_by("-starts_on", "name")
        )

    @extend_schema(request=SupervisionGroupBody, responses={201: SupervisionGroupSerializer})
    @exposes(svc.supervision_group_save)
    def create(self, request):
        body = SupervisionGroupBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        group = svc.supervision_group_save(actor=request.user, **body.service_fields())
        return Response(SupervisionGroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SupervisionGroupBody, responses={200: SupervisionGroupSerializer})
    @exposes(svc.supervision_group_save)
    def update(self, request, pk=None):
        group = self.get_object()
        body = SupervisionGroupBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        group = svc.supervision_group_save(actor=request.user, group_id=group.pk, **body.service_fields())
        return Response(SupervisionGroupSerializer(group).data)

    @extend_schema(request=VisitBody, responses={201: VisitSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.supervision_visit_record)
    def visits(self, request, pk=None):
        group = self.get_object()
        body = VisitBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        visit = svc.supervision_visit_record(
            actor=request.user,
            group_id=group.pk,
            visited_on=d["visited_on"],
            findings=d["findings"],
            suggestions=d["suggestions"],
            participant_ids=[m.pk for m in d["participants"]],
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class SupervisionVisitViewSet(viewsets.ReadOnlyModelViewSet):
    """The visits of the supervision groups the user may see; the stationed unit answers each."""

    serializer_class = VisitSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            SupervisionVisit.objects.filter(group__in=SupervisionGroup.objects.visible_to(self.request.user))
            .prefetch_related("participants")
            .order_by("-visited_on", "-id")
        )

    @extend_schema(request=AnswerBody, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.supervision_visit_answer)
    def answer(self, request, pk=None):
        visit = self.get_object()
        body = AnswerBody(data=request.data)
        body.is_valid(raise_exception=True)
        visit = svc.supervision_visit_answer(
            actor=request.user, visit_id=visit.pk, response=body.validated_data["response"]
        )
        return Response(VisitSerializer(visit).data)


class InspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = [
            "id",
            "committee",
            "group",
            "platform",
            "inspected_on",
            "inspectors",
            "findings",
            "required_actions",
            "follow_up_due",
            "follow_up",
            "followed_up_on",
            "state",
            "created_at",
        ]
        read_only_fields = fields


class InspectionBody(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(
        queryset=ActivityGroup.objects.all(), required=False, allow_null=True, default=None
    )
    platform = ScopedPrimaryKeyRelatedField(
        queryset=Platform.objects.all(), required=False, allow_null=True, default=None
    )
    inspected_on = serializers.DateField()
    inspectors = serializers.CharField(max_length=200)
    findings = serializers.CharField(max_length=3000)
    required_actions = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    follow_up_due = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if (attrs["group"] is None) == (attrs["platform"] is None):
            raise serializers.ValidationError({"group": [_("Choose the group or the platform inspected.")]})
        return attrs


class AccountBody(serializers.Serializer):
    follow_up = serializers.CharField(max_length=3000)


class InspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Inspections 督导检查 the user may see; staff and leaders record them, the group accounts for each."""

    serializer_class = InspectionSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return Inspection.objects.visible_to(self.request.user).order_by("-inspected_on", "-id")

    @extend_schema(request=InspectionBody, responses={201: InspectionSerializer})
    @exposes(svc.inspection_record)
    def create(self, request, *args, **kwargs):
        body = InspectionBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        group, platform = d.pop("group"), d.pop("platform")
        target = group or platform
        item = svc.inspection_record(
            actor=request.user,
            committee_id=target.committee_id,
            group_id=group.pk if group else None,
            platform_id=platform.pk if platform else None,
            **d,
        )
        return Response(InspectionSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AccountBody, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.inspection_account)
    def account(self, request, pk=None):
        item = self.get_object()
        body = AccountBody(data=request.data)
        body.is_valid(raise_exception=True)
        item = svc.inspection_account(
            actor=request.user, inspection_id=item.pk, follow_up=body.validated_data["follow_up"]
        )
        return Response(InspectionSerializer(item).data)


class WorkReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkReport
        fields = ["id", "group", "year", "half", "summary", "plans", "submitted_at", "comment", "commented_at"]
        read_only_fields = fields


class WorkReportBody(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=ActivityGroup.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    half = serializers.ChoiceField(choices=WorkReport.Half.choices)
    summary = serializers.CharField(max_length=5000)
    plans = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")


class CommentBody(serializers.Serializer):
    comment = serializers.CharField(max_length=3000)


class WorkReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Groups' work reports 工作汇报 the user may see; conveners report, the liaison leader answers."""

    serializer_class = WorkReportSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return WorkReport.objects.visible_to(self.request.user).order_by("-year", "-half", "-id")

    @extend_schema(request=WorkReportBody, responses={201: WorkReportSerializer})
    @exposes(svc.work_report_submit)
    def create(self, request, *args, **kwargs):
        body = WorkReportBody(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        report = svc.work_report_submit(actor=request.user, group_id=d.pop("group").pk, **d)
        return Response(WorkReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentBody, responses={200: WorkReportSerializer})
    @action(detail=True, methods=["post"])
    @exposes(svc.work_report_answer)
    def answer(self, request, pk=None):
        report = self.get_object()
        body = CommentBody(data=request.data)
        body.is_valid(raise_exception=True)
        report = svc.work_report_answer(actor=request.user, report_id=report.pk, comment=body.validated_data["comment"])
        return Response(WorkReportSerializer(report).data)

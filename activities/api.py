"""The API of the activity ledger: activities and their attendance, leave, sign-in and evidence, annual plans and
coverage, contacts, residents' messages, leads and activity suggestions (moved from groups; URL names unchanged).
Every write calls one service (``core.api.exposes`` names it), which checks the actor; the one exception handler (``core.api_errors``) maps its refusals."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import serializers
from activities.filters import ActivityFilter
from activities.models import Activity, ActivitySuggestion, AnnualPlan, Attendance, Evidence, Lead, PlanItem
from activities.selectors import activities as activity_selectors
from activities.selectors import signup as signup_selectors
from activities.services import activities as activity_services
from activities.services import contacts as contact_services
from activities.services import leads as lead_services
from activities.services import mailbox as mailbox_services
from activities.services import signup as signup_services
from core.api import exposes
from core.api_values import ValuesListMixin
from core.links import absolute_url
from core.parsers import MultiPartParser
from core.parsing import as_bool, as_id, as_int
from groups import serializers as groups_serializers
from groups.access import scope_of
from groups.models import (
    ActivityGroup,
    Committee,
    ConstituentContact,
    ContactPoint,
    Member,
)


class ActivityViewSet(
    ValuesListMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Activities the user may see; conveners and staff write them; transitions and the member's part are actions."""

    lookup_value_regex = "[0-9]+"  # a non-numeric id is a 404, never a 500

    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at", "id"]

    def get_queryset(self):
        return activity_selectors.api_rows(Activity.objects.visible_to(self.request.user)).order_by("-starts_at", "-id")

    def _fresh(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        row = activity_selectors.api_rows(Activity.objects.all()).get(pk=pk)
        return Response(self.get_serializer(row).data, status=status_code)

    @exposes(activity_services.activity_create)
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = activity_services.activity_create(actor=self.request.user, **data)

    @exposes(activity_services.activity_update)
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("group", None)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [_("Send the version you loaded, to detect conflicting edits.")]})
        activity_services.activity_update(
            activity_id=serializer.instance.pk, actor=self.request.user, version=version, **data
        )

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return self._fresh(kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._fresh(serializer.instance.pk, status.HTTP_201_CREATED)

    @exposes(activity_services.activity_delete)
    def perform_destroy(self, instance):
        activity_services.activity_delete(activity_id=instance.pk, actor=self.request.user)

    def _transition(self, func, **kwargs):
        activity = self.get_object()
        func(activity_id=activity.pk, actor=self.request.user, **kwargs)
        return self._fresh(activity.pk)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(activity_services.activity_announce)
    def announce(self, request, pk=None):
        return self._transition(activity_services.activity_announce)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(activity_services.activity_hold)
    def hold(self, request, pk=None):
        return self._transition(activity_services.activity_hold)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="file", url_name="file")
    @exposes(activity_services.activity_file)
    def file_in_ledger(self, request, pk=None):
        return self._transition(activity_services.activity_file)

    @extend_schema(request=groups_serializers.CancelSerializer)
    @action(detail=True, methods=["post"])
    @exposes(activity_services.activity_cancel)
    def cancel(self, request, pk=None):
        body = groups_serializers.CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(activity_services.activity_cancel, reason=body.validated_data["reason"])

    def _attendance_rows(self, activity):
        rows = activity.attendances.select_related("member").order_by("member__name")
        if not activity_services.may_edit(activity, self.request.user):
            rows = rows.filter(member_id=scope_of(self.request.user).member_id)
        return Response(serializers.AttendanceSerializer(rows, many=True).data)

    @extend_schema(
        request=groups_serializers.AttendanceRecordSerializer, responses=serializers.AttendanceSerializer(many=True)
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a plain list, never paged
    @exposes(activity_services.attendance_record)
    def attendance(self, request, pk=None):
        """GET the invited members' attendance (a member: their own row); POST records it for many members at once
        (conveners and staff)."""
        activity = self.get_object()
        if request.method == "POST":
            body = groups_serializers.AttendanceRecordSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            statuses, reasons = body.statuses()
            activity_services.attendance_record(
                activity_id=activity.pk,
                actor=request.user,
                version=body.validated_data.get("version"),
                statuses=statuses,
                reasons=reasons,
            )
        return self._attendance_rows(activity)

    @extend_schema(request=serializers.AttendanceCorrectSerializer, responses=serializers.AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="attendance/correct", url_name="attendance-correct")
    @exposes(activity_services.attendance_correct)
    def attendance_correct(self, request, pk=None):
        """Staff record or correct one member's attendance (a member of the organising committee)."""
        activity = self.get_object()
        body = serializers.AttendanceCorrectSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        row = activity_services.attendance_correct(
            activity_id=activity.pk,
            member_id=body.validated_data["member"].pk,
            actor=request.user,
            status=body.validated_data["status"],
            leave_reason=body.validated_data["leave_reason"],
        )
        return Response(serializers.AttendanceSerializer(row).data)

    @extend_schema(request=groups_serializers.InviteSerializer, responses=groups_serializers.InvitedSerializer)
    @action(detail=True, methods=["post"])
    @exposes(activity_services.activity_invite)
    def invite(self, request, pk=None):
        """Invite more members of the organising committee (before the activity is held)."""
        activity = self.get_object()
        body = groups_serializers.InviteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        added = activity_services.activity_invite(
            activity_id=activity.pk, actor=request.user, member_ids=[m.pk for m in body.validated_data["members"]]
        )
        return Response({"invited": added})

    @extend_schema(request=groups_serializers.LeaveRequestSerializer, responses=serializers.AttendanceSerializer)
    @action(detail=True, methods=["post"])
    @exposes(activity_services.attendance_request_leave)
    def leave(self, request, pk=None):
        """An invited member asks for leave before the activity starts."""
        activity = self.get_object()
        body = groups_serializers.LeaveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = activity_services.attendance_request_leave(
            activity_id=activity.pk, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(serializers.AttendanceSerializer(row).data)

    @extend_schema(request=groups_serializers.SignInSerializer, responses=serializers.AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="sign-in", url_name="sign-in")
    @exposes(activity_services.attendance_sign_in)
    def sign_in(self, request, pk=None):
        """An invited member signs in on site with the code on the convener's screen (``sign-in-code``)."""
        activity = self.get_object()
        body = groups_serializers.SignInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = body.validated_data["code"].rstrip("/").rsplit("/", 1)[-1]  # the code, or the link the QR code holds
        row = activity_services.attendance_sign_in(activity_id=activity.pk, code=code, actor=request.user)
        return Response(serializers.AttendanceSerializer(row).data)

    @extend_schema(responses=groups_serializers.SignInCodeSerializer)
    @action(detail=True, methods=["get"], url_path="sign-in-code", url_name="sign-in-code")
    @exposes(activity_services.sign_in_code)
    def sign_in_code(self, request, pk=None):
        """The convener's screen: the code members scan now (a new one every 30 seconds) while sign-in is open."""
        activity = self.get_object()
        if not activity_services.may_edit(activity, request.user):
            raise PermissionDenied(_("Only the group's conveners and the committee's staff show the sign-in code."))
        now = timezone.now()
        opens, closes = activity_services.sign_in_window(activity)
        is_open = activity.state in (Activity.State.ANNOUNCED, Activity.State.HELD) and opens <= now <= closes
        code = activity_services.sign_in_code(activity.pk, now=now) if is_open else ""
        counts = activity_selectors.attendance_counts(activity)
        response = Response(
            groups_serializers.SignInCodeSerializer(
                {
                    "is_open": is_open,
                    "code": code,
                    "url": absolute_url(reverse("activities:sign_in", args=[activity.pk, code])) if code else "",
                    "refresh_seconds": (
                        activity_services.seconds_to_next_code(now)
                        if is_open
                        else activity_services.SIGN_IN_CODE_SECONDS
                    ),
                    "opens": opens,
                    "closes": closes,
                    **counts,
                }
            ).data
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request={"multipart/form-data": groups_serializers.EvidenceUploadSerializer},
        responses={201: serializers.EvidenceSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    @exposes(activity_services.evidence_upload)
    def evidence(self, request, pk=None):
        """Attach a photo or a PDF (multipart ``file``, ``caption``): checked by the one upload validator."""
        activity = self.get_object()
        body = groups_serializers.EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evidence = activity_services.evidence_upload(
            activity_id=activity.pk,
            actor=request.user,
            upload=body.validated_data["file"],
            caption=body.validated_data["caption"],
        )
        return Response(serializers.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)", url_name="evidence-delete")
    @exposes(activity_services.evidence_delete)
    def evidence_delete(self, request, pk=None, evidence_pk=None):
        """Remove a wrong photo or document before the activity is filed (refused after filing)."""
        activity = self.get_object()
        evidence = Evidence.objects.filter(activity_id=activity.pk, pk=as_id(evidence_pk)).first()
        if evidence is None:
            raise NotFound
        activity_services.evidence_delete(evidence_id=evidence.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: serializers.AttendanceSerializer})
    @action(detail=True, methods=["post"], url_path="sign-up", url_name="sign-up")
    @exposes(signup_services.activity_sign_up)
    def sign_up(self, request, pk=None):
        """The caller (a member) signs up for an activity open to them, before its deadline, while places are left."""
        activity = self.get_object()
        row = signup_services.activity_sign_up(activity_id=activity.pk, actor=request.user)
        return Response(serializers.AttendanceSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path="sign-up-withdraw", url_name="sign-up-withdraw")
    @exposes(signup_services.activity_signup_withdraw)
    def sign_up_withdraw(self, request, pk=None):
        """The caller takes back their own sign-up before the sign-up deadline."""
        activity = self.get_object()
        signup_services.activity_signup_withdraw(activity_id=activity.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=groups_serializers.SuggestionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def suggestions(self, request, pk=None):
        """Members whose expertise fits the activity's topic or its contact point's needs, best first, with the
        reason (its conveners and the committee's staff)."""
        activity = self.get_object()
        if not activity_services.may_edit(activity, request.user):
            raise PermissionDenied(_("Only the group's conveners and the committee's staff see suggestions."))
        return Response(
            groups_serializers.SuggestionSerializer(signup_selectors.suggested_members(activity), many=True).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, required=False),
            OpenApiParameter("q", str, required=False),
            OpenApiParameter("free", OpenApiTypes.BOOL, required=False),
        ],
        responses=serializers.OpenActivitySerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="open", url_name="open", filterset_class=None)
    def open(self, request):
        """Activities the caller (a member) may still sign up for, soonest first (``kind``, ``q``, ``free``)."""
        member_id = scope_of(request.user).member_id
        if member_id is None:
            raise PermissionDenied(_("Only members in office may sign up for activities."))
        query = request.query_params
        rows = signup_selectors.open_activities(
            Member.objects.get(pk=member_id),
            kind=query.get("kind", ""),
            q=query.get("q", "").strip()[:100],
            only_free=as_bool(query.get("free")),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializers.OpenActivitySerializer(page, many=True).data)

    @extend_schema(request=None, responses=serializers.AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="leave-withdraw", url_name="leave-withdraw")
    @exposes(activity_services.attendance_withdraw_leave)
    def leave_withdraw(self, request, pk=None):
        """The member takes back their own leave request while it is undecided."""
        activity = self.get_object()
        row = activity_services.attendance_withdraw_leave(activity_id=activity.pk, actor=request.user)
        return Response(serializers.AttendanceSerializer(row).data)


class AttendanceViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """One attendance row: the activity's conveners and staff see every row, a member their own. Conveners decide
    leave requests; staff take a member invited by mistake off the activity."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.AttendanceSerializer

    def get_queryset(self):
        user = self.request.user
        own = Q(member_id=scope_of(user).member_id) if scope_of(user).member_id else Q(pk__in=[])
        return (
            Attendance.objects.filter(Q(activity__in=Activity.objects.editable_by(user)) | own)
            .select_related("member")
            .order_by("pk")
        )

    @exposes(activity_services.attendance_remove)
    def perform_destroy(self, instance):
        activity_services.attendance_remove(attendance_id=instance.pk, actor=self.request.user)

    @extend_schema(request=groups_serializers.LeaveDecisionSerializer, responses=serializers.AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="leave-decision", url_name="leave-decision")
    @exposes(activity_services.attendance_decide_leave)
    def leave_decision(self, request, pk=None):
        """Approve (the member is excused) or refuse a member's leave request; never one's own."""
        row = self.get_object()
        body = groups_serializers.LeaveDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = activity_services.attendance_decide_leave(
            attendance_id=row.pk, actor=request.user, approve=body.validated_data["approve"]
        )
        return Response(serializers.AttendanceSerializer(row).data)


class AnnualPlanViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Groups' annual plans with their items; a group's conveners and the staff start a plan."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.AnnualPlanSerializer
    filterset_fields = ["group", "year"]

    def get_queryset(self):
        done = Activity.objects.filter(plan_item_id=OuterRef("pk"), state__in=activity_selectors.COUNTED)
        items = PlanItem.objects.annotate(is_done=Exists(done)).prefetch_related("responsible").order_by("month", "pk")
        return (
            AnnualPlan.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("group_id", "-year")
        )

    @extend_schema(
        request=groups_serializers.AnnualPlanCreateSerializer, responses={201: serializers.AnnualPlanSerializer}
    )
    @exposes(activity_services.plan_create)
    def create(self, request, *args, **kwargs):
        body = groups_serializers.AnnualPlanCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        plan = activity_services.plan_create(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED)


class PlanItemViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A plan's items, one at a time (``plan`` names the plan); the plan editor's writes."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.PlanItemWriteSerializer

    def get_queryset(self):
        return PlanItem.objects.visible_to(self.request.user).select_related("plan__group").order_by("pk")

    @exposes(activity_services.plan_item_save)
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        serializer.instance = activity_services.plan_item_save(
            plan=plan, actor=self.request.user, responsible=data.pop("responsible", []), **data
        )

    @exposes(activity_services.plan_item_save)
    def perform_update(self, serializer):
        item = serializer.instance
        data = dict(serializer.validated_data)
        plan = data.pop("plan", item.plan)
        responsible = data.pop("responsible", None)
        serializer.instance = activity_services.plan_item_save(
            plan=plan,
            actor=self.request.user,
            item=item,
            responsible=list(item.responsible.all()) if responsible is None else responsible,
            **data,
        )

    @exposes(activity_services.plan_item_delete)
    def perform_destroy(self, instance):
        activity_services.plan_item_delete(item_id=instance.pk, actor=self.request.user)


class CoverageView(APIView):
    """Coverage 全覆盖 of a group (``?group=``) or of the committees the user reads, for a year or quarter."""

    @extend_schema(
        parameters=[OpenApiParameter(name, int, required=False) for name in ("year", "quarter", "group", "committee")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = request.query_params
        year = as_int(query.get("year")) if query.get("year") else timezone.localdate().year
        quarter = (as_int(query.get("quarter"), -1) if query.get("quarter") else 0) or None
        group_id = as_id(query.get("group")) if query.get("group") else None
        if (query.get("year") and year is None) or (query.get("group") and group_id is None):
            raise ValidationError({"detail": [_("Year, quarter and group must be numbers.")]})
        if not 1900 <= year <= 2999:
            raise ValidationError({"year": [_("Enter a year between 1900 and 2999.")]})
        if quarter not in (None, 1, 2, 3, 4):
            raise ValidationError({"quarter": [_("The quarter is 1, 2, 3 or 4.")]})
        period = activity_selectors.Period(year, quarter)
        if group_id is not None:
            return Response(self._group(request, group_id, period))
        scope = scope_of(request.user)
        if not (scope.is_superuser or scope.staff_committee_ids or scope.leader_committee_ids):
            raise PermissionDenied()
        committees, groups = Committee.objects.visible_to(request.user), ActivityGroup.objects.visible_to(request.user)
        committee_id = as_id(request.query_params.get("committee"))
        if committee_id:
            committees, groups = committees.filter(pk=committee_id), groups.filter(committee_id=committee_id)
        points = ContactPoint.objects.filter(committee__in=committees.values("pk"))
        committees = activity_selectors.committees_coverage(committees, period)
        groups = activity_selectors.groups_coverage(groups, period)
        visits = activity_selectors.contact_point_visits(points, Activity.objects.all(), period)
        return Response(
            {
                "year": year,
                "quarter": quarter,
                "committees": [
                    {"id": c.pk, "name": c.name, "members": c.member_count, "covered": c.covered_count}
                    for c in committees
                ],
                "groups": [
                    {
                        "id": g.pk,
                        "name": g.name,
                        "committee": g.committee_id,
                        "members": g.member_count,
                        "covered": g.covered_count,
                        "held": g.held_count,
                        "three_enters_held": g.three_enters_held,
                        "six_done": g.six_done,
                    }
                    for g in groups
                ],
                "contact_points": [
                    {
                        "id": p.pk,
                        "name": p.name,
                        "kind": p.kind,
                        "committee": p.committee_id,
                        "visits": p.visits,
                        "last_visit": p.last_visit,
                    }
                    for p in visits
                ],
            }
        )

    def _group(self, request, group_id, period):
        group = ActivityGroup.objects.filter(pk=group_id).first()
        if group is None:
            raise NotFound()
        scope = scope_of(request.user)
        if not (
            ActivityGroup.objects.editable_by(request.user).filter(pk=group_id).exists()
            or scope.can_read_committee(group.committee_id)
        ):
            raise PermissionDenied()
        cov = activity_selectors.group_coverage(group, period)
        return {
            "group": group.pk,
            "year": period.year,
            "quarter": period.quarter,
            "members": [
                {"id": m.pk, "name": m.name, "three_enters": m.three_enters, "last_three_enters": m.last_three_enters}
                for m in cov.members
            ],
            "covered": cov.covered,
            "not_covered": [m.pk for m in cov.not_covered],
            "contact_points": [
                {"id": p.pk, "name": p.name, "kind": p.kind, "visits": p.visits, "last_visit": p.last_visit}
                for p in cov.contact_points
            ],
            "six_items": [{"item": s["item"], "count": s["count"], "done": s["done"]} for s in cov.six_items],
        }


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only the caller's own contacts.")]
    )
)
class ContactViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The contact log 联系群众记录: what the user may see (``mine=true``: their own); a member records their own
    contacts, a convener their groups' members', staff their committees' (``contact_record`` decides)."""

    lookup_value_regex = "[0-9]+"
    serializer_class = groups_serializers.ContactSerializer
    ordering_fields = ["contacted_on", "id"]

    def get_queryset(self):
        rows = ConstituentContact.objects.visible_to(self.request.user).select_related("member")
        if self.action == "list" and as_bool(self.request.query_params.get("mine")):
            rows = rows.filter(member_id=scope_of(self.request.user).member_id)
        return rows.order_by("-contacted_on", "-id")

    @extend_schema(
        request=groups_serializers.ContactRecordSerializer,
        responses={201: groups_serializers.ContactSerializer},
        parameters=[],
    )
    @exposes(contact_services.contact_record)
    def create(self, request, *args, **kwargs):
        body = groups_serializers.ContactRecordSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        member = data.pop("member", None)
        member_id = member.pk if member is not None else scope_of(request.user).member_id
        if member_id is None:
            raise ValidationError({"member": [_("Name the member the contact was made by.")]})
        contact = contact_services.contact_record(actor=request.user, member_id=member_id, **data)
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=groups_serializers.ContactUpdateSerializer, responses=groups_serializers.ContactSerializer)
    @exposes(contact_services.contact_update)
    def partial_update(self, request, *args, **kwargs):
        """The author corrects their contact within the committee's window (before its quarter is locked)."""
        contact = self.get_object()
        body = groups_serializers.ContactUpdateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        contact = contact_services.contact_update(contact_id=contact.pk, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(contact).data)

    @extend_schema(request=groups_serializers.ContactUpdateSerializer, responses=groups_serializers.ContactSerializer)
    @exposes(contact_services.contact_update)
    def update(self, request, *args, **kwargs):
        """As ``PATCH``: the fields sent are changed."""
        return self.partial_update(request, *args, **kwargs)

    @exposes(contact_services.contact_delete)
    def perform_destroy(self, instance):
        contact_services.contact_delete(contact_id=instance.pk, actor=self.request.user)


class PublicMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Residents' messages 群众留言 the caller may see (new ones first), and what may be done with them: pass on,
    set aside, answer, record a visit. Residents post their messages on the public page, not here."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.PublicMessageSerializer

    def get_queryset(self):
        return mailbox_services.message_queue(self.request.user).prefetch_related("proposals")

    def _act(self, request, body_class, call):
        message = self.get_object()
        body = body_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        call(message, body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=message.pk)).data)

    @extend_schema(request=serializers.MessageRouteSerializer, responses=serializers.PublicMessageSerializer)
    @action(detail=True, methods=["post"])
    @exposes(mailbox_services.message_route)
    def route(self, request, pk=None):
        return self._act(
            request,
            serializers.MessageRouteSerializer,
            lambda m, d: mailbox_services.message_route(
                message_id=m.pk,
                actor=request.user,
                member_id=d["member"].pk if d.get("member") else None,
                group_id=d["group"].pk if d.get("group") else None,
            ),
        )

    @extend_schema(request=serializers.MessageDiscardSerializer, responses=serializers.PublicMessageSerializer)
    @action(detail=True, methods=["post"])
    @exposes(mailbox_services.message_discard)
    def discard(self, request, pk=None):
        return self._act(
            request,
            serializers.MessageDiscardSerializer,
            lambda m, d: mailbox_services.message_discard(message_id=m.pk, actor=request.user, reason=d["reason"]),
        )

    @extend_schema(request=serializers.MessageAnswerSerializer, responses=serializers.PublicMessageSerializer)
    @action(detail=True, methods=["post"])
    @exposes(mailbox_services.message_answer)
    def answer(self, request, pk=None):
        return self._act(
            request,
            serializers.MessageAnswerSerializer,
            lambda m, d: mailbox_services.message_answer(message_id=m.pk, actor=request.user, answer=d["answer"]),
        )

    @extend_schema(request=serializers.MessageVisitSerializer, responses=serializers.PublicMessageSerializer)
    @action(detail=True, methods=["post"])
    @exposes(mailbox_services.message_record_visit)
    def visit(self, request, pk=None):
        return self._act(
            request,
            serializers.MessageVisitSerializer,
            lambda m, d: mailbox_services.message_record_visit(message_id=m.pk, actor=request.user, **d),
        )


class LeadViewSet(viewsets.ReadOnlyModelViewSet):
    """Leads 线索 the caller may see (staff and leaders: their committees'; conveners: their groups'), what each
    pools and what it became; created and closed by the committee's staff and the group's conveners."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.LeadSerializer

    def get_queryset(self):
        return (
            Lead.objects.visible_to(self.request.user)
            .prefetch_related(
                "messages", "contacts", "suggestions", "proposals", "opinion_reports", "consultation_topics"
            )
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=groups_serializers.LeadCreateSerializer, responses={201: serializers.LeadSerializer})
    @exposes(lead_services.lead_create)
    def create(self, request):
        body = groups_serializers.LeadCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        lead = lead_services.lead_create(
            actor=request.user,
            title=d["title"],
            category=d["category"],
            group_id=d["group"].pk if d.get("group") else None,
            message_ids=d["messages"],
            contact_ids=d["contacts"],
            suggestion_ids=d["suggestions"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=lead.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=groups_serializers.LeadCloseSerializer, responses=serializers.LeadSerializer)
    @action(detail=True, methods=["post"])
    @exposes(lead_services.lead_close)
    def close(self, request, pk=None):
        lead = self.get_object()
        body = groups_serializers.LeadCloseSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        lead_services.lead_close(lead_id=lead.pk, actor=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(request=groups_serializers.LeadGroupSerializer, responses=serializers.LeadSerializer)
    @action(detail=True, methods=["post"])
    @exposes(lead_services.lead_set_group)
    def group(self, request, pk=None):
        """Hand the lead to another group of its committee (or to the secretariat: null); its staff only."""
        lead = self.get_object()
        body = groups_serializers.LeadGroupSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        group = body.validated_data["group"]
        lead_services.lead_set_group(lead_id=lead.pk, actor=request.user, group_id=group.pk if group else None)
        return Response(self.get_serializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(request=groups_serializers.LeadItemsSerializer, responses=serializers.LeadSerializer)
    @action(detail=True, methods=["post"], url_path="add-items")
    @exposes(lead_services.lead_add_items)
    def add_items(self, request, pk=None):
        lead = self.get_object()
        body = groups_serializers.LeadItemsSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        lead_services.lead_add_items(
            lead_id=lead.pk,
            actor=request.user,
            message_ids=d["messages"],
            contact_ids=d["contacts"],
            suggestion_ids=d["suggestions"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(request=groups_serializers.LeadItemRemoveSerializer, responses=serializers.LeadSerializer)
    @action(detail=True, methods=["post"], url_path="remove-item")
    @exposes(lead_services.lead_remove_item)
    def remove_item(self, request, pk=None):
        lead = self.get_object()
        body = groups_serializers.LeadItemRemoveSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        lead_services.lead_remove_item(lead_id=lead.pk, actor=request.user, kind=d["kind"], item_id=d["item"])
        return Response(self.get_serializer(self.get_queryset().get(pk=lead.pk)).data)


class ActivitySuggestionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Suggestions gathered at activities, one item each (the activity's organisers and the committee's staff and
    leaders see them); recorded by the group's conveners and the committee's staff."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.ActivitySuggestionSerializer

    def get_queryset(self):
        return ActivitySuggestion.objects.visible_to(self.request.user).order_by("-id")

    @extend_schema(
        request=serializers.ActivitySuggestionCreateSerializer,
        responses={201: serializers.ActivitySuggestionSerializer},
    )
    @exposes(lead_services.suggestion_record)
    def create(self, request):
        body = serializers.ActivitySuggestionCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        item = lead_services.suggestion_record(
            activity_id=d["activity"].pk, actor=request.user, text=d["text"], category=d["category"]
        )
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

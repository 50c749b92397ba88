"""The API of plenary sessions and their attendance (secretariat staff; a member reads their own rows). Every write
calls one service of ``plenary.services`` (``core.api.exposes`` names it), which checks the actor."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api import exposes
from groups.access import scope_of
from groups.models import PlenarySession
from plenary import serializers
from plenary import services as plenary_services
from plenary.models import PlenaryAttendance


class PlenarySessionViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Plenary sessions of the committees the user belongs to; their staff enter sessions and attendance."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.PlenarySessionSerializer
    filterset_fields = ["term", "year"]

    def get_queryset(self):
        return PlenarySession.objects.visible_to(self.request.user).select_related("term").order_by("-start_date", "pk")

    def _save(self, serializer, session):
        changed = sorted(serializer.validated_data)
        for name, value in serializer.validated_data.items():
            setattr(session, name, value)
        session.full_clean()
        serializer.instance = plenary_services.plenary_session_change(
            session=session, actor=self.request.user, changed=changed
        )

    @exposes(plenary_services.plenary_session_change)
    def perform_create(self, serializer):
        self._save(serializer, PlenarySession())

    @exposes(plenary_services.plenary_session_change)
    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @exposes(plenary_services.plenary_session_delete)
    def perform_destroy(self, instance):
        plenary_services.plenary_session_delete(session_id=instance.pk, actor=self.request.user)

    @extend_schema(request=serializers.PlenaryImportSerializer, responses=serializers.PlenaryOutcomeSerializer)
    @action(detail=True, methods=["post"])
    @exposes(plenary_services.plenary_attendance_import)
    def attendance(self, request, pk=None):
        """Record or correct many members' half-days at this session: every row or none (rows named in the 400)."""
        session = self.get_object()
        body = serializers.PlenaryImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = [
            plenary_services.AttendanceRow(
                member_id=r["member"],
                present=r["present"],
                excused=r["excused"],
                absent=r["absent"],
                leave_reason=r["leave_reason"],
            )
            for r in body.validated_data["rows"]
        ]
        outcome = plenary_services.plenary_attendance_import(session_id=session.pk, rows=rows, actor=request.user)
        return Response({"recorded": outcome.recorded, "corrected": outcome.corrected, "unchanged": outcome.unchanged})

    @extend_schema(request=None, responses=serializers.PlenaryFilledSerializer)
    @action(detail=True, methods=["post"], url_path="fill-present", url_name="fill-present")
    @exposes(plenary_services.plenary_attendance_fill_present)
    def fill_present(self, request, pk=None):
        """Record every member in office not yet recorded as present for all the session's half-days."""
        session = self.get_object()
        added = plenary_services.plenary_attendance_fill_present(session_id=session.pk, actor=request.user)
        return Response({"added": added})


class PlenaryAttendanceViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Members' half-days at plenary sessions: staff see and write their committees' rows, a member sees their own."""

    lookup_value_regex = "[0-9]+"
    serializer_class = serializers.PlenaryAttendanceSerializer
    filterset_fields = ["session", "member"]

    def get_queryset(self):
        user = self.request.user
        member_id = scope_of(user).member_id
        rows = PlenaryAttendance.objects.administered_by(user)
        if member_id:
            rows = rows | PlenaryAttendance.objects.filter(member_id=member_id)
        return rows.select_related("member").order_by("session_id", "member__name", "pk")

    @extend_schema(
        request=serializers.PlenaryAttendanceSetSerializer, responses={201: serializers.PlenaryAttendanceSerializer}
    )
    @exposes(plenary_services.plenary_attendance_set)
    def create(self, request, *args, **kwargs):
        """Record or correct one member's half-days present, on leave and absent at a session."""
        body = serializers.PlenaryAttendanceSetSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        row = plenary_services.plenary_attendance_set(
            session_id=data.pop("session").pk, member_id=data.pop("member").pk, actor=request.user, **data
        )
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @exposes(plenary_services.plenary_attendance_remove)
    def perform_destroy(self, instance):
        plenary_services.plenary_attendance_remove(attendance_id=instance.pk, actor=self.request.user)

    @extend_schema(request=serializers.IdsSerializer, responses=serializers.RemovedSerializer)
    @action(detail=False, methods=["post"])
    @exposes(plenary_services.plenary_attendance_remove_many)
    def remove(self, request):
        """Remove many rows recorded by mistake (ids the user sees; staff of each session)."""
        body = serializers.IdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = set(body.validated_data["ids"])
        ids = list(self.get_queryset().filter(pk__in=wanted).values_list("pk", flat=True))
        if len(ids) != len(wanted):
            raise NotFound(_("Some of these attendance records do not exist."))
        removed = plenary_services.plenary_attendance_remove_many(attendance_ids=ids, actor=request.user)
        return Response({"removed": removed})

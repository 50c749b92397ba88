"""The API of the groups app: the organisation (committees, sectors, members, groups and memberships, contact
points, expertise, handling units, the signed-in user); the activity ledger's is ``activities/api.py``. Every
write calls one service (``core.api.exposes`` names it), which checks the actor; the one exception handler (``core.api_errors``) maps its refusals."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import exposes
from core.exceptions import DomainError, NotPermitted
from core.parsers import MultiPartParser
from groups import filters, serializers
from groups.access import scope_of
from groups.models import (
    ActivityGroup,
    Committee,
    ContactPoint,
    Expertise,
    GroupMembership,
    HandlingUnit,
    Member,
    Sector,
)
from groups.resources import ActivityGroupResource, MemberResource
from groups.services import MAX_IMPORT_BYTES, table_import
from groups.services import expertise as expertise_services
from groups.services import logins as login_services
from groups.services import records as organisation_services


class VisibleReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and detail of what ``Model.objects.visible_to(user)`` allows."""

    model = None
    related: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(*self.related)


class CommitteeViewSet(VisibleReadOnlyViewSet):
    model = Committee
    serializer_class = serializers.CommitteeSerializer
    filterset_fields = ["level", "parent"]
    search_fields = ["name", "code"]


class SectorViewSet(VisibleReadOnlyViewSet):
    model = Sector
    serializer_class = serializers.SectorSerializer
    filterset_fields = ["committee"]
    search_fields = ["name"]


class OrganisationWrites(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin):
    """Staff write their committees' rows as in the admin: ``groups.services.records.organisation_save`` /
    ``organisation_delete`` (staff of the row's committee, audit row, stale roll-ups). The relations a body names
    are the staff member's committees' rows only (a 400 beyond); a row the user sees but does not administer is a
    403 from the service; the answer is the row as the list shows it."""

    write_serializer_class = None
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def _save(self, serializer, obj):
        data = dict(serializer.validated_data)
        m2m = {f.name: data.pop(f.name) for f in obj._meta.many_to_many if f.name in data}
        for name, value in data.items():
            setattr(obj, name, value)
        obj.full_clean(validate_unique=True)
        serializer.instance = organisation_services.organisation_save(
            obj=obj, actor=self.request.user, changed=sorted(serializer.validated_data), m2m=m2m
        )

    @exposes(organisation_services.organisation_save)
    def perform_create(self, serializer):
        self._save(serializer, serializer.Meta.model())

    @exposes(organisation_services.organisation_save)
    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @exposes(organisation_services.organisation_delete)
    def perform_destroy(self, instance):
        organisation_services.organisation_delete(obj=instance, actor=self.request.user)

    def _as_read(self, pk, status_code):
        self.action = "retrieve"
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._as_read(serializer.instance.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return self._as_read(kwargs["pk"], status.HTTP_200_OK)


def _writes(write, read) -> dict:
    """The organisation's writes take the write serializer and answer the row as it is read."""
    return {
        "create": extend_schema(request=write, responses={201: read}),
        "update": extend_schema(request=write, responses=read),
        "partial_update": extend_schema(request=write, responses=read),
    }


class TableImport:
    """``POST …/import/``: the admin's spreadsheet import of the same rows (``groups.services.table_import``:
    xlsx or csv, every row or none, the staff member's committees only)."""

    resource_class = None

    @extend_schema(
        request={"multipart/form-data": serializers.TableImportSerializer},
        responses=serializers.TableImportReportSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", parser_classes=[MultiPartParser])
    @exposes(table_import)
    def import_rows(self, request):
        body = serializers.TableImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        file_format = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if upload.size > MAX_IMPORT_BYTES:  # before reading it into memory
            raise ValidationError(
                {"file": [_("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}]}
            )
        try:
            report = table_import(
                resource_class=self.resource_class, data=upload.read(), file_format=file_format, actor=request.user
            )
        except NotPermitted:
            raise
        except DomainError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        data = {"created": report.created, "errors": [str(e) for e in report.errors]}
        return Response(data, status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)


@extend_schema_view(**_writes(serializers.MemberWriteSerializer, serializers.MemberSerializer))
class MemberViewSet(TableImport, OrganisationWrites, VisibleReadOnlyViewSet):
    """Members the user may see (contact details masked as ``MemberSerializer`` says); staff enter and change
    their committees' members."""

    model = Member
    related = ("sector",)
    serializer_class = serializers.MemberSerializer
    write_serializer_class = serializers.MemberWriteSerializer
    resource_class = MemberResource
    filterset_class = filters.MemberFilter
    search_fields = ["name", "work_unit", "street"]
    ordering_fields = ["name", "id"]

    @extend_schema(request=serializers.MemberLoginsInput, responses=serializers.LoginOutcomeSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="logins", pagination_class=None, filterset_class=None)
    @exposes(login_services.member_logins_create)
    def logins(self, request):
        """Staff give members logins with a first-login link: sent to them (``notify``) or returned once to be
        printed (``print``); a member whose login is unused gets a fresh link."""
        d = self._logins_input(request)
        outcomes = login_services.member_logins_create(
            member_ids=[m.pk for m in d["members"]], actor=request.user, deliver=d["deliver"]
        )
        return Response(serializers.LoginOutcomeSerializer(outcomes, many=True).data)

    @extend_schema(request=serializers.MemberLoginsInput, responses=serializers.LoginOutcomeSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="logins/deactivate", pagination_class=None, filterset_class=None)
    @exposes(login_services.member_logins_deactivate)
    def logins_deactivate(self, request):
        """Staff switch off members' logins at the end of a term (API tokens revoked; history kept)."""
        members = self._logins_input(request)["members"]
        outcomes = login_services.member_logins_deactivate(member_ids=[m.pk for m in members], actor=request.user)
        return Response(serializers.LoginOutcomeSerializer(outcomes, many=True).data)

    @extend_schema(request=serializers.ExpertiseSetSerializer, responses=serializers.ExpertiseSerializer(many=True))
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    @exposes(expertise_services.member_expertise_set)
    def expertise(self, request, pk=None):
        """Declare the member's areas of expertise from their committee's list (the member, or their staff)."""
        member = self.get_object()
        body = serializers.ExpertiseSetSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        expertise_services.member_expertise_set(
            member_id=member.pk, actor=request.user, expertise_ids=[e.pk for e in body.validated_data["expertise"]]
        )
        return Response(serializers.ExpertiseSerializer(member.expertise.order_by("order", "name"), many=True).data)

    def _logins_input(self, request) -> dict:
        body = serializers.MemberLoginsInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return body.validated_data


@extend_schema_view(**_writes(serializers.ActivityGroupWriteSerializer, serializers.ActivityGroupSerializer))
class ActivityGroupViewSet(TableImport, OrganisationWrites, VisibleReadOnlyViewSet):
    """Activity groups; staff enter and change their committees' groups."""

    model = ActivityGroup
    serializer_class = serializers.ActivityGroupSerializer
    write_serializer_class = serializers.ActivityGroupWriteSerializer
    resource_class = ActivityGroupResource
    filterset_class = filters.ActivityGroupFilter
    search_fields = ["name", "street"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
            .prefetch_related("contact_points")
            .order_by("committee_id", "kind", "name")
        )


@extend_schema_view(**_writes(serializers.GroupMembershipWriteSerializer, serializers.GroupMembershipReadSerializer))
class GroupMembershipViewSet(OrganisationWrites, viewsets.ReadOnlyModelViewSet):
    """Who is in which group, as convener, deputy or member, from joining to leaving; staff change it (the
    group's quarters from the date that moved go stale)."""

    serializer_class = serializers.GroupMembershipReadSerializer
    write_serializer_class = serializers.GroupMembershipWriteSerializer
    filterset_fields = ["group", "member", "role"]

    def get_queryset(self):
        return GroupMembership.objects.visible_to(self.request.user).select_related("member").order_by("group_id", "pk")


class ContactPointViewSet(VisibleReadOnlyViewSet):
    model = ContactPoint
    serializer_class = serializers.ContactPointSerializer
    filterset_class = filters.ContactPointFilter
    search_fields = ["name", "street", "address"]


class ExpertiseViewSet(VisibleReadOnlyViewSet):
    """The areas of expertise 专长 of the committees the user belongs to (data kept by staff in the admin)."""

    model = Expertise
    serializer_class = serializers.ExpertiseSerializer
    filterset_fields = ["committee", "is_active"]
    search_fields = ["name"]


class HandlingUnitViewSet(VisibleReadOnlyViewSet):
    model = HandlingUnit
    serializer_class = serializers.HandlingUnitSerializer
    filterset_class = filters.HandlingUnitFilter
    search_fields = ["name", "short_name"]


class MeView(APIView):
    """The current user, their roles and what they reach."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        scope = scope_of(request.user)
        data = {
            "id": request.user.pk,
            "username": request.user.username,
            "name": str(request.user),
            "roles": [r.value for r in scope.roles],
            "member_id": scope.member_id,
            "committee_ids": sorted(scope.committee_ids),
            "group_ids": sorted(scope.group_ids),
            "convened_group_ids": sorted(scope.convened_group_ids),
            "unit_ids": sorted(scope.unit_ids),
        }
        return Response(serializers.MeSerializer(data).data)


# --- Activities ---------------------------------------------------------------------------------
# Every write calls one service, which decides whether this user may act (``core.exceptions.NotPermitted``: 403
# with its message); an id outside what the user sees is a 404 (the path) or a 400 (a body's scoped field). The
# services' refusals map through the one handler (``core.api_errors``).

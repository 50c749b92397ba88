from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from core.admin_confirm import confirm_first
from core.admin_files import file_link
from core.exceptions import DomainError
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import (
    ActivityGroup,
    Committee,
    CommitteeStaff,
    ConstituentContact,
    ContactPoint,
    Expertise,
    GroupMembership,
    HandlingUnit,
    Member,
    Platform,
    PlatformDocument,
    PlatformEvaluation,
    PlatformMembership,
    PlenarySession,
    Sector,
    SpecialCommittee,
    Term,
)
from groups.resources import ActivityGroupResource, ContactPointResource, HandlingUnitResource, MemberResource

MAX_IMPORT_ERRORS_SHOWN = 200


class SpreadsheetImportForm(forms.Form):
    """The upload, checked before anything parses it: format by name, size, and (xlsx) the archive."""

    import_file = forms.FileField(label=_("Spreadsheet file"))

    def clean_import_file(self):
        from groups.services import IMPORT_FORMATS, MAX_IMPORT_BYTES, check_upload

        upload = self.cleaned_data["import_file"]
        file_format = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if file_format not in IMPORT_FORMATS:
            raise ValidationError(_("Only Excel (.xlsx) and CSV (.csv) files can be imported."))
        if upload.size > MAX_IMPORT_BYTES:  # before reading it into memory
            raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})
        data = upload.read()
        try:
            check_upload(data, file_format)
        except DomainError as exc:
            raise ValidationError(exc.messages) from exc
        self.cleaned_data["file_format"] = file_format
        return data


class UserScopedImportMixin(ImportExportMixin):
    """Spreadsheet import and export, xlsx and csv only. The import is ``groups.services.table_import`` (the
    same all-or-nothing service as everywhere, with its limits), on one page: django-import-export's
    two-step preview parses the whole file with no limit first, so it is not used.
    Hands the staff user to the resource, so imports and exports reach only their committees."""

    formats = [XLSX, CSV]
    import_formats = [XLSX, CSV]
    export_formats = [XLSX, CSV]

    def import_action(self, request, **kwargs):
        from groups.services import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, table_import

        if not self.has_import_permission(request):
            raise PermissionDenied
        resource_class = self.get_import_resource_classes(request)[0]
        form = SpreadsheetImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                report = table_import(
                    resource_class=resource_class,
                    data=form.cleaned_data["import_file"],
                    file_format=form.cleaned_data["file_format"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error("import_file", exc)
            else:
                if report.ok:
                    self.message_user(request, _("%(n)s rows imported.") % {"n": report.created}, messages.SUCCESS)
                    return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
                errors = [str(e) for e in report.errors]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Import"),
            "errors": errors[:MAX_IMPORT_ERRORS_SHOWN],
            "errors_total": len(errors),
            "max_rows": MAX_IMPORT_ROWS,
            "max_mb": MAX_IMPORT_BYTES // (1024 * 1024),
            "columns": [str(f.column_name) for f in resource_class(user=request.user).get_import_fields()],
            "template_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import_template"),
        }
        return TemplateResponse(request, "groups/admin/spreadsheet_import.html", context)

    def process_import(self, request, **kwargs):
        raise Http404  # the stock confirm step: the import page above saves at once, all rows or none

    def get_urls(self):
        from django.urls import path

        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view(self.import_template_view)
        return [path("import/template/", view, name=f"{info}_import_template"), *super().get_urls()]

    def import_template_view(self, request):
        """The Excel template of this import: its columns, drop-down lists of the staff's committees' values,
        an example row (``groups.import_templates``)."""
        from core.exports import xlsx_download
        from groups.import_templates import template_workbook

        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0](user=request.user)
        name = gettext("%(what)s import template") % {"what": self.opts.verbose_name_plural}
        response = xlsx_download(template_workbook(resource), "import-template.xlsx")
        response["Content-Disposition"] = (
            f"attachment; filename=\"import-template.xlsx\"; filename*=UTF-8''{quote(name)}.xlsx"
        )
        return response

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_filename(self, request, queryset, file_format):
        """The model's name in the user's language and the local date: ``委员-20261205.xlsx``."""
        from core.exports import export_filename

        return export_filename(self.model._meta.verbose_name_plural, extension=file_format.get_extension())

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        from core.exports import attachment_header

        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        response["Content-Disposition"] = attachment_header(self.get_export_filename(request, queryset, file_format))
        return response

    def get_data_for_export(self, request, queryset, **kwargs):
        """The rows of every admin export, without a live formula in any format (``core.exports``)."""
        from core.exports import neutralise_dataset

        return neutralise_dataset(super().get_data_for_export(request, queryset, **kwargs))

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """Every export leaves an audit record (who, what, how many rows, which format)."""
        from core.exports import record_export

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record_export(
            request,
            str(self.model._meta.verbose_name_plural),
            queryset.count(),
            file_format=file_format.get_title() if hasattr(file_format, "get_title") else str(file_format),
        )
        return data

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class TermInline(ScopedInline):
    model = Term


@admin.register(Committee)
class CommitteeAdmin(CommitteeScopedAdmin):
    committee_path = "pk"
    list_display = ("name", "level", "parent", "code")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    inlines = [TermInline]
    # Where a committee sits (its parent city, its level, its code) decides who reaches it: a district's staff
    # who emptied ``parent`` took their committee away from the city's staff and leaders. Superusers only.
    structure_fields = ("parent", "level", "code")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return readonly + tuple(f for f in self.structure_fields if f not in readonly)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser  # a new committee has no parent yet: its place is a superuser's call

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PlenarySessionInline(ScopedInline):
    """The term's sessions to open: created, edited and deleted on their own page, through the service
    (audit record, stale roll-ups), where their attendance is recorded too."""

    model = PlenarySession
    fields = ("number", "year", "start_date", "end_date", "half_days")
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Term)
class TermAdmin(CommitteeScopedAdmin):
    list_display = ("__str__", "committee", "number", "start_date", "end_date", "is_current")
    list_filter = ("committee", "is_current")
    list_select_related = ("committee",)
    inlines = [PlenarySessionInline]


@admin.register(Sector)
class SectorAdmin(CommitteeScopedAdmin):
    list_display = ("name", "committee", "order", "member_count")
    list_filter = ("committee",)
    search_fields = ("name",)
    list_select_related = ("committee",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members", filter=Q(members__status="active")))

    @admin.display(description=_("member count"), ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(SpecialCommittee)
class SpecialCommitteeAdmin(CommitteeScopedAdmin):
    list_display = ("name", "committee")
    list_filter = ("committee",)
    search_fields = ("name",)
    list_select_related = ("committee",)


class MembershipOfMemberInline(ScopedInline):
    model = GroupMembership
    fields = ("group", "role", "joined_on", "left_on")
    autocomplete_fields = ("group",)


def _login_action(request, queryset, call):
    from groups.services import logins

    try:
        return call(logins, list(queryset.values_list("pk", flat=True)))
    except DomainError as exc:
        messages.error(request, "；".join(exc.messages))
        return None


def _report_skipped(modeladmin, request, outcomes) -> None:
    for outcome in outcomes:
        if outcome.skipped:
            modeladmin.message_user(request, f"{outcome.member.name}：{outcome.skipped}", messages.WARNING)


@admin.action(description=_("Create logins and send first-login links (SMS, e-mail)"))
def create_logins_and_send(modeladmin, request, queryset):
    outcomes = _login_action(
        request,
        queryset,
        lambda svc, ids: svc.member_logins_create(member_ids=ids, actor=request.user, deliver=svc.NOTIFY),
    )
    if outcomes is None:
        return
    _report_skipped(modeladmin, request, outcomes)
    sent = [o for o in outcomes if not o.skipped]
    modeladmin.message_user(request, _("%(n)s first-login links are being sent.") % {"n": len(sent)}, messages.SUCCESS)


@admin.action(description=_("Create logins and print the first-login links"))
def create_logins_and_print(modeladmin, request, queryset):
    """The links are shown on this one page and kept nowhere: print it or hand the links over now."""
    outcomes = _login_action(
        request,
        queryset,
        lambda svc, ids: svc.member_logins_create(member_ids=ids, actor=request.user, deliver=svc.PRINT),
    )
    if outcomes is None:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": _("First-login links"),
        "outcomes": outcomes,
        "issued": [o for o in outcomes if o.link],
        "skipped": [o for o in outcomes if o.skipped],
        "days": settings.FIRST_LOGIN_LINK_DAYS,
    }
    response = TemplateResponse(request, "groups/admin/first_login_links.html", context)
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Deactivate the logins (end of term)"))
@confirm_first(_("The members can no longer log in; a new login must be created to let them back in."))
def deactivate_logins(modeladmin, request, queryset):
    outcomes = _login_action(
        request, queryset, lambda svc, ids: svc.member_logins_deactivate(member_ids=ids, actor=request.user)
    )
    if outcomes is None:
        return
    _report_skipped(modeladmin, request, outcomes)
    done = [o for o in outcomes if not o.skipped]
    modeladmin.message_user(request, _("%(n)s logins deactivated.") % {"n": len(done)}, messages.SUCCESS)


@admin.register(Member)
class MemberAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [MemberResource]
    list_display = (
        "name",
        "committee",
        "sector",
        "party",
        "is_standing",
        "work_unit",
        "street",
        "phone",
        "status",
        "login",
    )
    list_filter = ("committee", "term", "status", "is_standing", "party", "sector")
    actions = [create_logins_and_send, create_logins_and_print, deactivate_logins]

    @admin.display(description=_("login"), ordering="user__username")
    def login(self, obj):
        if obj.user_id is None:
            return "—"
        if not obj.user.is_active:
            return _("%(username)s (deactivated)") % {"username": obj.user.username}
        if obj.user.last_login is None:
            return _("%(username)s (not used yet)") % {"username": obj.user.username}
        return obj.user.username

    search_fields = ("name", "work_unit", "street", "phone")
    list_select_related = ("committee", "sector", "user")
    autocomplete_fields = ("user",)
    inlines = [MembershipOfMemberInline]
    fieldsets = (
        (None, {"fields": ("committee", "term", "name", "gender", "status", "user")}),
        (_("Affiliation"), {"fields": ("sector", "special_committee", "party", "is_standing")}),
        (_("Work and residence"), {"fields": ("work_unit", "position", "street")}),
        (_("Contact"), {"fields": ("phone", "email")}),
    )


class MembershipInline(ScopedInline):
    model = GroupMembership
    fields = ("member", "role", "joined_on", "left_on")
    autocomplete_fields = ("member",)


class ContactPointLinkInline(ScopedInline):
    model = ActivityGroup.contact_points.through
    verbose_name = _("contact point")
    verbose_name_plural = _("contact points")
    autocomplete_fields = ("contactpoint",)


@admin.register(ActivityGroup)
class ActivityGroupAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [ActivityGroupResource]
    list_display = (
        "name",
        "committee",
        "kind",
        "street",
        "special_committee",
        "liaison_leader",
        "member_count",
        "is_active",
    )
    list_filter = ("committee", "kind", "is_active", "special_committee")
    search_fields = ("name", "street")
    list_select_related = ("committee", "special_committee", "liaison_leader")
    autocomplete_fields = ("liaison_leader",)
    exclude = ("contact_points",)
    inlines = [MembershipInline, ContactPointLinkInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        )

    @admin.display(description=_("member count"), ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(ContactPoint)
class ContactPointAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [ContactPointResource]
    list_display = ("name", "kind", "committee", "street", "contact_name", "is_active")
    list_filter = ("committee", "kind", "is_active")
    search_fields = ("name", "street", "address")
    list_select_related = ("committee",)


@admin.register(Expertise)
class ExpertiseAdmin(CommitteeScopedAdmin):
    """A committee's list of areas of expertise 专长 (members declare theirs; contact points their needs)."""

    list_display = ("name", "committee", "order", "is_active")
    list_filter = ("committee", "is_active")
    search_fields = ("name",)
    list_select_related = ("committee",)


@admin.register(ConstituentContact)
class ConstituentContactAdmin(CommitteeScopedAdmin):
    """The contact log 联系群众记录 of the staff's committees: corrected or removed as data (the duty record's
    roll-ups of its quarter go stale: ``activities.services.contacts``); recorded by members on their phone."""

    list_display = ("contacted_on", "member", "whom", "topic", "contact_point", "place", "committee")
    list_filter = ("committee", "topic", "whom_kind", ("contacted_on", admin.DateFieldListFilter))
    search_fields = ("member__name", "whom", "raised", "place")
    list_select_related = ("member", "contact_point", "committee")
    autocomplete_fields = ("contact_point",)
    readonly_fields = ("committee", "member", "recorded_by", "created_at", "photo_link")
    fields = (
        "committee",
        "member",
        "recorded_by",
        "created_at",
        "contacted_on",
        "contact_point",
        "place",
        "whom_kind",
        "whom",
        "resident_contact",
        "topic",
        "raised",
        "follow_up",
        "photo_link",
    )
    photo_link = file_link("photo", "activities:contact_photo", description=_("photo"))

    def has_add_permission(self, request):
        return False  # recorded by members and conveners on the contact page (``contact_record``)


class _ReadOnlyPlatformInline(ScopedInline):
    """Rows written on the platform's page and through the API (``groups.services.platforms``), shown here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlatformMembershipInline(_ReadOnlyPlatformInline):
    model = PlatformMembership
    fields = readonly_fields = ("member", "role", "joined_on", "left_on", "left_reason")


class PlatformEvaluationInline(_ReadOnlyPlatformInline):
    model = PlatformEvaluation
    fields = readonly_fields = ("year", "grade", "score", "comments", "evaluated_by")


class PlatformDocumentInline(_ReadOnlyPlatformInline):
    model = PlatformDocument
    fields = readonly_fields = ("kind", "original_name", "caption", "uploaded_at", "document_link")
    document_link = file_link("file", "activities:platform_document", description=_("file"))


@admin.register(Platform)
class PlatformAdmin(CommitteeScopedAdmin):
    list_display = ("name", "kind", "level", "brand", "committee", "street", "state", "is_active")
    list_filter = ("committee", "kind", "level", "state")
    search_fields = ("name", "brand", "street")
    list_select_related = ("committee",)
    autocomplete_fields = ("host_group",)
    readonly_fields = (
        "state",
        "established_on",
        "approval_document",
        "wound_up_on",
        "wound_up_reason",
        "is_active",
        "declared_six_haves",
    )
    fieldsets = (
        (None, {"fields": ("committee", "name", "kind", "level", "brand", "street", "address", "host_group")}),
        (
            _("Life cycle (on the platform's page)"),
            {
                "fields": (
                    "state",
                    "established_on",
                    "approval_document",
                    "wound_up_on",
                    "wound_up_reason",
                    "is_active",
                    "declared_six_haves",
                )
            },
        ),
    )
    inlines = [PlatformMembershipInline, PlatformEvaluationInline, PlatformDocumentInline]


@admin.register(HandlingUnit)
class HandlingUnitAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    resource_classes = [HandlingUnitResource]
    list_display = ("name", "short_name", "committee", "contact_name", "contact_phone", "is_active")
    list_filter = ("committee", "is_active")
    search_fields = ("name", "short_name")
    list_select_related = ("committee",)
    autocomplete_fields = ("users",)


@admin.register(CommitteeStaff)
class CommitteeStaffAdmin(CommitteeScopedAdmin):
    list_display = ("user", "committee", "role", "office")
    list_filter = ("committee", "role")
    search_fields = ("user__username", "user__name", "office")
    list_select_related = ("user", "committee")
    autocomplete_fields = ("user",)


@admin.register(GroupMembership)
class GroupMembershipAdmin(CommitteeScopedAdmin):
    committee_path = "group__committee"
    list_display = ("member", "group", "role", "joined_on", "left_on")
    list_filter = ("role", "group__committee")
    search_fields = ("member__name", "group__name")
    list_select_related = ("member", "group")
    autocomplete_fields = ("member", "group")


# The supervision admins register themselves on import (the activity ledger's and the mailbox's: activities/admin.py; plenary
# sessions and attendance: plenary/admin.py).
from groups import admin_supervision  # noqa: E402,F401

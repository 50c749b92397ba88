"""The admin's leads 线索 (issue 20, item 3): the staff's committees' leads, their title and kind of matter
correctable as data (``record_save``, audited); the group that follows a lead changed through ``lead_set_group``
(a group of the lead's committee only, audited); leads closed with a reason by the change list's action through
``lead_close`` (a confirmation page that asks the reason). The items pooled and what the lead became are read-only
links (pooled, taken out and converted on the lead's page through ``activities.services.leads``)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from activities.models import Lead
from activities.services import leads as lead_services
from core.admin_confirm import confirm_first
from core.admin_doors import run_on_each
from core.services import record_save
from groups.admin_base import CommitteeScopedAdmin


def _links(rows) -> str:
    """Links in a list, or a dash."""
    rows = list(rows)
    if not rows:
        return "—"
    return format_html("<ul class='mb-0'>{}</ul>", format_html_join("", "<li><a href='{}'>{}</a></li>", rows))


@admin.register(Lead)
class LeadAdmin(CommitteeScopedAdmin):
    """Leads of the staff's committees; created, filled, closed and converted on the lead's page."""

    list_display = ("title", "state", "category", "group", "committee", "items", "created_at")
    list_filter = ("state", "category", "committee", ("created_at", admin.DateFieldListFilter))
    search_fields = ("title", "close_reason")
    list_select_related = ("committee", "group")
    fields = (
        "committee",
        "group",
        "title",
        "category",
        "state",
        "close_reason",
        "page_link",
        "message_links",
        "contact_links",
        "suggestion_links",
        "became_links",
        "created_by",
        "created_at",
        "updated_at",
    )
    # Only the title, the kind of matter and the group are edited here; the rest is the lead page's, through its
    # services.
    readonly_fields = tuple(f for f in fields if f not in {"title", "category", "group"})
    actions = ["close_selected"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The group offered: the active groups of the lead's own committee (the service refuses any other)."""
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("group")
        if field is not None and obj is not None:
            # filtered, not replaced: the scoped queryset keeps its committee labels
            field.queryset = field.queryset.filter(
                Q(committee_id=obj.committee_id, is_active=True) | Q(pk=obj.group_id)
            )
        return form

    def save_model(self, request, obj, form, change):
        """The group through ``lead_set_group`` (checked, audited); the title and kind of matter as data."""
        if "group" in form.changed_data:
            group = form.cleaned_data.get("group")
            lead_services.lead_set_group(lead_id=obj.pk, actor=request.user, group_id=group.pk if group else None)
        record_save(obj=obj, actor=request.user, changed=[name for name in form.changed_data if name != "group"])

    @admin.action(description=_("Close the selected leads without action"))
    @confirm_first(
        _("A closed lead is not taken up and its items no longer change; the reason is kept on each lead."),
        reason=_("Reason for closing"),
    )
    def close_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        run_on_each(
            self,
            request,
            queryset,
            lambda lead: lead_services.lead_close(lead_id=lead.pk, actor=request.user, reason=reason),
            _("%(n)s leads closed."),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_items=Count("messages", distinct=True)
                + Count("contacts", distinct=True)
                + Count("suggestions", distinct=True)
            )
        )

    def has_add_permission(self, request, *args):
        return False  # pooled from the items on the lead pages (``lead_create``)

    def has_delete_permission(self, request, obj=None):
        return False  # closed with a reason instead: what it became keeps its link

    @admin.display(description=_("items"), ordering="n_items")
    def items(self, obj):
        return obj.n_items

    @admin.display(description=_("lead page"))
    def page_link(self, obj):
        return format_html("<a href='{}'>{}</a>", reverse("activities:lead_detail", args=[obj.pk]), obj.title)

    @admin.display(description=_("messages"))
    def message_links(self, obj):
        return _links(
            (reverse("admin:activities_publicmessage_change", args=[m.pk]), f"{m.tracking_code} · {m.text[:40]}")
            for m in obj.messages.order_by("pk")
        )

    @admin.display(description=_("contacts"))
    def contact_links(self, obj):
        return _links(
            (reverse("admin:groups_constituentcontact_change", args=[c.pk]), f"{c.contacted_on} · {c.raised[:40]}")
            for c in obj.contacts.order_by("pk")
        )

    @admin.display(description=_("suggestions gathered"))
    def suggestion_links(self, obj):
        return _links(
            (reverse("activities:activity_detail", args=[s.activity_id]), s.text[:40])
            for s in obj.suggestions.order_by("pk")
        )

    @admin.display(description=_("what it became"))
    def became_links(self, obj):
        rows = [
            (reverse("admin:proposals_proposal_change", args=[p.pk]), f"{p.title} · {p.get_state_display()}")
            for p in obj.proposals.order_by("pk")
        ]
        rows += [
            (reverse("admin:proposals_opinionreport_change", args=[r.pk]), f"{r.title} · {r.get_state_display()}")
            for r in obj.opinion_reports.order_by("pk")
        ]
        rows += [
            (reverse("admin:consultations_topic_change", args=[t.pk]), f"{t.title} · {t.get_state_display()}")
            for t in obj.consultation_topics.order_by("pk")
        ]
        return _links(rows)

"""Clean admin lists (issue 18, item 8): per-committee choices named with their committee where staff see several,
the audit log readable (never writable) by staff for their committees, exports named in Chinese with the date."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.services import record_event
from groups.models import Member
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_sector_filter_names_each_sector_once_with_its_committee(world, client_for):
    for committee in (world.city, world.district):
        f.MemberFactory(committee=committee, sector=f.SectorFactory(committee=committee, name="中共"))
    response = client_for(world.staff).get(reverse("admin:groups_member_changelist"))
    labels = [
        choice["display"]
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "field_path", "") == "sector"
        for choice in spec.choices(response.context["cl"])
    ]
    ours = [str(label) for label in labels if str(label).startswith("中共")]
    assert len(ours) == 2 and len(set(ours)) == 2, ours
    assert any(
        world.district.name in label or (world.district.short_name and world.district.short_name in label)
        for label in ours
    )


def test_the_member_form_names_each_sector_with_its_committee_for_city_staff(world, client_for):
    f.SectorFactory(committee=world.city, name="中共")
    f.SectorFactory(committee=world.district, name="中共")
    html = client_for(world.staff).get(reverse("admin:groups_member_add")).content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>(中共[^<]*)</option>", html)
    assert len(options) == 2 and len(set(options)) == 2, options
    # a district's staff see one committee: the plain name
    html = client_for(world.district_staff).get(reverse("admin:groups_member_add")).content.decode()
    assert re.findall(r"<option value=\"\d+\"[^>]*>(中共[^<]*)</option>", html) == ["中共"]


def test_staff_read_their_committees_audit_log_and_change_nothing(world, client_for):
    ours = f.MemberFactory(committee=world.district, name="东湖委员")
    theirs = f.MemberFactory(committee=world.other, name="远山委员")
    record_event(ours, actor=world.staff, verb="edited")
    record_event(theirs, actor=world.other_staff, verb="edited")
    assert (
        AuditEvent.objects.get(object_id=str(ours.pk), content_type__model="member").committee_id == world.district.pk
    )

    client = client_for(world.staff)
    listing = client.get(reverse("admin:core_auditevent_changelist"))
    assert listing.status_code == 200
    shown = {e.object_repr for e in listing.context["cl"].result_list}
    assert "东湖委员" in shown and "远山委员" not in shown
    mine = AuditEvent.objects.get(object_repr="东湖委员")
    other = AuditEvent.objects.get(object_repr="远山委员")
    assert client.get(reverse("admin:core_auditevent_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:core_auditevent_change", args=[other.pk])).status_code in (302, 403, 404)
    assert client.post(reverse("admin:core_auditevent_change", args=[mine.pk]), {"verb": "x"}).status_code == 403
    assert client.post(reverse("admin:core_auditevent_delete", args=[mine.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=mine.pk).verb == "edited"
    # the audit log is on the staff's admin index
    assert reverse("admin:core_auditevent_changelist") in client.get(reverse("admin:index")).content.decode()
    for user in (world.member, world.leader, world.unit_user):
        assert client_for(user).get(reverse("admin:core_auditevent_changelist")).status_code in (302, 403)


def test_exports_are_named_in_chinese_with_the_local_date(world, client_for):
    today = timezone.localdate().strftime("%Y%m%d")
    client = client_for(world.staff)
    for url, title in (
        (reverse("activities:ledger") + "?export=xlsx", "活动台账"),
        (reverse("activities:coverage") + "?export=xlsx", "覆盖情况"),
        (reverse("proposals:figures_xlsx"), "提案统计"),
        (reverse("consultations:figures") + "?export=xlsx", "协商统计"),
        (reverse("assessments:funding_export") + f"?committee={world.district.pk}", "活动组经费补助"),
    ):
        response = client.get(url)
        header = response.get("Content-Disposition", "")
        name = unquote(header.split("filename*=utf-8''")[-1])
        assert name.startswith(title) and name.endswith(f"{today}.xlsx"), (url, header)
    # the admin's exports (django-import-export): the model's name and the date, sent as RFC 6266 filename*
    from django.contrib import admin
    from django.test import RequestFactory
    from import_export.formats.base_formats import XLSX

    model_admin = admin.site._registry[Member]
    request = RequestFactory().get("/")
    request.user = world.staff
    assert model_admin.get_export_filename(request, Member.objects.none(), XLSX()) == f"委员-{today}.xlsx"


def test_the_proposal_list_offers_the_stored_years_and_filters_by_one(world, client_for):
    from tests.proposals.factories import ProposalFactory

    old = ProposalFactory(committee=world.city, year=2024, title="二〇二四年的提案")
    new = ProposalFactory(committee=world.city, year=2026, title="二〇二六年的提案")
    client = client_for(world.staff)
    response = client.get(reverse("admin:proposals_proposal_changelist"))
    years = [
        str(choice["display"])
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "year"
        for choice in spec.choices(response.context["cl"])
    ]
    assert years[1:] == ["2026", "2025", "2024"]  # after "All": the last stored year first
    shown = client.get(reverse("admin:proposals_proposal_changelist"), {"year": "2024"}).content.decode()
    assert old.title in shown and new.title not in shown
    assert client.get(reverse("admin:proposals_proposal_changelist"), {"year": "x"}).status_code in (200, 302)

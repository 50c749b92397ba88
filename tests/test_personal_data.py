"""Members' phone numbers and e-mails: in full for their committee's staff, their conveners and themself;
masked for leaders and everyone else, in the API. Exports are audited (``core.exports.record_export``)."""

import pytest
from django.urls import reverse

from core.privacy import mask_email, mask_phone

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13812345678", "zhang.wei@example.cn"
MASKED_PHONE, MASKED_EMAIL = "138****5678", "z***@example.cn"


def test_masks():
    assert mask_phone(PHONE) == MASKED_PHONE
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_phone("12345") == "***45"
    assert mask_email(EMAIL) == MASKED_EMAIL
    assert mask_email("") == ""


@pytest.fixture
def member(world):
    m = world.member_record
    m.phone, m.email = PHONE, EMAIL
    m.save(update_fields=["phone", "email"])
    return m


@pytest.mark.parametrize(
    "role, full",
    [
        ("staff", True),  # the city's staff reach the district's members
        ("district_staff", True),
        ("convener", True),  # the member's own convener
        ("member", True),  # themself
        ("leader", False),
    ],
)
def test_member_api_shows_contact_details_only_to_who_may_contact(world, member, client_for, role, full):
    client = client_for(getattr(world, role))
    body = client.get(reverse("api:member-detail", args=[member.pk])).json()
    assert (body["phone"], body["email"]) == ((PHONE, EMAIL) if full else (MASKED_PHONE, MASKED_EMAIL))
    listed = {m["id"]: m for m in client.get(reverse("api:member-list"), {"page_size": 200}).json()["results"]}
    assert listed[member.pk]["phone"] == (PHONE if full else MASKED_PHONE)


def test_other_group_members_see_a_fellow_member_masked(world, member, client_for):
    """A member of the same committee who is not in the group and does not convene it sees masks."""
    from tests import factories as f

    fellow = f.MembershipFactory(group=world.group, member__user=f.UserFactory(username="fellow")).member
    body = client_for(fellow.user).get(reverse("api:member-detail", args=[member.pk]))
    if body.status_code == 200:
        assert body.json()["phone"] == MASKED_PHONE


def test_record_export_writes_an_audit_event(world):
    from core.exports import record_export
    from core.models import AuditEvent

    record_export(world.staff, "members", 12)
    event = AuditEvent.objects.get(verb="export")
    assert event.actor == world.staff and event.data["rows"] == 12 and event.data["what"] == "members"


def test_admin_export_of_members_is_audited(world, member, rf):
    from django.contrib import admin
    from import_export.formats.base_formats import XLSX

    from core.models import AuditEvent
    from groups.models import Member

    model_admin = admin.site._registry[Member]
    request = rf.post("/admin/groups/member/export/")
    request.user = world.staff
    queryset = model_admin.get_export_queryset(request)
    data = model_admin.get_export_data(XLSX(), request, queryset)
    assert data
    event = AuditEvent.objects.get(verb="export")
    assert event.actor == world.staff and event.data["rows"] == queryset.count() > 0


def test_proposal_figures_export_is_audited(world, client_for):
    from core.models import AuditEvent

    response = client_for(world.staff).get(reverse("proposals:figures_xlsx"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(verb="export", actor=world.staff, comment__startswith="proposal figures").exists()


def test_consultation_figures_export_is_audited(world, client_for):
    from core.models import AuditEvent

    response = client_for(world.staff).get(reverse("consultations:figures"), {"export": "xlsx"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(verb="export", actor=world.staff).exists()

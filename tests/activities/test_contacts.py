"""The members' contact log 联系群众记录: who may record for whom, what each reader sees, the phone form and the API."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities.services.contacts import contact_record
from core.exceptions import DomainError, NotPermitted
from core.models import AuditEvent
from groups.models import ConstituentContact
from tests import factories as f
from tests.groups.factories import png_bytes

pytestmark = pytest.mark.django_db


def record(actor, member, **kw):
    fields = dict(
        contacted_on=timezone.localdate(),
        place="东湖社区活动室",
        whom_kind="household",
        whom="独居老人户",
        topic="livelihood",
        raised="老旧小区加装电梯进度慢",
        follow_up="向住建局反映",
        resident_contact="王阿姨 138****0000",
    )
    return contact_record(actor=actor, member_id=member.pk, **{**fields, **kw})


def test_a_member_records_their_own_contact_with_an_audit_row(world):
    contact = record(world.member, world.member_record)
    assert (contact.member, contact.committee, contact.recorded_by) == (
        world.member_record,
        world.district,
        world.member,
    )
    assert AuditEvent.objects.filter(verb="recorded", object_id=str(contact.pk)).exists()


@pytest.mark.parametrize("who", ["convener", "staff", "district_staff"])
def test_the_groups_convener_and_the_committees_staff_record_for_a_member(world, who):
    contact = record(getattr(world, who), world.member_record)
    assert contact.recorded_by == getattr(world, who)


@pytest.mark.parametrize(
    "who, whose",
    [
        ("member", "convener_member"),  # a member records only their own
        ("other_convener", "member_record"),  # a convener only for their groups' members
        ("other_staff", "member_record"),  # staff of another committee
        ("leader", "member_record"),  # leaders read; they do not record
        ("unit_user", "member_record"),
        ("outsider_member", "member_record"),
    ],
)
def test_anyone_else_is_refused_and_nothing_is_written(world, who, whose):
    actor = getattr(world, who)
    actor = getattr(actor, "user", actor)
    audit = AuditEvent.objects.count()
    with pytest.raises(NotPermitted):
        record(actor, getattr(world, whose))
    assert not ConstituentContact.objects.exists() and AuditEvent.objects.count() == audit


def test_a_contact_needs_a_place_and_no_future_day_and_a_point_of_the_members_committee(world):
    with pytest.raises(DomainError) as exc:
        record(world.member, world.member_record, place="", contacted_on=timezone.localdate() + timedelta(days=1))
    assert {"place", "contacted_on"} <= set(exc.value.message_dict)
    far_point = f.ContactPointFactory(committee=world.other)
    with pytest.raises(DomainError) as exc:
        record(world.member, world.member_record, contact_point=far_point)
    assert "contact_point" in exc.value.message_dict
    assert not ConstituentContact.objects.exists()


def test_a_photo_goes_through_the_upload_validator_and_must_be_an_image(world):
    contact = record(
        world.member, world.member_record, photo=SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    )
    assert contact.photo.name.endswith(".png")
    with pytest.raises(DomainError) as exc:
        record(
            world.member,
            world.member_record,
            photo=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        )
    assert "photo" in exc.value.message_dict


@pytest.mark.parametrize(
    "who, sees", [("staff", True), ("district_staff", True), ("leader", False), ("convener", False), ("member", False)]
)
def test_the_residents_contact_details_are_shown_to_the_committees_staff_only(world, client_for, who, sees):
    record(world.member, world.member_record)
    page = client_for(getattr(world, who)).get(reverse("activities:contacts")).content.decode()
    assert "独居老人户" in page
    assert ("138****0000" in page) is sees
    rows = client_for(getattr(world, who)).get(reverse("api:contact-list")).json()["results"]
    assert [r["resident_contact"] for r in rows] == ["王阿姨 138****0000" if sees else ""]


def test_other_committees_staff_and_other_conveners_see_none_of_them(world, client_for):
    record(world.member, world.member_record)
    for user in (world.other_staff, world.other_convener, world.unit_user):
        assert client_for(user).get(reverse("api:contact-list")).json()["results"] == []
    assert "独居老人户" not in client_for(world.other_convener).get(reverse("activities:contacts")).content.decode()


def test_a_member_records_on_the_phone_form_with_today_as_the_default(world, client_for):
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(point)
    f.ContactPointFactory(committee=world.district, name="阿里工业园")  # not the member's group's: listed after
    client = client_for(world.member)
    form = client.get(reverse("activities:contact_new"))
    body = form.content.decode()
    assert timezone.localdate().isoformat() in body and 'name="member"' not in body
    assert body.index("东湖社区") < body.index("阿里工业园")
    response = client.post(
        reverse("activities:contact_new"),
        {
            "contacted_on": timezone.localdate().isoformat(),
            "contact_point": point.pk,
            "whom_kind": "person",
            "whom": "快递小哥",
            "topic": "governance",
            "raised": "希望设置临时停车点",
        },
    )
    assert response.status_code == 302
    contact = ConstituentContact.objects.get()
    assert (contact.member, contact.contact_point, contact.place) == (world.member_record, point, "")


def test_a_refused_form_is_shown_again_with_what_was_typed(world, client_for):
    response = client_for(world.member).post(
        reverse("activities:contact_new"),
        {
            "contacted_on": timezone.localdate().isoformat(),
            "whom_kind": "person",
            "whom": "快递小哥",
            "topic": "governance",
            "raised": "希望设置临时停车点",
        },
    )
    assert response.status_code == 200 and not ConstituentContact.objects.exists()
    body = response.content.decode()
    assert "快递小哥" in body and "请选择联系点或填写地点" in body


def test_a_convener_picks_one_of_their_groups_members_on_the_form(world, client_for):
    client = client_for(world.convener)
    assert 'name="member"' in client.get(reverse("activities:contact_new")).content.decode()
    response = client.post(
        reverse("activities:contact_new"),
        {
            "member": world.member_record.pk,
            "contacted_on": timezone.localdate().isoformat(),
            "place": "街道",
            "whom_kind": "sector_group",
            "whom": "个体工商户代表",
            "topic": "economy",
            "raised": "融资难",
        },
    )
    assert response.status_code == 302
    assert ConstituentContact.objects.get().member == world.member_record


def test_the_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    record(world.member, world.member_record)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("activities:contacts"))
    for n in range(15):
        record(
            world.convener,
            world.member_record if n % 2 else world.convener_member,
            contact_point=f.ContactPointFactory(committee=world.district),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("activities:contacts"))
    assert response.content.decode().count("独居老人户") == 16


def test_my_contacts_are_paged_and_only_mine(world, client_for):
    for _n in range(25):
        record(world.member, world.member_record)
    record(world.convener, world.convener_member, whom="别人的联系")
    client = client_for(world.convener)
    first = client.get(reverse("activities:contacts") + "?mine=1").content.decode()
    assert "别人的联系" in first  # the convener's own member record
    client = client_for(world.member)
    first = client.get(reverse("activities:contacts") + "?mine=1").content.decode()
    second = client.get(reverse("activities:contacts") + "?mine=1&page=2").content.decode()
    assert first.count("独居老人户") == 20 and second.count("独居老人户") == 5 and "别人的联系" not in first


def test_a_member_creates_a_contact_through_the_api(world, client_for):
    response = client_for(world.member).post(
        reverse("api:contact-list"),
        {
            "contacted_on": timezone.localdate().isoformat(),
            "place": "菜市场",
            "whom_kind": "person",
            "whom": "摊主",
            "topic": "livelihood",
            "raised": "摊位费",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["member"] == world.member_record.pk
    mine = client_for(world.member).get(reverse("api:contact-list") + "?mine=true").json()["results"]
    assert [r["whom"] for r in mine] == ["摊主"]


def test_the_api_refuses_a_member_recording_for_someone_else(world, client_for):
    response = client_for(world.member).post(
        reverse("api:contact-list"),
        {
            "member": world.convener_member.pk,
            "contacted_on": timezone.localdate().isoformat(),
            "place": "菜市场",
            "whom_kind": "person",
            "whom": "摊主",
            "topic": "livelihood",
            "raised": "摊位费",
        },
        content_type="application/json",
    )
    # a member the caller cannot see is no choice at all (400); one they see but may not record for is 403
    assert response.status_code in (400, 403) and not ConstituentContact.objects.exists()
    response = client_for(world.district_staff).post(
        reverse("api:contact-list"),
        {
            "member": world.outsider_member.pk,
            "contacted_on": timezone.localdate().isoformat(),
            "place": "菜市场",
            "whom_kind": "person",
            "whom": "摊主",
            "topic": "livelihood",
            "raised": "摊位费",
        },
        content_type="application/json",
    )
    assert response.status_code in (400, 403) and not ConstituentContact.objects.exists()

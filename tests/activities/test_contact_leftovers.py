"""The contact log's leftovers: the photo behind a permission check, the author's corrections within the window,
the admin for staff of the committee, and contacts at a contact point counting for the 三进 coverage by rule."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivitySettings
from activities.selectors.activities import Period, committees_coverage, group_coverage, groups_coverage
from activities.services.contacts import contact_delete, contact_record, contact_update
from core.exceptions import InvalidTransition, NotPermitted
from groups.models import ConstituentContact
from tests import factories as f
from tests.groups.factories import png_bytes

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def record(world, actor=None, member=None, **kw):
    fields = dict(
        contacted_on=timezone.localdate(),
        place="东湖社区",
        whom_kind="household",
        whom="独居老人户",
        topic="livelihood",
        raised="加装电梯",
    )
    return contact_record(actor=actor or world.member, member_id=(member or world.member_record).pk, **{**fields, **kw})


def test_the_photo_is_shown_to_who_may_see_the_contact_only(world, client_for):
    contact = record(world, photo=SimpleUploadedFile("p.png", png_bytes(), content_type="image/png"))
    url = reverse("activities:contact_photo", args=[contact.pk])
    for user in (world.member, world.convener, world.district_staff):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for user in (world.other_convener, world.other_staff, world.outsider_member.user, world.unit_user):
        assert client_for(user).get(url).status_code == 403


def test_the_author_corrects_and_deletes_within_the_window(world):
    contact = record(world)
    contact_update(contact_id=contact.pk, actor=world.member, whom="退休教师", raised="停车难")
    contact.refresh_from_db()
    assert (contact.whom, contact.raised) == ("退休教师", "停车难")
    with pytest.raises(NotPermitted):
        contact_update(contact_id=contact.pk, actor=world.convener, whom="x")
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(InvalidTransition):
        contact_delete(contact_id=contact.pk, actor=world.member, now=later)
    contact_delete(contact_id=contact.pk, actor=world.member)
    assert not ConstituentContact.objects.filter(pk=contact.pk).exists()


def test_a_locked_quarter_closes_the_window_before_the_days_run_out(world):
    with time_machine.travel(datetime(2026, 3, 30, 10, 0, tzinfo=TZ), tick=False):
        contact = record(world, contacted_on=date(2026, 3, 28))
    ActivitySettings.objects.create(committee=world.district, contact_edit_days=30, quarter_locks_after_days=3)
    with time_machine.travel(datetime(2026, 4, 3, 23, 0, tzinfo=TZ), tick=False):
        contact_update(contact_id=contact.pk, actor=world.member, whom="个体户")  # 3 April: still open
    with time_machine.travel(datetime(2026, 4, 4, 0, 1, tzinfo=TZ), tick=False), pytest.raises(InvalidTransition):
        contact_update(contact_id=contact.pk, actor=world.member, whom="商户")


def test_the_author_corrects_on_the_page_and_the_list_offers_it_only_to_them(world, client_for):
    contact = record(world)
    client = client_for(world.member)
    assert (
        reverse("activities:contact_edit", args=[contact.pk])
        in client.get(reverse("activities:contacts")).content.decode()
    )
    assert (
        reverse("activities:contact_edit", args=[contact.pk])
        not in client_for(world.district_staff).get(reverse("activities:contacts")).content.decode()
    )
    client = client_for(world.member)
    form = client.get(reverse("activities:contact_edit", args=[contact.pk]))
    assert form.status_code == 200
    client.post(
        reverse("activities:contact_edit", args=[contact.pk]),
        {
            "contacted_on": contact.contacted_on.isoformat(),
            "place": "湖滨社区",
            "whom_kind": "person",
            "whom": "居民",
            "topic": "other",
            "raised": "路灯不亮",
        },
    )
    contact.refresh_from_db()
    assert (contact.place, contact.raised) == ("湖滨社区", "路灯不亮")
    assert client.post(reverse("activities:contact_delete", args=[contact.pk])).status_code == 302
    assert not ConstituentContact.objects.filter(pk=contact.pk).exists()


def test_the_api_lets_the_author_correct_and_delete(world, client_for):
    contact = record(world)
    client = client_for(world.member)
    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"whom": "退休教师"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["whom"] == "退休教师"
    assert client_for(world.district_staff).delete(f"/api/v1/contacts/{contact.pk}/").status_code == 403
    assert client_for(world.member).delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204


def test_the_admin_lists_the_staffs_committees_contacts_only(world, client_for):
    mine = record(world)
    far = record(world, actor=world.other_staff, member=world.outsider_member, whom="远山居民")
    staff = client_for(world.district_staff)
    page = staff.get(reverse("admin:groups_constituentcontact_changelist")).content.decode()
    assert "独居老人户" in page and "远山居民" not in page
    assert staff.get(reverse("admin:groups_constituentcontact_change", args=[far.pk])).status_code in (302, 403, 404)
    assert staff.get(reverse("admin:groups_constituentcontact_change", args=[mine.pk])).status_code == 200


# --- Coverage by rule -------------------------------------------------------------------------------------


def test_a_contact_at_a_contact_point_counts_as_reaching_it_when_the_committee_says_so(world):
    today = timezone.localdate()
    period = Period(today.year)
    point = f.ContactPointFactory(committee=world.district)
    record(world, contact_point=point, place="")
    record(world, actor=world.convener, member=world.convener_member)  # a free place: not a contact point
    cov = group_coverage(world.group, period)
    [group] = [
        g for g in groups_coverage(world.group.committee.activity_groups.all(), period) if g.pk == world.group.pk
    ]
    [district] = [c for c in committees_coverage(type(world.district).objects.filter(pk=world.district.pk), period)]
    covered_rows = [m.pk for m in cov.members if m.three_enters or m.point_contacts]
    assert covered_rows == [world.member_record.pk]
    assert group.covered_count == cov.covered == len(covered_rows) == 1  # the figure equals its rows
    assert district.covered_count == 1
    ActivitySettings.objects.create(committee=world.district, contacts_count_for_coverage=False)
    assert group_coverage(world.group, period).covered == 0
    assert [
        g.covered_count
        for g in groups_coverage(world.group.committee.activity_groups.filter(pk=world.group.pk), period)
    ] == [0]


def test_the_coverage_page_shows_the_member_reached_by_contact(world, client_for):
    point = f.ContactPointFactory(committee=world.district)
    record(world, contact_point=point, place="")
    page = client_for(world.district_staff).get(reverse("activities:coverage")).content.decode()
    assert world.group.name in page


@pytest.mark.parametrize("contacts_count", [True, False])
def test_the_workbench_counts_as_uncovered_the_members_the_coverage_page_lists_as_uncovered(
    world, client_for, contacts_count
):
    """One rule (``is_covered``) for both: a member present at a 三进 activity is covered; one who only contacted
    people at a contact point is covered where the committee's rule counts contacts and uncovered where it does not;
    another committee's covered and uncovered members change neither committee's figures."""
    from activities.models import Attendance
    from tests.groups.factories import ThreeEntersFactory, coverage_recounted

    if not contacts_count:
        ActivitySettings.objects.create(committee=world.district, contacts_count_for_coverage=False)
    with time_machine.travel(datetime(2026, 5, 15, 10, 0, tzinfo=TZ), tick=False):
        point = f.ContactPointFactory(committee=world.district)
        for committee, group in (
            (world.district, world.group),
            (world.other, f.ActivityGroupFactory(committee=world.other)),
        ):
            attended, contacted = (f.MembershipFactory(group=group).member for _ in range(2))
            f.MemberFactory(committee=committee)  # neither: uncovered
            held = ThreeEntersFactory(group=group, state="held", starts_at=timezone.now() - timedelta(days=3))
            Attendance.objects.create(activity=held, member=attended, status="present", signed_in_at=held.starts_at)
            ConstituentContact.objects.create(
                committee=committee,
                member=contacted,
                contacted_on=date(2026, 4, 2),
                contact_point=point if committee == world.district else f.ContactPointFactory(committee=committee),
                whom_kind="household",
                whom="一户居民",
                topic="livelihood",
                raised="加装电梯",
            )
        coverage_recounted()  # attendance and contacts written past the services
        client = client_for(world.district_staff)
        todo = client.get(reverse("workbench:todo", args=["uncovered"])).context["page_obj"].paginator
        listed = (
            client.get(
                reverse("activities:coverage_members"),
                {"year": 2026, "quarter": 2, "committee": world.district.pk, "covered": 0},
            )
            .context["page_obj"]
            .paginator
        )
        figure = client.get(reverse("activities:coverage"), {"year": 2026, "quarter": 2}).context["committees"]
    uncovered = {m.pk for m in listed.object_list}
    assert {m.pk for m in todo.object_list} == uncovered
    assert todo.count == listed.count == next(c for c in figure if c.pk == world.district.pk).uncovered_count
    # the world's three district members and the one of neither: uncovered; the one who only contacted: by the rule
    assert todo.count == 4 + (0 if contacts_count else 1)

"""Phone-first tools for conveners (issue #19, item 4): whole-group attendance in one tap, the filing checklist
linked to where each item is entered, the group's own contact points first, member names linked to their record,
and a printable paper sign-in sheet."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.forms import ActivityForm, PlanItemForm
from activities.models import Activity, Attendance
from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory, held_activity

pytestmark = pytest.mark.django_db


def _started(world, *members):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(hours=1))
    for m in (world.convener_member, world.member_record, *members):
        AttendanceFactory(activity=a, member=m)
    return a


def _statuses(a):
    return dict(a.attendances.values_list("member_id", "status"))


def test_all_present_records_every_unmarked_member_present_and_keeps_the_exceptions_the_convener_set(world, client_for):
    absent, excused, unmarked = (f.MembershipFactory(group=world.group).member for _ in range(3))
    a = _started(world, absent, excused, unmarked)
    response = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {
            "version": a.version,
            "all_present": "1",
            f"status_{absent.pk}": "absent",
            f"status_{excused.pk}": "excused",
            f"reason_{excused.pk}": "外出开会",
        },
    )
    assert response.status_code == 302
    statuses = _statuses(a)
    assert statuses[world.member_record.pk] == statuses[unmarked.pk] == Attendance.Status.PRESENT
    assert statuses[absent.pk] == Attendance.Status.ABSENT and statuses[excused.pk] == Attendance.Status.EXCUSED
    # the convener's own row is a deputy's to record: "all present" leaves it alone rather than refusing the form
    assert statuses[world.convener_member.pk] == Attendance.Status.INVITED
    marked = a.attendances.get(member=unmarked)
    assert marked.sign_in_method == Attendance.Method.CONVENER and marked.signed_in_at is not None


def test_all_present_keeps_what_was_recorded_before_and_a_refused_one_saves_nothing(world, client_for):
    """Rows recorded earlier come back checked on the form, so they are sent and kept; an exception that the
    service refuses (excused without a reason) leaves every row as it was."""
    before, unmarked = (f.MembershipFactory(group=world.group).member for _ in range(2))
    a = _started(world, before, unmarked)
    a.attendances.filter(member=before).update(status=Attendance.Status.EXCUSED, leave_reason="病假")
    a.refresh_from_db()
    client = client_for(world.convener)
    refused = client.post(
        reverse("activities:attendance_record", args=[a.pk]),
        {
            "version": a.version,
            "all_present": "1",
            f"status_{before.pk}": "excused",
            f"status_{unmarked.pk}": "excused",
            f"reason_{unmarked.pk}": "",
        },
    )
    assert refused.status_code == 200 and set(_statuses(a).values()) == {"invited", "excused"}
    client.post(
        reverse("activities:attendance_record", args=[a.pk]),
        {"version": a.version, "all_present": "1", f"status_{before.pk}": "excused"},
    )
    statuses = _statuses(a)
    assert statuses[before.pk] == Attendance.Status.EXCUSED and statuses[unmarked.pk] == Attendance.Status.PRESENT


def test_the_attendance_form_offers_all_present_as_a_second_submit_button_without_script(world, client_for):
    a = _started(world)
    page = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    form = page[page.index(reverse("activities:attendance_record", args=[a.pk])) :]
    form = form[: form.index("</form>")]
    assert 'type="submit" name="all_present" value="1"' in form and "全部出席" in form
    # the plain save stays the form's first (default) button: Enter in a reason box does not mark everyone present
    assert form.index('type="submit">') < form.index('name="all_present"')
    assert "<script" not in form and "onclick" not in form


def test_each_missing_item_of_the_filing_checklist_links_to_where_it_is_entered(world, client_for):
    a = held_activity(world, summary="")
    AttendanceFactory(activity=a, member=f.MembershipFactory(group=world.group).member)  # not yet recorded
    page = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    box = re.search(r'data-testid="filing-missing">(.*?)</div>', page, re.S).group(1)
    links = dict((label, href) for href, label in re.findall(r'<a class="alert-link" href="([^"]+)">([^<]+)</a>', box))
    from activities.services import activities as svc

    assert set(links) == set(svc.missing_for_filing(a))  # every item, and nothing else, is a link
    assert links["活动纪要"] == reverse("activities:activity_edit", args=[a.pk]) + "#id_summary"
    assert links["每位受邀委员的出勤情况"] == "#attendance" and links["至少 1 张照片"] == "#evidence"
    for anchor in ("#attendance", "#evidence"):
        assert f'id="{anchor[1:]}"' in page
    assert 'id="id_summary"' in client_for(world.convener).get(links["活动纪要"]).content.decode()


def test_the_contact_point_choices_put_the_groups_own_first(world, client_for):
    others = [f.ContactPointFactory(committee=world.district, name=f"甲{i}社区") for i in range(3)]
    own = f.ContactPointFactory(committee=world.district, name="乙社区")
    world.group.contact_points.add(own)
    f.ContactPointFactory(committee=world.other, name="别处社区")
    for form in (ActivityForm(group=world.group), PlanItemForm(group=world.group)):
        choices = list(form.fields["contact_point"].queryset)
        assert choices[0] == own and set(choices[1:]) == set(others)
    page = client_for(world.convener).get(reverse("activities:activity_new", args=[world.group.pk])).content.decode()
    assert page.index("乙社区") < min(page.index(o.name) for o in others)


def test_member_names_on_the_group_page_link_to_their_record_for_those_who_may_read_it(world, client_for):
    url = reverse("groups:group_detail", args=[world.group.pk])
    page = client_for(world.convener).get(url).content.decode()
    members = list(world.group.memberships.values_list("member_id", flat=True))
    for member_id in members:
        assert f'href="{reverse("assessments:member_record", args=[member_id])}"' in page
    for member_id in members:  # every link opens for the convener
        assert client_for(world.convener).get(reverse("assessments:member_record", args=[member_id])).status_code == 200
    assert 'data-testid="member-record-link"' not in client_for(world.member).get(url).content.decode()


def test_the_sign_in_sheet_lists_the_invited_members_with_empty_signature_cells(
    world, client_for, django_assert_max_num_queries
):
    a = ActivityFactory(group=world.group, state=Activity.State.ANNOUNCED)
    AttendanceFactory(activity=a, member=world.member_record)
    url = reverse("activities:sign_in_sheet", args=[a.pk])
    client = client_for(world.convener)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    extra = [f.MembershipFactory(group=world.group).member for _ in range(8)]
    for m in extra:
        AttendanceFactory(activity=a, member=m)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert "签到表" in page and a.title in page and "@media print" not in page  # the print rules are in the CSS file
    assert "css/sign-in-sheet.css" in page
    for m in [world.member_record, *extra]:
        assert f'<td class="sheet-name">{m.name}</td><td class="sheet-signature"></td>' in page
    assert page.count('class="sheet-signature"></td>') == 9
    detail = client.get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    assert f'href="{url}"' in detail and "打印签到表" in detail
    assert client_for(world.member).get(url).status_code == 403
    assert url not in client_for(world.member).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()


def test_the_sign_in_sheet_print_rules_hide_the_portal_frame():
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "static/css/sign-in-sheet.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".portal-navbar" in print_rules and "footer.container-lg" in print_rules and ".sheet-no-print" in print_rules


@pytest.mark.parametrize("min_documents", [0, 1])
@pytest.mark.parametrize("complete", [True, False])
def test_the_filing_checklist_counted_on_the_pages_rows_is_the_services_own(world, min_documents, complete):
    """#22: the activity page counts the checklist on the rules, evidence and saved statuses it has read
    (``missing_for_filing_items(rules=, evidence=, statuses=)``); the same rule reading them itself agrees, for
    every mix of photos, documents and invited members."""
    from activities.models import ActivitySettings, Evidence
    from activities.services import activities as svc

    ActivitySettings.objects.update_or_create(
        committee=world.district,
        defaults={**ActivitySettings.DEFAULTS, "min_documents": min_documents, "require_complete_attendance": complete},
    )
    for photos, documents, invited in [(0, 0, False), (1, 0, True), (2, 1, False), (0, 2, True)]:
        a = held_activity(world, summary="" if invited else "纪要")
        if invited:
            AttendanceFactory(activity=a, member=f.MembershipFactory(group=world.group).member)
        for kind, n in ((Evidence.Kind.PHOTO, photos), (Evidence.Kind.DOCUMENT, documents)):
            for i in range(n):
                Evidence.objects.create(activity=a, kind=kind, file=f"{kind}{i}", size=1, content_type="image/jpeg")
        read = {
            "rules": ActivitySettings.for_committee(a.committee_id),
            "evidence": list(a.evidence.all()),
            "statuses": list(a.attendances.values_list("status", flat=True)),
        }
        assert svc.missing_for_filing_items(a, **read) == svc.missing_for_filing_items(a)


def test_a_refused_attendance_save_keeps_the_checklist_of_the_saved_statuses(world, client_for):
    """The page shows a refused save's choices again, unsaved: the filing checklist counts the saved statuses (an
    invited member the refused form marked present is still missing)."""
    a = held_activity(world, summary="纪要")
    other = f.MembershipFactory(group=world.group).member
    AttendanceFactory(activity=a, member=other)  # invited, not yet recorded
    # an excused absence without a reason: refused, the choices shown again
    page = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]), {f"status_{other.pk}": "excused", "version": a.version}
    )
    box = re.search(r'data-testid="filing-missing">(.*?)</div>', page.content.decode(), re.S).group(1)
    assert "每位受邀委员的出勤情况" in box

"""The attendance form: offered once the activity has started (before, the page says when); a refused save
comes back with what the convener chose and typed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


def _activity(world, starts_in):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() + starts_in)
    other = f.MembershipFactory(group=world.group).member
    for m in (world.member_record, other):
        AttendanceFactory(activity=a, member=m)
    return a, other


def test_before_the_activity_starts_the_attendance_inputs_are_not_offered_and_the_page_says_when(world, client_for):
    a, _other = _activity(world, timedelta(days=2))
    page = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    assert reverse("activities:attendance_record", args=[a.pk]) not in page
    assert f'name="status_{world.member_record.pk}"' not in page
    opens = timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M")
    assert 'data-testid="attendance-opens"' in page and opens in page and "出勤登记于活动开始时" in page


def test_once_the_activity_has_started_the_attendance_inputs_are_offered(world, client_for):
    a, _other = _activity(world, -timedelta(hours=1))
    page = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    assert reverse("activities:attendance_record", args=[a.pk]) in page
    assert f'name="status_{world.member_record.pk}"' in page and 'data-testid="attendance-opens"' not in page


def test_a_refused_attendance_save_comes_back_with_what_was_chosen_and_typed(world, client_for):
    """One excused absence without a reason: nothing is saved, the page comes back (not a redirect) with the
    other choices and reasons as sent and the message at the row."""
    a, other = _activity(world, -timedelta(hours=1))
    response = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {
            "version": a.version,
            f"status_{world.member_record.pk}": "excused",
            f"reason_{world.member_record.pk}": "",
            f"status_{other.pk}": "excused",
            f"reason_{other.pk}": "赴省里参加培训班",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="赴省里参加培训班"' in page
    assert f'id="s{world.member_record.pk}excused" value="excused" autocomplete="off" checked' in page
    assert f'is-invalid" name="reason_{world.member_record.pk}"' in page and "请假须填写原因" in page
    assert set(a.attendances.values_list("status", flat=True)) == {"invited"}


def test_a_refused_evidence_upload_comes_back_with_the_caption(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from activities.models import Evidence

    a, _other = _activity(world, -timedelta(hours=1))
    response = client_for(world.convener).post(
        reverse("activities:evidence_upload", args=[a.pk]),
        {"file": SimpleUploadedFile("a.jpg", b"not an image"), "caption": "学习会现场：委员们交流心得体会"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="学习会现场：委员们交流心得体会"' in page and "请上传照片" in page
    assert not Evidence.objects.exists()

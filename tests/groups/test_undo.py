"""Undo where the domain allows it: a member withdraws their own undecided leave request, a convener removes a
wrong photo before the activity is filed. Both leave an audit record; both are refused once it is too late."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance, Evidence
from activities.services import activities as svc
from core.exceptions import InvalidTransition, NotPermitted
from core.models import AuditEvent
from tests.groups.factories import ActivityFactory, photo_upload

pytestmark = pytest.mark.django_db


def _announced(world):
    start = timezone.now() + timedelta(days=2)
    activity = svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习座谈",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return svc.activity_announce(activity_id=activity.pk, actor=world.convener)


def _verbs(activity):
    return list(AuditEvent.objects.filter(object_id=str(activity.pk)).values_list("verb", flat=True))


# --- Withdrawing a leave request -------------------------------------------------------------------


def test_a_member_withdraws_their_undecided_leave_request_and_may_ask_again(world):
    activity = _announced(world)
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    row = svc.attendance_withdraw_leave(activity_id=activity.pk, actor=world.member)
    assert (row.leave, row.leave_reason, row.leave_requested_at, row.status) == ("", "", None, "invited")
    assert "leave_withdrawn" in _verbs(activity)
    assert svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="开会").leave == "requested"


@pytest.mark.parametrize("approve", [True, False])
def test_a_decided_leave_cannot_be_withdrawn(world, approve):
    activity = _announced(world)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=approve)
    with pytest.raises(InvalidTransition):
        svc.attendance_withdraw_leave(activity_id=activity.pk, actor=world.member)
    assert Attendance.objects.get(pk=row.pk).leave == ("approved" if approve else "refused")
    assert "leave_withdrawn" not in _verbs(activity)


def test_without_a_request_there_is_nothing_to_withdraw(world):
    activity = _announced(world)
    with pytest.raises(InvalidTransition):
        svc.attendance_withdraw_leave(activity_id=activity.pk, actor=world.member)


def test_only_the_member_withdraws_their_own_leave_not_the_convener_nor_an_outsider(world):
    activity = _announced(world)
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    for actor in (world.outsider_member.user, world.other_staff):
        with pytest.raises(NotPermitted):
            svc.attendance_withdraw_leave(activity_id=activity.pk, actor=actor)
    # the convener is invited too: withdrawing acts on their own row, which has no request
    with pytest.raises(InvalidTransition):
        svc.attendance_withdraw_leave(activity_id=activity.pk, actor=world.convener)
    assert Attendance.objects.get(activity=activity, member=world.member_record).leave == "requested"


def test_a_leave_request_of_a_cancelled_activity_stays(world):
    activity = _announced(world)
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    Activity.objects.filter(pk=activity.pk).update(state=Activity.State.CANCELLED)
    with pytest.raises(InvalidTransition):
        svc.attendance_withdraw_leave(activity_id=activity.pk, actor=world.member)


def test_the_withdraw_page_and_api_call_the_service(world, client):
    activity = _announced(world)
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    client.force_login(world.member)
    response = client.post(
        reverse("activities:leave_withdraw", args=[activity.pk]),
        {"next": reverse("activities:activity_detail", args=[activity.pk])},
    )
    assert response.status_code == 302
    assert Attendance.objects.get(activity=activity, member=world.member_record).leave == ""
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    response = client.post(f"/api/v1/activities/{activity.pk}/leave-withdraw/", content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["leave"] == ""


# --- Removing evidence -----------------------------------------------------------------------------


def _with_photo(world, state="held"):
    activity = ActivityFactory(group=world.group, state=state)
    evidence = svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    return activity, evidence


def test_a_convener_removes_a_wrong_photo_before_filing_and_its_files_go(world, django_capture_on_commit_callbacks):
    activity, evidence = _with_photo(world)
    names = [evidence.file.name, evidence.thumbnail.name]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        svc.evidence_delete(evidence_id=evidence.pk, actor=world.convener)
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not any(default_storage.exists(n) for n in names)
    event = AuditEvent.objects.get(object_id=str(activity.pk), verb="evidence_deleted")
    assert event.data["evidence"] == evidence.pk


@pytest.mark.parametrize("state", ["filed", "cancelled"])
def test_evidence_of_a_filed_or_cancelled_activity_cannot_be_removed(world, state):
    activity, evidence = _with_photo(world)
    Activity.objects.filter(pk=activity.pk).update(state=state)
    with pytest.raises(InvalidTransition):
        svc.evidence_delete(evidence_id=evidence.pk, actor=world.convener)
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert "evidence_deleted" not in _verbs(activity)


def test_only_the_activitys_editors_remove_evidence(world):
    activity, evidence = _with_photo(world)
    for actor in (world.member, world.other_convener, world.outsider_member.user, world.other_staff):
        with pytest.raises(NotPermitted):
            svc.evidence_delete(evidence_id=evidence.pk, actor=actor)
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    svc.evidence_delete(evidence_id=evidence.pk, actor=world.staff)  # the committee's staff may
    assert not Evidence.objects.filter(pk=evidence.pk).exists()


def test_the_remove_page_and_api_call_the_service(world, client):
    activity, evidence = _with_photo(world)
    client.force_login(world.member)
    assert client.post(reverse("activities:evidence_delete", args=[evidence.pk])).status_code == 403
    client.force_login(world.convener)
    assert client.post(reverse("activities:evidence_delete", args=[evidence.pk])).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    _, second = _with_photo(world)
    assert client.delete(f"/api/v1/activities/{second.activity_id}/evidence/{second.pk}/").status_code == 204
    assert not Evidence.objects.filter(pk=second.pk).exists()
    _, third = _with_photo(world)
    # an evidence id of another activity under this activity's URL: not found
    assert client.delete(f"/api/v1/activities/{activity.pk}/evidence/{third.pk}/").status_code == 404

"""One authorization style (#15 item 2): every activity, plan and plenary service takes the actor and refuses one
outside the record's reach with ``core.exceptions.NotPermitted`` — whoever calls it (page, API, admin, task) —
and nothing is written. The pages answer such a refusal 403."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from activities.services import activities as svc
from core.exceptions import NotPermitted
from core.models import AuditEvent
from plenary import services as plenary
from tests.groups.factories import (
    ActivityFactory,
    AnnualPlanFactory,
    AttendanceFactory,
    PlanItemFactory,
    PlenarySessionFactory,
    photo_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(world):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=10))
    AttendanceFactory(activity=a, member=world.member_record, leave=Attendance.Leave.REQUESTED, leave_reason="病")
    return a


def _calls(world, activity):
    row = activity.attendances.get()
    plan = AnnualPlanFactory(group=world.group)
    item = PlanItemFactory(plan=plan)
    session = PlenarySessionFactory(term=world.member_record.term)
    return {
        "activity_create": lambda who: svc.activity_create(
            actor=who,
            group=world.group,
            kind="study",
            title="学习",
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
        ),
        "activity_create_committee": lambda who: svc.activity_create(
            actor=who,
            committee=world.district.pk,
            kind="study",
            title="学习",
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
        ),
        "activity_update": lambda who: svc.activity_update(
            activity_id=activity.pk, actor=who, version=None, place="别处"
        ),
        "activity_delete": lambda who: svc.activity_delete(activity_id=activity.pk, actor=who),
        "activity_announce": lambda who: svc.activity_announce(activity_id=activity.pk, actor=who),
        "activity_hold": lambda who: svc.activity_hold(activity_id=activity.pk, actor=who),
        "activity_file": lambda who: svc.activity_file(activity_id=activity.pk, actor=who),
        "activity_cancel": lambda who: svc.activity_cancel(activity_id=activity.pk, actor=who),
        "activity_invite": lambda who: svc.activity_invite(
            activity_id=activity.pk, actor=who, member_ids=[world.convener_member.pk]
        ),
        "attendance_record": lambda who: svc.attendance_record(
            activity_id=activity.pk, actor=who, version=None, statuses={world.member_record.pk: "present"}
        ),
        "attendance_decide_leave": lambda who: svc.attendance_decide_leave(
            attendance_id=row.pk, actor=who, approve=True
        ),
        "attendance_correct": lambda who: svc.attendance_correct(
            activity_id=activity.pk, actor=who, member_id=world.member_record.pk, status="absent"
        ),
        "attendance_remove": lambda who: svc.attendance_remove(attendance_id=row.pk, actor=who),
        "evidence_upload": lambda who: svc.evidence_upload(activity_id=activity.pk, actor=who, upload=photo_upload()),
        "plan_create": lambda who: svc.plan_create(group=world.group, year=2031, actor=who),
        "plan_item_save": lambda who: svc.plan_item_save(plan=plan, actor=who, item=item, title="改"),
        "plan_item_delete": lambda who: svc.plan_item_delete(item_id=item.pk, actor=who),
        "plenary_attendance_set": lambda who: plenary.plenary_attendance_set(
            session_id=session.pk, member_id=world.member_record.pk, present=1, excused=0, absent=0, actor=who
        ),
        "plenary_attendance_fill_present": lambda who: plenary.plenary_attendance_fill_present(
            session_id=session.pk, actor=who
        ),
        "plenary_session_delete": lambda who: plenary.plenary_session_delete(session_id=session.pk, actor=who),
    }


SERVICES = [
    "activity_create",
    "activity_create_committee",
    "activity_update",
    "activity_delete",
    "activity_announce",
    "activity_hold",
    "activity_file",
    "activity_cancel",
    "activity_invite",
    "attendance_record",
    "attendance_decide_leave",
    "attendance_correct",
    "attendance_remove",
    "evidence_upload",
    "plan_create",
    "plan_item_save",
    "plan_item_delete",
    "plenary_attendance_set",
    "plenary_attendance_fill_present",
    "plenary_session_delete",
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("who", ["member", "other_convener", "other_staff", "leader", "unit_user", "anonymous"])
def test_a_service_refuses_an_actor_outside_the_records_reach_and_writes_nothing(world, activity, service, who):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else getattr(world, who)
    call = _calls(world, activity)[service]
    before = AuditEvent.objects.count()  # the world's own (positions granted, unit users)
    with pytest.raises(NotPermitted):
        call(actor)
    assert AuditEvent.objects.count() == before
    assert Activity.objects.get(pk=activity.pk).state == "announced"


@pytest.mark.parametrize(
    "service",
    [
        "activity_update",
        "activity_cancel",
        "attendance_decide_leave",
        "attendance_correct",
        "plan_item_save",
        "plenary_attendance_set",
    ],
)
def test_the_records_own_staff_pass_the_same_check(world, activity, service):
    _calls(world, activity)[service](world.district_staff)  # no NotPermitted (and the city's staff reach it too)


def test_a_page_answers_a_services_refusal_with_403(world, client_for, activity):
    """The page finds the activity among those the user sees and leaves the rule to the service."""
    client = client_for(world.member)  # invited, so they see it; not its convener
    for url in (
        reverse("activities:activity_transition", args=[activity.pk, "cancel"]),
        reverse("activities:attendance_record", args=[activity.pk]),
        reverse("activities:leave_decide", args=[activity.attendances.get().pk]),
        reverse("activities:evidence_upload", args=[activity.pk]),
    ):
        assert (
            client.post(url, {"decision": "approve", f"status_{world.member_record.pk}": "present"}).status_code == 403
        ), url
    assert Activity.objects.get(pk=activity.pk).state == "announced"
    assert activity.attendances.get().leave == Attendance.Leave.REQUESTED

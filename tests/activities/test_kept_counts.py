"""``Activity.invited_count``, ``present_count`` and ``evidence_count`` are kept by the database (migration
activities/0009), on SQLite and PostgreSQL alike: whatever writes the attendance and evidence rows, and whatever
the application writes back, they equal the rows behind each figure (the ledger's drill-down)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from activities.models import Activity, Attendance, Evidence
from activities.selectors import activities as selectors
from tests.factories import MemberFactory
from tests.groups.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


def counts(activity) -> tuple[int, int, int]:
    return Activity.objects.values_list("invited_count", "present_count", "evidence_count").get(pk=activity.pk)


def drilled(activity) -> tuple[int, int, int]:
    """The figures counted from their rows, as the ledger's drill-down lists them."""
    return (
        selectors.attendance_rows(activity).count(),
        selectors.attendance_rows(activity, status=Attendance.Status.PRESENT).count(),
        Evidence.objects.filter(activity=activity).count(),
    )


def evidence(activity) -> Evidence:
    return Evidence.objects.create(
        activity=activity, kind=Evidence.Kind.PHOTO, file="x.jpg", size=1, content_type="image/jpeg"
    )


def test_every_kind_of_write_to_attendance_and_evidence_keeps_the_counts(world):
    a, b = ActivityFactory(group=world.group), ActivityFactory(group=world.group)
    members = [MemberFactory(committee=world.group.committee) for _ in range(4)]
    assert counts(a) == counts(b) == (0, 0, 0)
    Attendance.objects.bulk_create(Attendance(activity=a, member=m) for m in members)
    assert counts(a) == (4, 0, 0)
    Attendance.objects.filter(activity=a, member__in=members[:3]).update(
        status=Attendance.Status.PRESENT, signed_in_at=timezone.now()
    )
    assert counts(a) == (4, 3, 0)
    row = Attendance.objects.get(activity=a, member=members[0])
    row.status, row.leave_reason = Attendance.Status.EXCUSED, "病假"
    row.save()
    assert counts(a) == (4, 2, 0)
    Attendance.objects.filter(activity=a, member=members[1]).update(activity=b)  # moved to another activity
    assert (counts(a), counts(b)) == ((3, 1, 0), (1, 1, 0))
    Attendance.objects.filter(activity=a, member=members[2]).delete()
    assert counts(a) == (2, 0, 0)
    first, _second = evidence(a), evidence(a)
    assert counts(a) == (2, 0, 2)
    Evidence.objects.filter(pk=first.pk).update(activity=b)
    assert (counts(a), counts(b)) == ((2, 0, 1), (1, 1, 1))
    Evidence.objects.all().delete()
    Attendance.objects.all().delete()
    assert counts(a) == counts(b) == (0, 0, 0)
    for activity in (a, b):
        assert counts(activity) == drilled(activity)


def test_wrong_counts_written_by_the_application_are_corrected(world):
    a = ActivityFactory(group=world.group)
    stale = Activity.objects.get(pk=a.pk)
    Attendance.objects.create(
        activity=a,
        member=MemberFactory(committee=world.group.committee),
        status=Attendance.Status.PRESENT,
        signed_in_at=timezone.now(),
    )
    evidence(a)
    stale.title = "改了标题"
    stale.save()  # the instance read before the invitation and the photo: 0, 0, 0
    assert counts(a) == (1, 1, 1) == drilled(a)
    Activity.objects.filter(pk=a.pk).update(invited_count=7, present_count=0, evidence_count=3)
    assert counts(a) == (1, 1, 1)
    b = ActivityFactory.build(group=world.group, committee=world.group.committee, invited_count=5, evidence_count=2)
    b.save()
    assert counts(b) == (0, 0, 0)


def test_the_api_and_the_ledger_show_the_kept_counts(world, client):
    a = ActivityFactory(group=world.group, committee=world.group.committee)
    Attendance.objects.bulk_create(
        Attendance(activity=a, member=MemberFactory(committee=world.group.committee)) for _ in range(3)
    )
    evidence(a)
    row = selectors.ledger(Activity.objects.filter(pk=a.pk)).get()
    assert (row.invited_count, row.present_count, row.evidence_count) == drilled(a) == (3, 0, 1)
    shown = selectors.api_rows(Activity.objects.filter(pk=a.pk)).values("invited_count", "present_count").get()
    assert shown == {"invited_count": 3, "present_count": 0}


def _triggers_off() -> None:
    """The counting triggers of the three tables switched off for the test's transaction (rolled back after), as a
    restore of the activities apart from their rows would leave them."""
    tables = ("groups_activity", "groups_attendance", "groups_evidence")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks of the rows written so far, first
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            return
        placeholders = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders})", tables
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def test_the_rebuild_command_sets_counts_written_past_the_triggers_and_check_says_so(world):
    activity = ActivityFactory(group=world.group)
    AttendanceFactory(
        activity=activity, member=world.member_record, status=Attendance.Status.PRESENT, signed_in_at=timezone.now()
    )
    evidence(activity)
    call_command("activity_counts_rebuild", "--check")
    _triggers_off()
    Activity.objects.filter(pk=activity.pk).update(
        invited_count=5, present_count=0, evidence_count=0, has_evidence=False
    )
    with pytest.raises(CommandError, match="^1 activities' kept counts differ"):
        call_command("activity_counts_rebuild", "--check")
    call_command("activity_counts_rebuild")
    call_command("activity_counts_rebuild", "--check")
    assert counts(Activity.objects.get(pk=activity.pk)) == drilled(activity)

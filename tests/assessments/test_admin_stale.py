"""An admin correction reaches the duty records the same way a page's does (issue #15): correcting attendance,
editing an activity or changing a rule set in the admin marks exactly the affected quarters stale and writes an
audit record; after the nightly job the snapshot equals the live duty record again."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from activities.models import Activity
from assessments.models import MemberSnapshot, RollupRun
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from core.models import AuditEvent
from tests.groups.factories import ActivityFactory, AttendanceFactory
from tests.test_admin_doors import post_data

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026


@pytest.fixture
def rolled_up(world, time_machine):
    """A rule set, a held study in May (Q2) the member attended, and Q1 to Q3 rolled up, on 4 December."""
    time_machine.move_to(datetime(YEAR, 12, 4, 10, tzinfo=SHANGHAI), tick=False)
    ruleset_create_from_preset(committee=world.district, year=YEAR, preset="minhang", actor=None)
    may = datetime(YEAR, 5, 6, 9, tzinfo=SHANGHAI)
    activity = ActivityFactory(
        group=world.group,
        kind=Activity.Kind.STUDY,
        state=Activity.State.HELD,
        starts_at=may,
        ends_at=may.replace(hour=11),
    )
    attendance = AttendanceFactory(activity=activity, member=world.member_record, status="present", signed_in_at=may)
    other_run = _roll(world.other, 2)
    runs = {q: _roll(world.district, q) for q in (1, 2, 3)}
    return {"activity": activity, "attendance": attendance, "runs": runs, "other_run": other_run}


def _roll(committee, quarter):
    run = rollup_start(committee=committee, year=YEAR, quarter=quarter, actor=None)
    return rollup_execute(run_id=run.pk)


def _stale_quarters(world) -> set[int]:
    return set(RollupRun.objects.filter(committee=world.district, is_stale=True).values_list("quarter", flat=True))


def _live(world, quarter=3):
    return duty_record(world.member_record, YEAR, quarter).breakdown.total


def _snapshot(world, quarter=3):
    return MemberSnapshot.objects.get(member=world.member_record, year=YEAR, quarter=quarter).ytd_total


def _nightly(django_capture_on_commit_callbacks):
    """The beat job that recomputes stale roll-ups, and the roll-ups it queues, run eagerly."""
    from assessments.tasks import run_rollup, start_due_rollups

    with django_capture_on_commit_callbacks(execute=False):
        started = start_due_rollups()
    for run_id in started:
        run_rollup.apply(args=(run_id,))
    return started


def _post_change(client, url, **changes):
    data = post_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    return response


def _settles(world, rolled_up, django_capture_on_commit_callbacks, verb, quarter=3):
    """Exactly Q2 and Q3 (the quarter of the change and the later ones of its year) are stale, an audit record
    names the change, the live record moved away from the snapshot, and the nightly job brings them together."""
    assert _stale_quarters(world) == {2, 3}
    assert not RollupRun.objects.get(pk=rolled_up["other_run"].pk).is_stale
    assert AuditEvent.objects.filter(verb=verb, actor=world.district_staff).exists()
    before = (_live(world, quarter), _snapshot(world, quarter))
    assert before[0] != before[1]
    _nightly(django_capture_on_commit_callbacks)
    assert _stale_quarters(world) == set()
    assert _snapshot(world, quarter) == _live(world, quarter) == before[0]
    return before


def test_correcting_attendance_in_the_admin_marks_its_quarters_stale_and_the_nightly_job_settles_them(
    world, client_for, rolled_up, django_capture_on_commit_callbacks
):
    url = reverse("admin:activities_attendance_change", args=[rolled_up["attendance"].pk])
    _post_change(client_for(world.district_staff), url, status="absent")
    live, snapshot = _settles(world, rolled_up, django_capture_on_commit_callbacks, "attendance_corrected")
    assert live < snapshot  # measured: an absence instead of a study


def test_correcting_attendance_on_the_activity_page_of_the_admin_does_the_same(
    world, client_for, rolled_up, django_capture_on_commit_callbacks
):
    url = reverse("admin:activities_activity_change", args=[rolled_up["activity"].pk])
    _post_change(client_for(world.district_staff), url, **{"attendances-0-status": "absent"})
    _settles(world, rolled_up, django_capture_on_commit_callbacks, "attendance_corrected")


def test_editing_an_activity_in_the_admin_marks_its_quarters_stale_and_the_nightly_job_settles_them(
    world, client_for, rolled_up, django_capture_on_commit_callbacks
):
    url = reverse("admin:activities_activity_change", args=[rolled_up["activity"].pk])
    # Moved from May (Q2) to August (Q3): the second quarter's year-to-date loses it.
    _post_change(client_for(world.district_staff), url, starts_at_0="2026-08-06", ends_at_0="2026-08-06")
    live, snapshot = _settles(world, rolled_up, django_capture_on_commit_callbacks, "updated", quarter=2)
    assert live < snapshot


def test_changing_a_rule_set_in_the_admin_marks_its_years_quarters_stale_and_the_nightly_job_settles_them(
    world, client_for, rolled_up, django_capture_on_commit_callbacks
):
    from assessments.models import RuleSet

    rule_set = RuleSet.objects.get(committee=world.district, year=YEAR)
    url = reverse("admin:assessments_ruleset_change", args=[rule_set.pk])
    _post_change(client_for(world.district_staff), url, base_score=str(rule_set.base_score + 5))
    assert _stale_quarters(world) == {1, 2, 3}  # the whole year is scored with the rule set
    assert not RollupRun.objects.get(pk=rolled_up["other_run"].pk).is_stale
    assert AuditEvent.objects.filter(verb="updated", object_id=str(rule_set.pk), actor=world.district_staff).exists()
    live = _live(world)
    assert live == _snapshot(world) + 5
    _nightly(django_capture_on_commit_callbacks)
    assert _stale_quarters(world) == set()
    assert _snapshot(world) == _live(world) == live


def test_a_filed_activity_cannot_be_changed_in_the_admin(world, client_for, rolled_up):
    activity = rolled_up["activity"]
    Activity.objects.filter(pk=activity.pk).update(state=Activity.State.FILED)
    client = client_for(world.district_staff)
    url = reverse("admin:activities_attendance_change", args=[rolled_up["attendance"].pk])
    page = client.get(url)
    client.post(url, {**post_data(page), "status": "absent"})
    assert rolled_up["attendance"].__class__.objects.get(pk=rolled_up["attendance"].pk).status == "present"
    assert _stale_quarters(world) == set()


def test_a_membership_edited_in_the_admin_marks_the_quarters_it_counted_in_stale(world, client_for, rolled_up):
    from groups.models import GroupMembership

    membership = GroupMembership.objects.get(group=world.group, member=world.member_record)
    RollupRun.objects.update(is_stale=False)
    url = reverse("admin:groups_groupmembership_change", args=[membership.pk])
    _post_change(client_for(world.district_staff), url, left_on="2026-08-01")
    assert _stale_quarters(world) == {3}  # the quarter it now ends in; before August it still counted
    assert AuditEvent.objects.filter(verb="updated", object_id=str(membership.pk)).exists()


def test_a_member_who_leaves_in_the_admin_makes_the_years_roll_ups_stale(world, client_for, rolled_up):
    url = reverse("admin:groups_member_change", args=[world.member_record.pk])
    _post_change(client_for(world.district_staff), url, status="left")
    assert _stale_quarters(world) == {1, 2, 3}
    assert not RollupRun.objects.get(pk=rolled_up["other_run"].pk).is_stale

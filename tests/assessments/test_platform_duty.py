"""Platform work 履职平台工作 in the duty record: a platform's member present at an activity held at the platform has
a ``platform_work`` line besides the activity's own, priced only by a rule set with a rule for it, the same by the
page's scorer and the SQL roll-up."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from activities.models import Activity, Attendance
from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot, PointRule, RuleSet
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start
from groups.models import CommitteeStaff
from groups.services import platforms as platform_services
from tests import factories as f
from tests.assessments.helpers import D
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def _platform_activity(world, platform, on: date, title: str) -> Activity:
    starts_at = timezone.make_aware(datetime(on.year, on.month, on.day, 9))
    activity = ActivityFactory(
        group=None,
        platform=platform,
        committee=world.district,
        title=title,
        starts_at=starts_at,
        state=Activity.State.HELD,
    )
    Attendance.objects.create(
        activity=activity,
        member=world.member_record,
        status=Attendance.Status.PRESENT,
        signed_in_at=starts_at,
        sign_in_method=Attendance.Method.CONVENER,
    )
    return activity


@time_machine.travel(date(2026, 6, 30), tick=False)
def test_a_platform_members_work_at_it_is_in_the_duty_record_and_priced_the_same_by_both_engines(world):
    platform = f.PlatformFactory(committee=world.district, name="东湖界别同心汇")
    chair = f.MemberFactory(committee=world.district, user=f.UserFactory(), term=world.member_record.term)
    CommitteeStaff.objects.create(user=chair.user, committee=world.district, role=CommitteeStaff.Role.LEADER)
    for member, role in ((world.member_record, "initiator"), (chair, "liaison_chair")):
        platform_services.platform_member_add(
            actor=world.district_staff,
            platform_id=platform.pk,
            member_id=member.pk,
            role=role,
            joined_on=date(2026, 1, 5),
        )
    first = _platform_activity(world, platform, date(2026, 4, 8), "界别协商会")
    _platform_activity(world, platform, date(2026, 5, 13), "委员接待日")
    rule_set = RuleSet.objects.create(committee=world.district, year=2026)
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=D(1), category="活动")
    record = duty_record(world.member_record, 2026)
    lines = [line for line in record.lines if line.event.kind == K.PLATFORM_WORK]
    assert [(line.event.on, line.event.title, line.event.source) for line in lines][0] == (
        date(2026, 4, 8),
        "东湖界别同心汇 · 界别协商会",
        ("groups.activity", first.pk),
    )
    assert len(lines) == 2 and record.breakdown.total == D(2)  # shown; unpriced, it adds nothing
    PointRule.objects.create(rule_set=rule_set, kind=K.PLATFORM_WORK, points=D(1.5), category="平台履职")
    record = duty_record(world.member_record, 2026)
    assert record.breakdown.total == D(5)
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    mine = MemberSnapshot.objects.get(member=world.member_record, quarter=2)
    assert (mine.ytd_total, mine.points_by_category) == (D(5), {"活动": "2.00", "平台履职": "3.00"})

"""The issue's journey in the services: a member whose expertise fits an open activity is suggested, signs up,
attends, records a contact there; the duty record shows the sign-up, the attendance and the contact, each priced
by a rule set that prices them, the same by the page's scorer and the SQL roll-up."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from activities.models import Activity
from activities.selectors.signup import suggested_members
from activities.services import activities as svc
from activities.services.contacts import contact_record
from activities.services.signup import activity_sign_up, activity_signup_withdraw
from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot, PointRule, RuleSet
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start
from groups.services.expertise import member_expertise_set
from tests import factories as f
from tests.assessments.helpers import D

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


@time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=TZ), tick=False)
def test_a_suggested_member_signs_up_attends_and_contacts_people_and_each_is_priced(world):
    elderly = f.ExpertiseFactory(committee=world.district, name="养老服务")
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    point.needs.set([elderly])
    member_expertise_set(member_id=world.member_record.pk, actor=world.member, expertise_ids=[elderly.pk])
    starts = datetime(2026, 5, 6, 9, 0, tzinfo=TZ)
    activity = svc.activity_create(
        actor=world.other_convener,
        group=world.other_group,
        kind="three_enters",
        target="community",
        contact_point=point,
        title="进社区走访独居老人",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        open_to=Activity.OpenTo.COMMITTEE,
        capacity=10,
        signup_deadline=starts - timedelta(days=1),
        topic=elderly,
    )
    assert [s.member for s in suggested_members(activity)] == [world.member_record]
    activity_sign_up(activity_id=activity.pk, actor=world.member)
    svc.activity_announce(activity_id=activity.pk, actor=world.other_convener)
    with time_machine.travel(starts + timedelta(hours=1), tick=False):
        svc.attendance_record(
            activity_id=activity.pk,
            actor=world.other_convener,
            version=None,
            statuses={world.member_record.pk: "present"},
        )
        svc.activity_hold(activity_id=activity.pk, actor=world.other_convener)
        contact_record(
            actor=world.member,
            member_id=world.member_record.pk,
            contacted_on=starts.date(),
            contact_point=point,
            whom_kind="household",
            whom="独居老人户",
            topic="livelihood",
            raised="助餐点太远",
        )
    rule_set = RuleSet.objects.create(committee=world.district, year=2026)
    for kind, points, category in (
        (K.ACTIVITY_PRESENT, 5, "活动"),
        (K.ACTIVITY_SIGNUP, 2, "申报"),
        (K.CONSTITUENT_CONTACT, 1, "联系群众"),
    ):
        PointRule.objects.create(rule_set=rule_set, kind=kind, points=D(points), category=category)
    with time_machine.travel(datetime(2026, 7, 2, 9, 0, tzinfo=TZ), tick=False):
        record = duty_record(world.member_record, 2026)
        priced = {line.event.kind: line.points for line in record.lines}
        assert priced == {K.ACTIVITY_THREE_ENTERS: D(5), K.ACTIVITY_SIGNUP: D(2), K.CONSTITUENT_CONTACT: D(1)}
        assert record.breakdown.total == D(8)
        run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
        rollup_execute(run_id=run.pk)
    mine = MemberSnapshot.objects.get(member=world.member_record, quarter=2)
    assert mine.ytd_total == D(8)
    assert mine.points_by_category == {"活动": "5.00", "申报": "2.00", "联系群众": "1.00"}


@time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=TZ), tick=False)
def test_a_withdrawn_sign_up_and_an_invitation_score_no_sign_up(world):
    starts = datetime(2026, 5, 6, 9, 0, tzinfo=TZ)
    activity = svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        open_to="committee",
    )
    outsider = f.MemberFactory(committee=world.district, user=f.UserFactory())
    activity_sign_up(activity_id=activity.pk, actor=outsider.user)
    activity_signup_withdraw(activity_id=activity.pk, actor=outsider.user)
    svc.activity_announce(activity_id=activity.pk, actor=world.convener)
    with time_machine.travel(starts + timedelta(hours=1), tick=False):
        svc.attendance_record(
            activity_id=activity.pk,
            actor=world.district_staff,
            version=None,
            statuses={world.member_record.pk: "present", world.convener_member.pk: "present"},
        )
        svc.activity_hold(activity_id=activity.pk, actor=world.convener)
    kinds = [line.event.kind for line in duty_record(world.member_record, 2026).lines]
    assert kinds == [K.ACTIVITY_STUDY]
    assert not [line for line in duty_record(outsider, 2026).lines]
    assert date(2026, 5, 6) == starts.date()

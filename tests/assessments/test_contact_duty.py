"""联系群众 in the duty record: a recorded contact is a ``constituent_contact`` event, priced only by a rule set
that has a rule for it, the same by the page's scorer and the SQL roll-up, and recording one stales the quarter."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from activities.services.contacts import contact_record
from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot, PointRule, RollupRun, RuleSet
from assessments.rollup import quarter_of
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start
from tests.assessments.helpers import D

pytestmark = pytest.mark.django_db


def _contact(world, on, whom="退休教师"):
    return contact_record(
        actor=world.member,
        member_id=world.member_record.pk,
        contacted_on=on,
        place="社区",
        whom_kind="sector_group",
        whom=whom,
        topic="livelihood",
        raised="加装电梯",
    )


@time_machine.travel(date(2026, 6, 30), tick=False)
def test_a_recorded_contact_is_in_the_duty_record_and_priced_by_a_rule_for_it_in_both_engines(world):
    first = _contact(world, date(2026, 5, 6))
    _contact(world, date(2026, 5, 20), whom="个体户")
    rule_set = RuleSet.objects.create(committee=world.district, year=2026)
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=D(2), category="活动")
    record = duty_record(world.member_record, 2026)
    lines = [line for line in record.lines if line.event.kind == K.CONSTITUENT_CONTACT]
    assert [(line.event.on, line.event.title, line.event.source) for line in lines][0] == (
        date(2026, 5, 6),
        "退休教师",
        ("groups.constituentcontact", first.pk),
    )
    assert len(lines) == 2 and record.breakdown.total == D(0)  # shown, but a kind without a price scores nothing
    PointRule.objects.create(rule_set=rule_set, kind=K.CONSTITUENT_CONTACT, points=D(1.5), category="联系群众")
    record = duty_record(world.member_record, 2026)
    assert record.breakdown.total == D(3)
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    mine = MemberSnapshot.objects.get(member=world.member_record, quarter=2)
    assert (mine.ytd_total, mine.points_by_category) == (D(3), {"联系群众": "3.00"})


def test_recording_a_contact_makes_the_quarters_roll_up_stale(world):
    today = timezone.localdate()
    run = RollupRun.objects.create(
        committee=world.district, year=today.year, quarter=quarter_of(today), status=RollupRun.Status.DONE
    )
    _contact(world, today)
    assert RollupRun.objects.get(pk=run.pk).is_stale

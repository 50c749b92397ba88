"""A declined report's ``report_not_adopted`` stays on the day it was declined, whatever is saved on the report later."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from assessments.sources import duty_events
from core.services import record_save
from proposals.models import OpinionReport
from proposals.services import report_decline
from tests.assessments.helpers import D
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 10))


def _not_adopted(world, year):
    me = world.member_record
    return [
        e.on
        for _m, e in duty_events(world.district, date(year, 1, 1), date(year, 12, 31), member_ids=[me.pk])
        if str(e.kind) == str(K.REPORT_NOT_ADOPTED)
    ]


def _reports_points(world, year, quarter):
    run = rollup_start(committee=world.district, year=year, quarter=quarter, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    mine = MemberSnapshot.objects.get(year=year, quarter=quarter, member=world.member_record)
    return D(mine.points_by_category.get("社情民意", 0))


def test_an_admin_save_of_a_declined_report_leaves_its_point_where_it_was_declined(world):
    """Submitted in November 2025, declined on 10 December 2025; in February 2026 the staff open it in the admin and
    save (adding an adoption row saves the report too). By hand, 合肥's rules (not adopted 1, 社情民意): 1 point in 2025's
    fourth quarter, none in 2026's first, before and after the save. Before the fix the fact was dated by
    ``updated_at``: the save moved the point into 2026 (the first quarter 1, the fourth of 2025 0), and no event marked
    2026 stale (the admin edit marks the submission day's quarter on, in 2025)."""
    for year in (2025, 2026):
        ruleset_create_from_preset(committee=world.district, year=year, preset="hefei", actor=None)
    report = OpinionReportFactory(
        committee=world.district, author=world.member_record, state=OpinionReport.State.SUBMITTED
    )
    OpinionReport.objects.filter(pk=report.pk).update(created_at=at(2025, 11, 20), updated_at=at(2025, 11, 20))
    with time_machine.travel(at(2025, 12, 10), tick=False):
        report_decline(report_id=report.pk, actor=world.district_staff, reason="内容与已采用信息重复")
    assert _not_adopted(world, 2025) == [date(2025, 12, 10)]

    with time_machine.travel(at(2026, 2, 10), tick=False):
        record_save(obj=OpinionReport.objects.get(pk=report.pk), actor=world.district_staff, changed=[])
    assert OpinionReport.objects.get(pk=report.pk).updated_at == at(2026, 2, 10)  # the save moved updated_at

    assert _not_adopted(world, 2025) == [date(2025, 12, 10)]
    assert _not_adopted(world, 2026) == []
    assert (_reports_points(world, 2025, 4), _reports_points(world, 2026, 1)) == (D(1), D(0))

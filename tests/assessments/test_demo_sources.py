"""The demo shows plenary half-days and excellent proposals on the demo member's duty record."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.kinds import EventKind as K
from assessments.selectors import duty_record
from groups.models import Member
from plenary.models import PlenaryAttendance
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_plenary_with_attendance_and_a_few_excellent_proposals():
    call_command("seed_demo", members=60, districts=1, force=True, verbosity=0)
    members = Member.objects.filter(status=Member.Status.ACTIVE).count()
    assert PlenaryAttendance.objects.count() == members
    assert PlenaryAttendance.objects.filter(excused__gt=0).exists()
    assert 1 <= Proposal.objects.filter(is_excellent=True).count() <= 4
    demo_member = Member.objects.get(user__username="member")
    kinds = {line.event.kind for line in duty_record(demo_member, timezone.localdate().year).lines}
    assert {K.PLENARY_PRESENT, K.PLENARY_EXCUSED} <= kinds

"""The demo holds activities at its duty platforms, attended by the platforms' members; the demo rule sets price
that platform work, so the demo member's duty record shows it with points, and their platforms page lists their
street's studio with what is coming up there."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from activities.selectors.platforms import platform_page
from assessments.kinds import EventKind as K
from assessments.models import PointRule, RuleSet
from assessments.selectors import duty_record
from groups.models import Member, Platform
from groups.models.platforms import PlatformDocument

pytestmark = pytest.mark.django_db


def test_the_demo_members_duty_record_shows_priced_work_at_their_platform():
    call_command("seed_demo", members=60, districts=1, force=True, verbosity=0)
    year = timezone.localdate().year
    at_platforms = Activity.objects.filter(platform__isnull=False)
    assert at_platforms.filter(state__in=("held", "filed")).exists()
    assert at_platforms.filter(state="announced", starts_at__gt=timezone.now()).exists()
    assert not at_platforms.filter(platform__state=Platform.State.PROPOSED).exists()
    assert Attendance.objects.filter(activity__platform__isnull=False, status="present").exists()
    rule_sets = RuleSet.objects.filter(year=year)
    assert rule_sets.count() == PointRule.objects.filter(rule_set__in=rule_sets, kind=K.PLATFORM_WORK).count() >= 2

    demo_member = Member.objects.get(user__username="member")
    work = [line for line in duty_record(demo_member, year).lines if line.event.kind == K.PLATFORM_WORK]
    assert work and all(line.points > 0 for line in work)

    client = Client()
    client.force_login(demo_member.user)
    body = client.get(reverse("activities:my_platforms")).content.decode()
    studio = Platform.objects.filter(memberships__member=demo_member, state=Platform.State.ESTABLISHED).first()
    assert studio is not None and studio.name in body and "data-upcoming" in body

    established = Platform.objects.filter(state=Platform.State.ESTABLISHED).first()
    assert PlatformDocument.objects.filter(platform=established).count() == 3
    haves = {h.key: h.met for h in platform_page(established, year).haves}
    assert haves["venue"] and haves["sign"] and haves["rules"]

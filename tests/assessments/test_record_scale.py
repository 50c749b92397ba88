"""The duty-record page reads the real sources in a fixed number of queries, however much a member did."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from core.models import User
from groups.models import Member
from proposals.models import Adoption, CoSigner, OpinionReport, Proposal

pytestmark = pytest.mark.django_db


def _queries(client, year: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("assessments:my_record"), {"year": year})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_duty_record_on_the_demo_data_has_a_fixed_query_count(client):
    call_command("seed_demo", members=40, districts=0, force=True, verbosity=0)
    year = timezone.localdate().year
    client.force_login(User.objects.get(username="member"))
    member = Member.objects.get(user__username="member")
    client.get(reverse("assessments:my_record"))  # warm the caches (rule book, session)
    before = _queries(client, year)
    assert Attendance.objects.filter(member=member, activity__state__in=["held", "filed"]).exists()

    # a much busier year: thirty more activities attended, proposals with co-signers, reports adopted
    start = timezone.now().replace(month=1, day=15, hour=9, minute=0, second=0, microsecond=0)
    activities = Activity.objects.bulk_create(
        Activity(
            committee=member.committee,
            kind="study",
            title=f"学习会{i}",
            starts_at=start + timedelta(days=i),
            ends_at=start + timedelta(days=i, hours=2),
            state="filed",
        )
        for i in range(30)
    )
    Attendance.objects.bulk_create(
        Attendance(activity=a, member=member, status="present", signed_in_at=a.starts_at) for a in activities
    )
    other = Member.objects.exclude(pk=member.pk).first()
    for i in range(5):
        p = Proposal.objects.create(
            committee=member.committee,
            year=year,
            lead_proposer=other,
            title=f"关于第{i}件事的建议",
            suggestions="建议。",
            category="urban",
            state="filed",
            serial_number=900 + i,
            submitted_at=start,
            filed_at=start + timedelta(days=5),
            is_key=i == 0,
        )
        CoSigner.objects.create(proposal=p, member=member, status="confirmed", deadline=start.date())
        report = OpinionReport.objects.create(
            committee=member.committee, year=year, author=member, title=f"情况反映{i}", content="内容", state="compiled"
        )
        Adoption.objects.create(report=report, level="city", date=start.date() + timedelta(days=30))
    assert _queries(client, year) == before

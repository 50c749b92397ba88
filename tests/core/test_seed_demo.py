import pytest
from django.core.management import CommandError, call_command
from django.db import models

from groups.models import ActivityGroup, Committee, ContactPoint, GroupMembership, HandlingUnit, Member, Platform

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_city_with_districts_and_the_demo_logins(client):
    call_command("seed_demo", members=120, districts=2, force=True, verbosity=0)
    assert Committee.objects.filter(level="city").count() == 1
    assert Committee.objects.filter(level="district", parent__level="city").count() == 2
    assert Member.objects.count() >= 120
    assert ActivityGroup.objects.filter(kind="street").exists() and ActivityGroup.objects.filter(kind="sector").exists()
    staffed = ActivityGroup.objects.filter(memberships__isnull=False).distinct()
    assert GroupMembership.objects.filter(role="convener").count() == staffed.count() > 0
    assert {k for k, _ in ContactPoint.Kind.choices} == set(ContactPoint.objects.values_list("kind", flat=True))
    assert Platform.objects.exists() and HandlingUnit.objects.exists()
    for username in ("staff", "convener", "member", "unit", "leader"):
        response = client.post("/accounts/login/", {"username": username, "password": "demo-pass-2026"})
        assert response.status_code == 302, username
        client.logout()


def test_seed_demo_refuses_a_database_that_holds_data():
    call_command("seed_demo", members=20, districts=1, force=True, verbosity=0)
    with pytest.raises(CommandError):
        call_command("seed_demo", members=20, districts=1, force=True, verbosity=0)
    call_command("seed_demo", members=20, districts=1, if_empty=True, force=True, verbosity=0)  # a no-op


def test_seed_demo_refuses_to_run_in_production_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", members=20, districts=0, verbosity=0)
    call_command("seed_demo", members=20, districts=0, force=True, verbosity=0)
    assert Member.objects.count() == 20


def test_seed_demo_adds_a_year_of_plans_activities_and_attendance(client):
    from groups.models import Activity, AnnualPlan, Attendance

    call_command("seed_demo", members=120, districts=1, force=True, verbosity=0)
    assert AnnualPlan.objects.count() == ActivityGroup.objects.count()
    assert Activity.objects.filter(state="filed").exists() and Activity.objects.filter(kind="three_enters").exists()
    assert Attendance.objects.filter(status="present").exists()
    member = Member.objects.get(user__username="member")
    assert Attendance.objects.filter(member=member, activity__state="announced").exists()
    assert Attendance.objects.filter(member=member, activity__state__in=["held", "filed"]).exists()


def test_seed_demo_has_two_years_in_the_proportions_of_a_real_committee():
    """About 10 activities, 100 attendance rows and 4 proposals per member, over last year and this one."""
    from django.utils import timezone

    from consultations.models import Attendance as SessionAttendance
    from groups.models import Activity, Attendance
    from proposals.models import Adoption, CoSigner, Instruction, Proposal

    call_command("seed_demo", members=200, districts=1, force=True, verbosity=0)
    year = timezone.localdate().year
    assert Activity.objects.count() == 2000
    assert set(Activity.objects.values_list("starts_at__year", flat=True)) == {year - 1, year}
    assert set(Activity.objects.values_list("state", flat=True)) == set(Activity.State.values)
    assert 7 * 2000 < Attendance.objects.count() < 13 * 2000
    assert set(Attendance.objects.values_list("status", flat=True)) == set(Attendance.Status.values)
    assert Attendance.objects.filter(leave="requested").exists()
    assert not Attendance.objects.filter(activity__state__in=["held", "filed"], status="invited").exists()
    enters = Activity.objects.filter(kind="three_enters")
    assert enters.count() > 200 and enters.filter(contact_point__isnull=True).count() <= 1  # the demo week's one
    assert not enters.filter(contact_point__isnull=False).exclude(contact_point__kind=models.F("target")).exists()
    assert Proposal.objects.count() == 800
    assert Proposal.objects.filter(year=year - 1, state="closed").count() > 150
    assert CoSigner.objects.filter(status="confirmed").exists()
    assert Proposal.objects.filter(is_key=True).exists() and Proposal.objects.filter(filed_at__year=year - 1).exists()
    assert Adoption.objects.filter(date__year=year - 1).exists() and Instruction.objects.exists()
    assert SessionAttendance.objects.filter(status="present").exists()

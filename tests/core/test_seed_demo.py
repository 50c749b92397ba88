import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from groups.models import ActivityGroup, Committee, ContactPoint, GroupMembership, HandlingUnit, Member, Platform
from tests.conftest import ROOT

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
    from activities.models import MessageRating, PublicMessage
    from groups.models import Inspection, SupervisionVisit, WorkReport

    assert set(PublicMessage.objects.values_list("state", flat=True)) == set(PublicMessage.State.values)
    assert set(MessageRating.objects.values_list("rating", flat=True)) == {"satisfied", "basic", "unsatisfied"}
    assert SupervisionVisit.objects.exists() and WorkReport.objects.exists()
    assert set(Inspection.objects.values_list("state", flat=True)) == {"open", "closed"}
    from activities.models import Lead

    assert set(Lead.objects.values_list("state", flat=True)) == {"open", "converted", "closed"}
    taken = Lead.objects.get(proposals__isnull=False)
    assert taken.messages.exists() and taken.contacts.exists() and taken.suggestions.exists()
    pooled = taken.messages.first()
    assert "已转为提案" in client.get(reverse("activities:mailbox_track", args=[pooled.tracking_code])).content.decode()
    for username in ("staff", "convener", "member", "unit", "leader"):
        response = client.post("/accounts/login/", {"username": username, "password": "demo-pass-2026"})
        assert response.status_code == 302, username
        client.logout()


def test_seed_demo_builds_a_province_of_cities_sharing_the_districts():
    """``--cities``: the province-shaped dataset of the scale benchmark (``bench/province.py``)."""
    from assessments.models import RuleSet
    from groups.access import scope_of

    call_command("seed_demo", members=140, districts=4, cities=2, force=True, verbosity=0)
    province = Committee.objects.get(level="province", parent=None)
    cities = Committee.objects.filter(level="city", parent=province)
    assert cities.count() == 2
    districts = Committee.objects.filter(level="district")
    assert sorted(districts.values_list("parent__code", flat=True)) == ["city-2", "city-2", "linjiang", "linjiang"]
    assert districts.values("name").distinct().count() == 4
    assert set(Member.objects.values_list("committee__level", flat=True)) == {"province", "city", "district"}
    assert RuleSet.objects.values("committee").distinct().count() == 7
    staff = get_user_model().objects.get(username="staff")
    assert all(scope_of(staff).is_staff_of(pk) for pk in districts.values_list("pk", flat=True))


def test_seed_demo_refuses_a_database_that_holds_data():
    call_command("seed_demo", members=20, districts=1, force=True, verbosity=0)
    with pytest.raises(CommandError):
        call_command("seed_demo", members=20, districts=1, force=True, verbosity=0)
    call_command("seed_demo", members=20, districts=1, if_empty=True, force=True, verbosity=0)  # a no-op


def test_production_settings_leave_the_demo_app_out_unless_demo_is_asked_for():
    """DEBUG off: no demo app and no seed_demo command; DEMO=true brings both back (a staging site)."""
    probe = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('demo'))"
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "cppcc_portal.settings", "DEBUG": "false", "SECRET_KEY": "x" * 50}
    base.pop("DEMO", None)
    for extra, installed in (({}, "False"), ({"DEMO": "true"}, "True")):
        result = subprocess.run(
            [sys.executable, "-c", probe], env={**base, **extra}, cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == installed, (extra, result.stderr)


def test_seed_demo_refuses_to_run_in_production_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", members=20, districts=0, verbosity=0)
    call_command("seed_demo", members=20, districts=0, force=True, verbosity=0)
    assert Member.objects.count() == 20


def test_seed_demo_adds_a_year_of_plans_activities_and_attendance(client):
    from activities.models import Activity, AnnualPlan, Attendance

    call_command("seed_demo", members=120, districts=1, force=True, verbosity=0)
    assert AnnualPlan.objects.count() == ActivityGroup.objects.count()
    assert Activity.objects.filter(state="filed").exists() and Activity.objects.filter(kind="three_enters").exists()
    assert Attendance.objects.filter(status="present").exists()
    member = Member.objects.get(user__username="member")
    assert Attendance.objects.filter(member=member, activity__state="announced").exists()
    assert Attendance.objects.filter(member=member, activity__state__in=["held", "filed"]).exists()
    # its last step counted the coverage cells of everything it loaded, and the committees' covered counts (#22)
    from activities.coverage import committee_differences, differences
    from activities.models import CommitteeCoverage, CoverageTally

    assert CoverageTally.objects.filter(three_enters__gt=0).exists()
    assert CoverageTally.objects.filter(point_contacts__gt=0).exists()
    assert differences() == {}
    assert CommitteeCoverage.objects.filter(quarter=0, covered__gt=0).exists()
    assert committee_differences() == {}


def test_seed_demo_has_two_years_in_the_proportions_of_a_real_committee():
    """About 10 activities, 100 attendance rows and 4 proposals per member, over last year and this one."""
    from django.utils import timezone

    from activities.models import Activity, Attendance
    from consultations.models import Attendance as SessionAttendance
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
    assert Proposal.objects.filter(source_lead__isnull=True).count() == 800  # and the demo lead's one draft
    assert Proposal.objects.filter(year=year - 1, state="closed").count() > 150
    assert CoSigner.objects.filter(status="confirmed").exists()
    assert Proposal.objects.filter(is_key=True).exists() and Proposal.objects.filter(filed_at__year=year - 1).exists()
    assert Adoption.objects.filter(date__year=year - 1).exists() and Instruction.objects.exists()
    assert SessionAttendance.objects.filter(status="present").exists()


# The demo on the edges of the year: late December (a month ahead reaches next year), the first hour of
# the year (nothing of the new year has happened yet), a plenary day, and an ordinary day.
CLOCKS = ["2026-12-28 10:00", "2026-12-31 23:30", "2027-01-01 00:30", "2027-01-11 10:00", "2026-12-04 12:00"]


@pytest.mark.parametrize("clock", CLOCKS)
def test_seed_demo_is_consistent_on_every_day_of_the_year(clock, monkeypatch):
    """Every loader, volume ones included, on the edges of the year: no crash, nothing that has happened is
    dated after now, and no consultation session is on a topic of a later year."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.db.models import F
    from django.utils import timezone

    from activities import kept_columns
    from activities import tally as filed_tally
    from activities.models import Activity, Attendance
    from assessments import tally as event_tally
    from assessments.models import MemberSnapshot, RollupRun
    from assessments.rollup import quarter_of
    from assessments.services import RUN_ROLLUP_TASK
    from consultations.models import ConsultationSession, Outcome, Topic
    from core.models import OutboxMessage
    from groups import tally as member_tally
    from plenary.models import PlenaryAttendance
    from proposals import deadlines_tally, tally
    from proposals import kept_columns as assignment_states
    from proposals.models import Adoption, Assignment, CoSigner, Feedback, Instruction, OpinionReport, Proposal, Reply

    monkeypatch.setattr("demo.consultations_volume.MEMBERS_PER_SESSION", 1)  # the volume sessions at a small size
    moment = datetime.strptime(clock, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", members=120, districts=1, force=True, verbosity=0)
        now, today, year = timezone.now(), timezone.localdate(), moment.year
        assert ConsultationSession.objects.count() > Topic.objects.filter(state="adopted").count() * 2  # volume ran
        assert tally.differences() == {}  # the figure cells, switched off for the bulk load, rebuilt after it
        assert filed_tally.differences() == {}  # the filed activities' cells: the same
        assert deadlines_tally.differences() == {}  # the open deadlines per committee and year: the same
        assert member_tally.differences() == {}  # the members in office, counted by the triggers as they load
        assert kept_columns.differences() == {}  # the activity's counts of its rows: written with it, the same
        assert assignment_states.differences() == {}  # the assignments' kept proposal state: set after the load
        assert event_tally.differences() == {}  # the attendance's event cells: switched off for the load, counted after
        assert tally.report_differences() == {}  # the reports' cells: switched off for the bulk load, rebuilt after it
        # the last step rolled up each committee's quarters of the year up to today's, through the services
        quarters = [(year, q) for q in range(1, quarter_of(today) + 1)]
        runs = RollupRun.objects.order_by("year", "quarter")
        assert sorted(set(runs.values_list("year", "quarter"))) == quarters
        assert runs.count() == Committee.objects.count() * len(quarters)
        assert set(runs.values_list("status", flat=True)) == {RollupRun.Status.DONE}
        assert not OutboxMessage.objects.filter(task=RUN_ROLLUP_TASK).exists()  # run here, no worker's message
        snapshots = MemberSnapshot.objects.filter(year=year, quarter=quarter_of(today))
        assert snapshots.count() == Member.objects.filter(status=Member.Status.ACTIVE).count()
        done = Activity.objects.filter(state__in=["held", "filed"])
        assert not done.filter(ends_at__gt=now).exists()
        assert not Activity.objects.filter(state__in=["planned", "announced"], ends_at__lt=now).exists()
        assert not Attendance.objects.filter(signed_in_at__gt=now).exists()
        assert not PlenaryAttendance.objects.filter(session__end_date__gte=today).exists()
        # this week's activity and those open for sign-up are ahead of today by design
        assert {
            timezone.localtime(a).year
            for a in Activity.objects.exclude(title__endswith="（本周）")
            .exclude(signup_deadline__isnull=False)
            .values_list("starts_at", flat=True)
        } <= {year - 1, year}
        assert not Attendance.objects.filter(signed_up_at__gt=now).exists()
        assert not Activity.objects.filter(signup_deadline__isnull=False, signup_deadline__lt=now).exists()
        from groups.models import ConstituentContact

        assert ConstituentContact.objects.exists()
        assert not ConstituentContact.objects.filter(contacted_on__gt=today).exists()
        assert not ConstituentContact.objects.filter(contacted_on__year__lt=year).exists()
        assert not Proposal.objects.filter(submitted_at__gt=now).exists()
        assert not Proposal.objects.filter(filed_at__gt=now).exists()
        assert not Proposal.objects.filter(filed_at__lt=F("submitted_at")).exists()
        assert not Proposal.objects.filter(closed_at__gt=now).exists()
        assert not Proposal.objects.exclude(state="draft").filter(submitted_at__isnull=True).exists()
        assert not Assignment.objects.filter(assigned_on__gt=today).exists()
        assert not Reply.objects.filter(replied_on__gt=today).exists()
        assert not Reply.objects.filter(replied_on__lt=F("proposal__filed_at__date")).exists()
        assert not Feedback.objects.filter(created_at__gt=now).exists()
        assert not CoSigner.objects.filter(responded_at__gt=now).exists()
        assert not OpinionReport.objects.filter(created_at__gt=now).exists()
        assert not Adoption.objects.filter(date__gt=today).exists()
        assert not Instruction.objects.filter(date__gt=today).exists()
        for starts, topic_year in ConsultationSession.objects.values_list("starts_at", "topic__year"):
            # a topic of the session's year; a session early next year may still take up last year's
            assert topic_year in (timezone.localtime(starts).year, timezone.localtime(starts).year - 1)
        assert not ConsultationSession.objects.filter(state="held", starts_at__gt=now).exists()
        assert not ConsultationSession.objects.filter(published_at__gt=now).exists()
        assert not Outcome.objects.filter(deadline__lte=F("assigned_at__date")).exists()
        for field in ("assigned_at", "replied_at", "published_at", "closed_at"):
            assert not Outcome.objects.filter(**{f"{field}__gt": now}).exists(), field


def test_volume_sessions_drawn_on_the_last_possible_day_of_late_december_stay_in_the_demo_year(monkeypatch):
    """The December crash (KeyError: 2027): a session drawn up to a month ahead fell in next year, whose topics
    do not exist. A generator that always draws the last day makes it certain."""
    import io
    import random
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.utils import timezone

    from consultations.models import ConsultationSession
    from demo import consultations_volume
    from demo.context import DemoContext

    class LastDay(random.Random):
        def randrange(self, start, stop=None, step=1):
            return start - 1 if stop is None else super().randrange(start, stop, step)

    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        monkeypatch.setattr(consultations_volume, "MEMBERS_PER_SESSION", 10**6)  # none in the command
        call_command("seed_demo", members=60, districts=0, force=True, verbosity=0)
        before = set(ConsultationSession.objects.values_list("pk", flat=True))
        monkeypatch.setattr(consultations_volume, "MEMBERS_PER_SESSION", 1)
        consultations_volume.seed(
            DemoContext(
                rng=LastDay(1),
                members_total=60,
                districts=0,
                year=2026,
                stdout=io.StringIO(),
                committees=list(Committee.objects.all()),
            )
        )
        made = ConsultationSession.objects.exclude(pk__in=before)
        assert made.exists()
        assert {timezone.localtime(s).date().isoformat() for s in made.values_list("starts_at", flat=True)} == {
            "2026-12-31"
        }


def test_seed_demo_leaves_the_planner_statistics():
    """SQLite never runs ANALYZE by itself (without sqlite_stat1 the planner guesses on the roll-up's joins), and
    PostgreSQL's autovacuum comes too late for the first roll-up: seed_demo analyses on both."""
    from django.db import connection

    call_command("seed_demo", members=20, districts=0, force=True, verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
        else:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analysed = {row[0] for row in cursor.fetchall()}
    assert {"groups_activity", "groups_attendance", "groups_member"} <= analysed


def test_sqlite_connections_cap_analysis_and_optimize_as_they_close(tmp_path):
    """core.sqlite3: PRAGMA optimize on close (it re-analyses only what changed a lot), analysis_limit bounds it.
    Checked on an SQLite file of its own, so it runs whichever database the suite uses."""
    from django.db import connections

    from core.sqlite3.base import ANALYSIS_LIMIT, DatabaseWrapper

    settings_dict = connections.configure_settings(
        {"default": {"ENGINE": "core.sqlite3", "NAME": str(tmp_path / "embedded.sqlite3")}}
    )["default"]
    conn = DatabaseWrapper(settings_dict, alias="embedded")
    try:
        conn.ensure_connection()
        assert conn.connection.execute("PRAGMA analysis_limit").fetchone()[0] == ANALYSIS_LIMIT
        ran = []
        raw = conn.connection

        class Spy:
            def execute(self, sql, *args):
                ran.append(sql)
                return raw.execute(sql, *args)

            def close(self):
                raw.close()

        conn.connection = Spy()
    finally:
        conn._close()
    assert ran == ["PRAGMA optimize"]

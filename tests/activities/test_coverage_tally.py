"""Coverage kept as data (#22): ``CoverageTally`` equals a fresh count from the rows after any writes through the
services, and who is covered by it is who the rows say (``activities.coverage``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities import coverage
from activities.models import Activity, ActivitySettings, Attendance, CoverageTally
from activities.selectors import activities as sel
from activities.services import activities as svc
from activities.services import contacts as contact_svc
from core.exceptions import DomainError
from core.services import record_delete, record_save
from groups.models import Committee, ConstituentContact, Member
from tests import factories as f
from tests.groups.factories import held_activity

pytestmark = pytest.mark.django_db

STATUSES = [Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED, Attendance.Status.INVITED]

# One write each: (name, activity or contact slot, member slot, a quarter back from now, a choice)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "create",
                "announce",
                "record",
                "record",
                "correct",
                "remove",
                "hold",
                "hold",
                "file",
                "cancel",
                "move",
                "kind",
                "delete",
                "sign_in",
                "contact",
                "contact_change",
                "contact_admin",
                "contact_delete",
                "leave",
                "transfer",
                "rule",
            ]
        ),
        st.integers(0, 4),
        st.integers(0, 3),
        st.integers(-1, 4),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=25,
)


def _start(back: int):
    """-1: half an hour ago (sign-in is open); 0..4: that many quarters back (a day before now, then 92 days each)."""
    now = timezone.now()
    return now - timedelta(minutes=30) if back < 0 else now - timedelta(days=1 + 92 * back)


class Run:
    """One drawn sequence of writes, as staff of the district (a member signs in, the author changes contacts)."""

    def __init__(self, world, rules: ActivitySettings):
        self.world, self.actor, self.rules = world, world.district_staff, rules
        self.members = [world.member_record, world.convener_member] + [
            f.MembershipFactory(group=world.group).member for _ in range(2)
        ]
        self.points = [f.ContactPointFactory(committee=world.district) for _ in range(2)]
        self.activities: list[int] = []
        self.contacts: list[int] = []
        for back, who in ((-1, 1), (1, 2)):  # two held 三进 activities with present members to start from
            self.create(None, 0, self.members[who], back, 2)
        self.contact(None, 0, self.members[1], 0, 0)  # and a contact at a point today, its author may change it

    def activity(self, slot: int) -> int | None:
        return self.activities[slot % len(self.activities)] if self.activities else None

    def contact_in(self, slot: int) -> ConstituentContact | None:
        if not self.contacts:
            return None
        return ConstituentContact.objects.filter(pk=self.contacts[slot % len(self.contacts)]).first()

    def do(self, name: str, slot: int, who: int, back: int, choice: int) -> None:
        getattr(self, name)(self.activity(slot), slot, self.members[who], back, choice)

    def create(self, _a, slot, member, back, choice):
        """A new activity (三进 but in slot 4), planned; with ``choice`` 1 announced and ``member`` present (the others
        still invited: the world's member may sign in), 2-3 then held too (a sequence reaches a held activity often,
        not by luck)."""
        starts = _start(back)
        three = slot != 4
        activity = svc.activity_create(
            actor=self.actor,
            group=self.world.group,
            kind=Activity.Kind.THREE_ENTERS if three else Activity.Kind.STUDY,
            target=Activity.Target.COMMUNITY if three else "",
            title="委员进社区",
            summary="走访了解情况。",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
        self.activities.append(activity.pk)
        if choice >= 1:
            svc.activity_announce(activity_id=activity.pk, actor=self.actor)
            svc.attendance_record(
                activity_id=activity.pk, actor=self.actor, version=None, statuses={member.pk: "present"}
            )
        if choice >= 2:
            svc.activity_hold(activity_id=activity.pk, actor=self.actor)

    def announce(self, a, *_):
        if a:
            svc.activity_announce(activity_id=a, actor=self.actor)

    def record(self, a, _slot, member, _back, choice):
        if a:
            statuses = {self.members[0].pk: STATUSES[(choice + 1) % 3], member.pk: STATUSES[choice]}
            svc.attendance_record(
                activity_id=a,
                actor=self.actor,
                version=None,
                statuses=statuses,
                reasons=dict.fromkeys(statuses, "病假"),
            )

    def correct(self, a, _slot, member, _back, choice):
        if a:
            svc.attendance_correct(
                activity_id=a, member_id=member.pk, actor=self.actor, status=STATUSES[choice], leave_reason="事假"
            )

    def remove(self, a, _slot, _m, _back, choice):
        rows = list(Attendance.objects.filter(activity_id=a).order_by("-status", "pk"))  # the present first
        row = rows[choice % len(rows)] if rows else None
        if row:
            svc.attendance_remove(attendance_id=row.pk, actor=self.actor)

    def hold(self, a, *_):
        if a:
            svc.activity_hold(activity_id=a, actor=self.actor)

    def file(self, a, *_):
        if a:
            svc.activity_file(activity_id=a, actor=self.actor)

    def cancel(self, a, *_):
        if a:
            svc.activity_cancel(activity_id=a, actor=self.actor, reason="天气")

    def move(self, a, _slot, _m, back, _choice):
        if a:
            starts = _start(back)
            svc.activity_update(
                activity_id=a, actor=self.actor, version=None, starts_at=starts, ends_at=starts + timedelta(hours=2)
            )

    def kind(self, a, _slot, _m, _back, choice):
        if a:
            three = choice % 2 == 0
            svc.activity_update(
                activity_id=a,
                actor=self.actor,
                version=None,
                kind=Activity.Kind.THREE_ENTERS if three else Activity.Kind.RESEARCH,
                target=Activity.Target.PARK if three else "",
            )

    def delete(self, a, *_):
        if a:
            svc.activity_delete(activity_id=a, actor=self.actor)

    def sign_in(self, a, *_):
        if a:  # the world's member signs in with the screen's code, if the activity is open and they are invited
            svc.attendance_sign_in(activity_id=a, code=svc.sign_in_code(a), actor=self.world.member)

    def contact(self, _a, _slot, member, back, choice):
        day = timezone.localdate() - timedelta(days=92 * max(back, 0))
        contact = contact_svc.contact_record(
            actor=self.actor,
            member_id=member.pk,
            contacted_on=day,
            whom_kind="household",
            whom="一户居民",
            topic="livelihood",
            raised="加装电梯",
            contact_point=self.points[choice % 2] if choice < 3 else None,
            place="" if choice < 3 else "村口",
        )
        self.contacts.append(contact.pk)

    def contact_change(self, _a, slot, _m, _back, choice):
        contact = self.contact_in(slot)
        if contact:  # the author, within the window (a past quarter's is refused): another day, at a point or not
            today = timezone.localdate()
            first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            contact_svc.contact_update(
                contact_id=contact.pk,
                actor=self.actor,
                contacted_on=max(first, today - timedelta(days=10 * choice)),
                contact_point=self.points[0] if choice % 2 else None,
                place="" if choice % 2 else "村口",
            )

    def contact_admin(self, _a, slot, member, back, choice):
        contact = self.contact_in(slot)
        if contact:  # staff correct it in the admin: another member, day or place
            contact.member = member
            contact.contacted_on = timezone.localdate() - timedelta(days=92 * max(back, 0))
            contact.contact_point = self.points[1] if choice < 2 else None
            contact.place = "" if choice < 2 else "村口"
            record_save(obj=contact, actor=self.actor, changed=["member", "contacted_on", "contact_point"])

    def contact_delete(self, _a, slot, _m, _back, choice):
        contact = self.contact_in(slot)
        if contact is None:
            return
        if choice % 2:
            record_delete(obj=contact, actor=self.actor)
        else:
            contact_svc.contact_delete(contact_id=contact.pk, actor=self.actor)

    def leave(self, _a, _slot, member, _back, _choice):
        """The secretariat marks the member as having left office, or back in it (the admin's record edit)."""
        member.refresh_from_db()
        member.status = Member.Status.LEFT if member.status == Member.Status.ACTIVE else Member.Status.ACTIVE
        record_save(obj=member, actor=None, changed=["status"])

    def transfer(self, _a, _slot, member, _back, choice):
        """The member moves to another committee (the district's, its city's, another city's)."""
        member.refresh_from_db()
        member.committee = (self.world.district, self.world.city, self.world.other)[choice % 3]
        record_save(obj=member, actor=None, changed=["committee"])

    def rule(self, _a, _slot, _m, _back, choice):
        """The district's rule on contacts is turned round, or its rules removed (contacts count) and made again."""
        rules = ActivitySettings.objects.filter(pk=self.rules.pk).first()
        if rules is None:
            self.rules = record_save(obj=ActivitySettings(committee=self.world.district, min_photos=0), actor=None)
        elif choice == 3:
            record_delete(obj=rules, actor=None)
        else:
            rules.contacts_count_for_coverage = not rules.contacts_count_for_coverage
            record_save(obj=rules, actor=None, changed=["contacts_count_for_coverage"])


def _covered_by_rows(period: sel.Period):
    """Who the rows say is covered: the rule as it was asked before the cells (every member's own rows)."""
    return Q(Exists(sel.three_enters_attendances(period).filter(member_id=OuterRef("pk")))) | Q(
        Exists(sel.point_contacts(period).filter(member_id=OuterRef("pk")))
    )


class Rollback(Exception):
    pass


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=operations, rule=st.booleans())
def test_after_any_writes_through_the_services_the_cells_equal_the_rows(world, steps, rule):
    """Random sequences of the writes that move coverage (activities created, announced, held, filed, cancelled,
    moved to another quarter, made 三进 or not, deleted; attendance recorded, corrected, removed, signed in; contacts
    recorded, corrected by their author, edited and deleted in the admin; members leaving office, coming back and
    changing committee; the committee's rule on contacts turned round, removed and made again), refusals included:
    the table equals a recount from the rows, the committees' kept covered counts a count from the cells, the members
    it covers are those the rows cover, and each committee's covered figure the members its drill-down lists, in
    every quarter and year."""
    try:
        with transaction.atomic():
            rules = record_save(
                obj=ActivitySettings(
                    committee=world.district,
                    min_photos=0,
                    require_complete_attendance=False,
                    contacts_count_for_coverage=rule,
                ),
                actor=None,
            )
            run = Run(world, rules)
            for i, step in enumerate(steps):
                try:
                    with transaction.atomic():
                        run.do(*step)
                except DomainError:
                    pass  # refused: nothing written, the cells as they were
                # after every write, not only at the end: a later write to the same cell recounts it whole and
                # would hide a write that left it stale
                assert coverage.differences() == {}, steps[: i + 1]
                assert coverage.committee_differences() == {}, steps[: i + 1]
            today = timezone.localdate()
            members = Member.objects.filter(pk__in=[m.pk for m in run.members])
            committees = Committee.objects.all()
            for year in (today.year - 1, today.year):
                for quarter in (None, 1, 2, 3, 4):
                    period = sel.Period(year, quarter)
                    by_cells = set(members.filter(sel.is_covered(period)).values_list("pk", flat=True))
                    by_rows = set(members.filter(_covered_by_rows(period)).values_list("pk", flat=True))
                    assert by_cells == by_rows, (period, steps)
                    for c in sel.committees_coverage(committees, period):  # the kept figure = its drill-down's rows
                        behind = sel.coverage_members(
                            committees, committees, period, group_id=None, committee_id=c.pk, covered="1"
                        )
                        assert c.covered_count == behind.count(), (c, period, steps)
            raise Rollback
    except Rollback:
        pass


def test_a_held_three_enters_activity_moved_to_another_quarter_moves_its_members_cells(world):
    """A hand-worked case: two present members counted in the activity's quarter, then in the new one."""
    three = held_activity(
        world,
        kind="three_enters",
        target="community",
        starts_at=timezone.now() - timedelta(days=200),
        members=[world.member_record, world.convener_member],
    )
    year, quarter = coverage.quarter_of(three.starts_at)

    def cells():
        return set(CoverageTally.objects.values_list("member_id", "year", "quarter", "three_enters"))

    assert cells() == {(world.member_record.pk, year, quarter, 1), (world.convener_member.pk, year, quarter, 1)}
    later = timezone.now() - timedelta(days=2)
    svc.activity_update(
        activity_id=three.pk, actor=world.district_staff, version=None, starts_at=later, ends_at=later + timedelta(1)
    )
    year, quarter = coverage.quarter_of(later)
    assert cells() == {(world.member_record.pk, year, quarter, 1), (world.convener_member.pk, year, quarter, 1)}
    svc.attendance_correct(
        activity_id=three.pk, member_id=world.member_record.pk, actor=world.district_staff, status="absent"
    )
    assert cells() == {(world.convener_member.pk, year, quarter, 1)}
    svc.activity_delete(activity_id=three.pk, actor=world.district_staff)
    assert not CoverageTally.objects.exists()


def test_the_rebuild_command_counts_rows_written_past_the_services_and_check_says_so(world):
    held_activity(world, kind="three_enters", target="village")
    Attendance.objects.filter(member=world.member_record).update(status="absent")  # past the services
    with pytest.raises(CommandError, match="1 coverage cells differ"):
        call_command("coverage_rebuild", "--check")
    call_command("coverage_rebuild")
    call_command("coverage_rebuild", "--check")
    assert not CoverageTally.objects.exists()


def test_a_quarter_is_the_local_one():
    """An activity at 23:30 on 31 March in Shanghai is the first quarter's, though it is 15:30 UTC the same day;
    at 00:30 on 1 April it is the second's (16:30 UTC on 31 March)."""
    tz = timezone.get_current_timezone()
    assert coverage.quarter_of(timezone.datetime(2026, 3, 31, 23, 30, tzinfo=tz)) == (2026, 1)
    assert coverage.quarter_of(timezone.datetime(2026, 4, 1, 0, 30, tzinfo=tz)) == (2026, 2)
    assert coverage.quarter_of(date(2026, 12, 31)) == (2026, 4)


@pytest.mark.django_db(transaction=True)
def test_cells_are_recounted_outside_a_transaction_too(world):
    """A script, or a test with a live server, writes rows with autocommit: ``refresh`` takes its members' locks in a
    transaction of its own (``select_for_update`` refuses to run outside one), and the cell counts the rows."""
    assert not transaction.get_connection().in_atomic_block
    activity = held_activity(world, kind="three_enters", target="village")
    assert coverage.differences() == {}
    assert CoverageTally.objects.filter(member=world.member_record, three_enters=1).count() == 1, activity

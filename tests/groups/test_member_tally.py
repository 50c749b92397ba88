"""The members in office per committee kept as data (#22): ``MemberTally`` equals a fresh count of the members after
any writes (the database's triggers, ``groups/migrations/0030_member_tally.py``), and every page's figure read from it
counts the members its link lists (the coverage page, the committees' overview, the workbench's "uncovered")."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.selectors.activities import Period, committees_coverage, coverage_members
from cppcc_portal.workbench import todos
from groups import tally
from groups.models import ActivityGroup, Committee, Member, MemberTally
from groups.selectors import committee_overview
from tests import factories as f

pytestmark = pytest.mark.django_db

STATUSES = [Member.Status.ACTIVE, Member.Status.ACTIVE, Member.Status.LEFT]

# One write each: (what, member slot, committee slot, status, standing)
operations = st.lists(
    st.tuples(
        st.sampled_from(["create", "create", "status", "standing", "committee", "stale", "delete"]),
        st.integers(0, 5),
        st.integers(0, 2),
        st.integers(0, 2),
        st.booleans(),
    ),
    max_size=25,
)


def _write(op, members, committees):
    """One write of a counted column through the ORM's every path: a saved instance, a bulk ``update()``, a
    ``delete()`` (the record services and the imports write the same columns through these)."""
    what, slot, c, s, standing = op
    if what == "create":
        members.append(
            f.MemberFactory(committee=committees[c], status=STATUSES[s], is_standing=standing, sector__name=str(slot))
        )
        return
    if not members:
        return
    m = members[slot % len(members)]
    rows = Member.objects.filter(pk=m.pk)
    if what == "status":
        rows.update(status=STATUSES[s])
    elif what == "standing":
        rows.update(is_standing=standing)
    elif what == "committee":
        rows.update(committee=committees[c])
    elif what == "stale":  # a stale instance saved whole: every column written, the key ones changed
        m.refresh_from_db()
        m.status, m.is_standing = STATUSES[s], standing
        m.save()
    else:
        rows.delete()
        members.remove(m)


@pytest.fixture
def committees():
    city = f.CommitteeFactory()
    return [city, f.CommitteeFactory(parent=city), f.CommitteeFactory()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_rows_equal_the_members_and_the_figures_count_their_links_rows(committees, ops):
    members: list[Member] = []
    for op in ops:
        _write(op, members, committees)
    assert tally.differences() == {}
    ids = [c.pk for c in committees]
    period = Period.of(timezone.localdate())
    every = Committee.objects.filter(pk__in=ids)
    for c in committees_coverage(every, period):  # the coverage page: each count links to coverage_members
        rows = coverage_members(ActivityGroup.objects.none(), every, period, group_id=None, committee_id=c.pk)
        assert c.member_count == rows.count()
    staff = f.UserFactory(is_superuser=True)
    for c in committee_overview(staff).filter(pk__in=ids):  # the committees' overview (the dashboard)
        rows = coverage_members(ActivityGroup.objects.none(), every, period, group_id=None, committee_id=c.pk)
        assert (c.member_count, c.standing_count) == (rows.count(), rows.filter(is_standing=True).count())
    today = timezone.localdate()  # the workbench's "uncovered": the kept count equals the rows its list pages
    counted = list(todos.uncovered_count(ids, today))  # one row; none for no committee at all (an empty IN)
    assert (counted[0]["n"] if counted else 0) == todos.uncovered_members(ids, today).count()
    Member.objects.all().delete()  # hypothesis runs every example in the same test transaction
    assert not MemberTally.objects.exists()


def test_the_record_services_keep_the_rows(world):
    from groups.services import records

    before = tally.in_office([world.district.pk])[world.district.pk]
    member = f.MemberFactory(committee=world.district)
    assert tally.in_office([world.district.pk])[world.district.pk] == before + 1
    member.status = Member.Status.LEFT
    records.organisation_save(obj=member, actor=world.staff, changed=["status"])
    assert tally.in_office([world.district.pk])[world.district.pk] == before
    member.status, member.is_standing = Member.Status.ACTIVE, True
    records.organisation_save(obj=member, actor=world.staff, changed=["status", "is_standing"])
    assert MemberTally.objects.get(committee_id=world.district.pk).in_office == before + 1
    records.organisation_delete(obj=member, actor=world.staff)
    assert tally.in_office([world.district.pk])[world.district.pk] == before
    assert tally.differences() == {}


def test_the_check_names_a_committee_that_differs_and_the_rebuild_mends_it(world, capsys):
    f.MemberFactory(committee=world.district)
    MemberTally.objects.filter(committee_id=world.district.pk).update(in_office=500)  # restored apart from the members
    with pytest.raises(CommandError, match="1 committees' members in office differ"):
        call_command("members_rebuild", "--check")
    call_command("members_rebuild")
    call_command("members_rebuild", "--check")
    assert "equal the members" in capsys.readouterr().out
    assert (
        MemberTally.objects.get(committee_id=world.district.pk).in_office
        == world.district.members.filter(status=Member.Status.ACTIVE).count()
    )


def test_emptying_the_rows_then_the_members_leaves_no_row(world):
    """A flush deletes the tables in name order (SQLite's flush is a DELETE per table, which fires the triggers):
    taking a member out of a row that is gone changes nothing."""
    f.MemberFactory(committee=world.district)
    MemberTally.objects.all().delete()
    Member.objects.filter(committee=world.district).delete()
    assert not MemberTally.objects.filter(committee_id=world.district.pk).exists()

"""The duty events behind a summed figure a page at a time (``assessments.event_pages``, #22): walking the pages by
keyset, forward or back, lists every event of the figure once, newest first, whatever the page size and however
many events share a moment; the attendance narrowed by status and activity type is the rows of those kinds."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from activities.models import Activity, Attendance
from assessments.event_pages import EventKey, event_page
from assessments.kinds import EventKind as K
from assessments.selectors import EVENT_FIGURES, _figure_kinds
from assessments.sources import all_branches, event_rows
from groups.models import Member
from proposals.models import CoSigner, Proposal
from tests import factories as f
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db
Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def _moment(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=timezone.get_current_timezone())


def proposals_with_ties(world) -> None:
    """Proposals of the district's members in February 2026, three at each of three moments (one moment at the first
    and last hour of a day), each with confirmed co-signers (the lead and co-signer branches share a moment), and
    another committee's at the same moments."""
    members = [
        world.member_record,
        world.convener_member,
        *(f.MemberFactory(committee=world.district) for _ in range(3)),
    ]
    moments = [_moment(3), _moment(3, 0), _moment(10, 23)]
    for i in range(9):
        at = moments[i % 3]
        lead = members[i % 5]
        proposal = ProposalFactory(
            committee=world.district, lead_proposer=lead, state=Proposal.State.SUBMITTED, submitted_at=at
        )
        for other in (members[(i + j + 1) % 5] for j in range(i % 3)):
            CoSigner.objects.create(
                proposal=proposal, member=other, status=CoSigner.Status.CONFIRMED, deadline=date(2026, 1, 31)
            )
        ProposalFactory(committee=world.other, state=Proposal.State.SUBMITTED, submitted_at=at)


def _members(world):
    return Member.objects.filter(committee=world.district).values("pk")


def _walk(world, kinds, size: int) -> list[tuple]:
    rows, page = [], event_page(world.district, *Q1, kinds=kinds, members=_members(world), size=size)
    while True:
        rows += page.rows
        assert len(page.rows) <= size
        if not page.has_next:
            return rows
        page = event_page(
            world.district, *Q1, kinds=kinds, members=_members(world), size=size, after=EventKey.parse(page.last)
        )


def _walk_back(world, kinds, size: int, after_last: str) -> list[tuple]:
    rows, page = (
        [],
        event_page(
            world.district, *Q1, kinds=kinds, members=_members(world), size=size, before=EventKey.parse(after_last)
        ),
    )
    while True:
        rows = page.rows + rows
        if not page.has_previous:
            return rows
        page = event_page(
            world.district, *Q1, kinds=kinds, members=_members(world), size=size, before=EventKey.parse(page.first)
        )


@pytest.mark.parametrize("size", [1, 2, 5, 50])
def test_walking_the_pages_lists_every_event_once_newest_first_forward_and_back(world, size):
    proposals_with_ties(world)
    kinds = _figure_kinds("proposals")
    every = sorted(event_rows(world.district, *Q1, kinds=kinds, members=_members(world)))
    assert len(every) == 9 + sum(i % 3 for i in range(9))  # the leads and their co-signers, none of the other's
    forward = _walk(world, kinds, size)
    assert sorted(forward) == every and len(set(forward)) == len(forward)
    days = [row[2] for row in forward]
    assert days == sorted(days, reverse=True)
    # back from past the last row: the same rows in the same order
    last = event_page(world.district, *Q1, kinds=kinds, members=_members(world), size=len(every))
    assert _walk_back(world, kinds, size, last.last) == forward[:-1]


def test_a_page_is_the_same_rows_read_forward_or_back(world):
    proposals_with_ties(world)
    kinds = _figure_kinds("proposals")
    members = _members(world)
    first = event_page(world.district, *Q1, kinds=kinds, members=members, size=4)
    second = event_page(world.district, *Q1, kinds=kinds, members=members, size=4, after=EventKey.parse(first.last))
    assert first.has_next and not first.has_previous and second.has_previous
    again = event_page(world.district, *Q1, kinds=kinds, members=members, size=4, before=EventKey.parse(second.first))
    assert again.rows == first.rows and not again.has_previous and again.has_next


def test_only_the_given_members_events_are_listed(world):
    proposals_with_ties(world)
    kinds = _figure_kinds("proposals")
    one = Member.objects.filter(pk=world.member_record.pk).values("pk")
    rows = event_page(world.district, *Q1, kinds=kinds, members=one).rows
    assert rows and {row[0] for row in rows} == {world.member_record.pk}


def test_a_key_survives_its_token_and_anything_else_is_no_key():
    key = EventKey(datetime(2026, 2, 3, 1, 0, 0, 123456, tzinfo=UTC), 7, 12, 34, "proposal_submitted")
    assert EventKey.parse(key.token) == key
    for junk in (None, "", "abc", "1.2.3.4", "1.2.x.4.k", "99999999999999999999999.1.1.1.k", "1.2.3.4."):
        assert EventKey.parse(junk) is None


def test_the_attendance_narrowed_by_status_and_type_is_the_rows_of_those_kinds(world):
    """``Branch.narrow`` (a filter the planner can estimate) selects exactly the rows ``ev_k__in`` does."""
    kinds = [K.ACTIVITY_THREE_ENTERS, K.ACTIVITY_STUDY, K.ACTIVITY_VISIT]
    statuses = [Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT]
    members = [
        world.member_record,
        world.convener_member,
        *(f.MemberFactory(committee=world.district) for _ in range(2)),
    ]
    for i, kind in enumerate(
        [Activity.Kind.THREE_ENTERS, Activity.Kind.STUDY, Activity.Kind.VISIT, Activity.Kind.SERVICE]
    ):
        activity = ActivityFactory(
            group=world.group,
            kind=kind,
            target=Activity.Target.COMMUNITY if kind == Activity.Kind.THREE_ENTERS else "",
            state=Activity.State.HELD,
            starts_at=_moment(5 + i),
        )
        for j, member in enumerate(members):
            status = statuses[(i + j) % 3]
            Attendance.objects.create(
                activity=activity,
                member=member,
                status=status,
                signed_in_at=activity.starts_at if status == Attendance.Status.PRESENT else None,
                leave_reason="出差" if status == Attendance.Status.EXCUSED else "",
            )
    attended = all_branches(world.district, *Q1)[0]
    assert attended.narrow is not None
    wanted_sets = [
        *({str(k) for k in _figure_kinds(figure)} for figure in EVENT_FIGURES),
        {str(K.ACTIVITY_PRESENT)},
        {str(K.ACTIVITY_EXCUSED), str(K.ACTIVITY_THREE_ENTERS)},
        {str(K.ACTIVITY_ABSENT)},
        {str(kind) for kind in kinds},
        {str(K.PROPOSAL_SUBMITTED)},
    ]
    for wanted in wanted_sets:
        by_kind = set(attended.rows.filter(ev_k__in=wanted).values_list("pk", flat=True))
        narrowed = set(attended.rows.filter(attended.narrow(wanted)).values_list("pk", flat=True))
        assert narrowed == by_kind, wanted
    assert set(attended.rows.filter(ev_k=K.ACTIVITY_SERVICE).values_list("pk", flat=True))  # the data exercise it


def test_every_summed_figure_pages_its_events_from_branches_with_a_moment(world):
    """Every branch a summed figure reads has the moment its pages are ordered by."""
    for figure in EVENT_FIGURES:
        page = event_page(world.district, *Q1, kinds=_figure_kinds(figure), members=_members(world))
        assert page.rows == [] and not page.has_next


def test_moments_a_microsecond_apart_are_two_places(world):
    at = _moment(3)
    for delta in (0, 1):
        ProposalFactory(
            committee=world.district,
            lead_proposer=world.member_record,
            state=Proposal.State.SUBMITTED,
            submitted_at=at + timedelta(microseconds=delta),
        )
    assert len(_walk(world, _figure_kinds("proposals"), 1)) == 2

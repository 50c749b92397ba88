"""Issue #22: the reads that grow with a city's data go through an index, never a scan of the big tables.

Checked on the planner's own plan (``EXPLAIN``), on both databases the suite runs on: on PostgreSQL with
sequential scans priced out (the test tables are tiny, where a scan is cheapest: the question is whether an
index *can* serve the query), on SQLite with its query plan. Timings are never tests; plans are.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sqlite_statistics_of_this_test_only(db):
    """On SQLite, each test plans with the statistics it makes itself (an ``ANALYZE`` in its own transaction) or
    none. The backend runs ``PRAGMA optimize`` as a connection closes outside a transaction, so a test that commits
    (a live server, a worker) leaves statistics of its few rows in the worker's database file, and a later plan
    test saw a table of 1 row and read it whole (the filed tally's key test failed in the whole suite, passed alone).
    The statistics are forgotten in the test's transaction, which is rolled back after it."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # the planner reads the (now empty) statistics again


def _plan(qs) -> str:
    return _plan_sql(*qs.query.sql_with_params())


def _plan_sql(sql: str, params=()) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            # A test's few rows (and other tests' dead ones, in CI's whole suite) make a bitmap scan of an index as
            # cheap as reading it in order, which a real committee's rows are not: bitmap scans are priced out, so a
            # plan test's outcome does not depend on what ran before it in the same worker.
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.fixture
def crowd(world):
    """On PostgreSQL, a committee's worth of rows around the world's few, and fresh statistics of them.

    Which of two usable indexes the planner picks depends on the statistics. On a handful of rows the costs are
    all alike, and rows other tests of the same worker inserted and rolled back (dead, until autovacuum comes)
    tip the choice either way. Two thousand activities and proposals of the usual kinds (the group's own, closed
    or drafted, over three years) give the planner the shape of a real committee: few activities open beyond
    their group, few proposals in handling."""
    if connection.vendor != "postgresql":
        return
    from activities.models import Activity
    from proposals.models import Proposal
    from tests.groups.factories import ActivityFactory
    from tests.proposals.factories import ProposalFactory

    now = timezone.now()
    activities, proposals = [], []
    for i in range(1000):
        for committee in (world.city, world.district):
            start = now - timedelta(days=i)
            state = Activity.State.FILED if i % 3 else Activity.State.PLANNED
            activities.append(
                ActivityFactory.build(group=world.group, committee=committee, starts_at=start, state=state)
            )
            closed = {"state": Proposal.State.CLOSED, "submitted_at": start} if i % 3 else {}
            proposals.append(
                ProposalFactory.build(
                    committee=committee, lead_proposer=world.member_record, year=2024 + i % 3, **closed
                )
            )
    Activity.objects.bulk_create(activities)
    Proposal.objects.bulk_create(proposals)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_activity, proposals_proposal")


def _scans(plan: str, table: str) -> bool:
    """Whether the plan reads every row of ``table``."""
    if connection.vendor == "postgresql":
        return re.search(rf"Seq Scan on {table}\b", plan) is not None
    return (
        re.search(rf"^SCAN {table}\b(?! USING)", plan, re.M) is not None
        and re.search(rf"^SCAN {table} USING (COVERING )?INDEX", plan, re.M) is None
    )


def test_the_review_queue_reads_its_proposals_and_hints_through_indexes(world):
    from proposals import selectors

    plan = _plan(selectors.with_duplicate_hints(selectors.review_queue(world.staff)))
    assert not _scans(plan, "proposals_duplicatehint"), plan
    assert not _scans(plan, "proposals_proposal"), plan


def test_the_review_queues_hints_are_read_best_first_from_indexes_alone(world, crowd):
    """Each row's hints (20 at most) are checked against their similar proposal's state in ``proposal_not_compared``
    (index only on PostgreSQL), not by reading each similar proposal's row (#22: 1,000 reads per page of 50); the
    best score is the first compared hint of ``duplicate_hint_by_score``, not all of them sorted (the queue sorted by
    similarity computes it for every proposal waiting)."""
    from proposals import selectors, similarity
    from proposals.models import DuplicateHint, Proposal

    partial = next(i for i in Proposal._meta.indexes if i.name == "proposal_not_compared")
    assert partial.condition == Q(state__in=list(similarity.NOT_COMPARED))
    # hints of the shape a committee has (a few per proposal, on the crowd's), analysed: on an empty, never analysed
    # table the two indexes beginning with the proposal cost alike, and the whole suite's dead rows tipped the
    # planner to the pair's index and a sort (a failure seen once in the whole suite, never alone)
    if connection.vendor == "postgresql":  # ``crowd`` holds the proposals on PostgreSQL alone
        ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True)[:600])
        DuplicateHint.objects.bulk_create(
            DuplicateHint(proposal_id=pk, similar_id=ids[(n + k) % len(ids)], score=0.9 - k / 10)
            for n, pk in enumerate(ids)
            for k in range(1, 5)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_duplicatehint")
    queue = selectors.with_duplicate_hints(selectors.review_queue(world.staff))
    for qs in (queue[:50], queue.order_by("-best_score", "submitted_at", "pk")[:50]):
        plan = _plan(qs)
        if connection.vendor == "postgresql":
            assert re.search(r"Index Only Scan using proposal_not_compared on proposals_proposal", plan), plan
            assert re.search(r"Index Only Scan using duplicate_hint_by_score on proposals_duplicatehint", plan), plan
            assert not re.search(r"Sort Key: \S*score", plan), plan
            assert not re.search(r"Index Scan using \S+ on proposals_duplicatehint", plan), plan  # no hint row read
        else:
            assert not _scans(plan, "proposals_proposal"), plan
            assert not _scans(plan, "proposals_duplicatehint"), plan


def test_the_month_filtered_ledger_searches_the_start_time_index(world):
    from activities.filters import ActivityFilter
    from activities.models import Activity

    data = {"date_from": "2026-04-01", "date_to": "2026-04-30", "committee": world.city.pk}
    plan = _plan(ActivityFilter(data, queryset=Activity.objects.all()).qs.order_by("-starts_at", "-id"))
    assert not _scans(plan, "groups_activity"), plan
    assert "starts_at" in plan, plan  # the range is an index condition, not a filter on every row


def test_the_member_proposal_api_page_and_its_bounded_count_use_indexes(world):
    from core.paginator import LookaheadPaginator
    from proposals.models import Proposal

    visible = Proposal.objects.visible_to(world.member).order_by("-year", "serial_number", "pk")
    page = _plan(visible[:101])
    for table in ("proposals_proposal", "proposals_cosigner"):
        assert not _scans(page, table), page
    # The count reads at most EXACT + 1 rows (the committee's public proposals are most of a session: a bounded
    # read stops early), never every proposal.
    count = _plan(visible.order_by()[: LookaheadPaginator.EXACT + 1])
    assert ("Limit" if connection.vendor == "postgresql" else "LIMIT") in count or connection.vendor == "sqlite", count
    assert not _scans(count, "proposals_cosigner"), count


def test_the_rollup_reads_attendance_through_the_activity_committee_index(world):
    from assessments.sources import all_branches

    attendance = all_branches(world.city, date(2026, 1, 1), date(2026, 6, 30))[0]
    assert attendance.bulk  # the big source
    plan = _plan(attendance.rows)
    assert not _scans(plan, "groups_attendance"), plan
    assert not _scans(plan, "groups_activity"), plan
    if connection.vendor == "postgresql":
        assert re.search(r"Index (Only )?Scan using \w+ on groups_activity", plan), plan
        assert "committee_id" in plan, plan
    else:
        assert re.search(
            r"SEARCH groups_activity USING INDEX \w+ \(committee_id=\? AND (state=\? AND )?starts_at>\? AND starts_at<\?\)",
            plan,
        ), plan


def test_a_members_and_a_conveners_activity_page_reads_their_ways_in_through_indexes(world, crowd):
    from activities.models import Activity

    for user in (world.member, world.convener):
        plan = _plan(Activity.objects.visible_to(user).order_by("-starts_at", "-id")[:101])
        assert not _scans(plan, "groups_activity"), plan
        assert not _scans(plan, "groups_attendance"), plan
        if connection.vendor == "postgresql":
            # the few activities open beyond their group, per committee, not every activity of the committee
            assert "activity_open_beyond_group" in plan or user == world.convener, plan


def test_the_review_queue_reads_its_first_page_in_order_from_its_index(world):
    """#22: the review queue sorted every proposal waiting for review to show the oldest 50 (14,000 at 50k, 130 ms,
    and 90 ms more to count them): ``proposal_review_queue`` holds them in the queue's order."""
    from proposals import selectors
    from proposals.models import Proposal
    from tests.proposals.factories import ProposalFactory

    if connection.vendor == "postgresql":  # a committee's worth of proposals, a few waiting: the planner's statistics
        states = ["filed", "handling", "closed", "replied", "submitted"]  # whatever earlier tests left, these count
        now = timezone.now()
        Proposal.objects.bulk_create(
            ProposalFactory.build(
                committee=committee, lead_proposer=world.member_record, state=states[i % 5], submitted_at=now
            )
            for i in range(1000)
            for committee in (world.city, world.district)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_proposal")
    queue = selectors.review_queue(world.staff)
    for qs in (queue[:50], Proposal.objects.filter(pk__in=queue.values("pk")).order_by()):
        plan = _plan(qs)
        assert not _scans(plan, "proposals_proposal"), plan
    if connection.vendor == "postgresql":
        assert "proposal_review_queue" in _plan(queue[:50]), _plan(queue[:50])


def test_the_reports_list_reads_its_first_page_in_order_from_an_index(world):
    """#22: the reports list joined every report of the committees to its author and sorted them all for 50 (10,000
    at 50k, 160 ms): ``report_list_order`` holds them in the list's order."""
    from proposals.models import OpinionReport
    from tests.proposals.factories import OpinionReportFactory

    if connection.vendor == "postgresql":  # a committee's worth of reports, so an order is worth an index
        states = [s for s in OpinionReport.State.values if s not in ("draft", "declined")]
        OpinionReport.objects.bulk_create(
            OpinionReportFactory.build(
                committee=committee, author=world.member_record, state=states[i % len(states)], year=2024 + i % 3
            )
            for i in range(1000)
            for committee in (world.city, world.district)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_opinionreport")
    qs = (
        OpinionReport.objects.visible_to(world.staff)
        .exclude(state=OpinionReport.State.DRAFT)
        .select_related("author", "group", "issue")
        .order_by("state", "-created_at")[:50]
    )
    plan = _plan(qs)
    assert not _scans(plan, "proposals_opinionreport"), plan
    if connection.vendor == "postgresql":
        assert "report_list_order" in plan, plan


def test_the_overdue_list_reads_its_page_in_deadline_order_from_an_index(world, crowd):
    from proposals import selectors
    from proposals.models import Proposal

    qs = selectors.proposal_list(Proposal.objects.overdue().filter(committee_id__in=[world.city.pk]))
    plan = _plan(qs.order_by("reply_due", "pk")[:50])
    assert not _scans(plan, "proposals_proposal"), plan
    if connection.vendor == "postgresql":
        # At 50k the page is read in deadline order from ``proposal_handling_by_due``; on the crowd's few overdue
        # proposals the committee's own entries of ``proposal_overdue``, sorted, are as cheap: either is an index.
        assert "proposal_handling_by_due" in plan or "proposal_overdue" in plan, plan


def test_an_outcomes_proposal_picker_reads_its_first_options_in_order_from_an_index(world, crowd):
    """#22: the outcome page's proposal picker lists a committee's proposals newest first, up to the picker's limit:
    it sorted every proposal of the committee (66,000 at 50k, 180 ms); ``proposal_committee_order`` holds them in
    the picker's order."""
    from types import SimpleNamespace

    from consultations.forms import ProposalLinkForm
    from core.widgets import LISTED_AT_MOST

    form = ProposalLinkForm(outcome=SimpleNamespace(committee_id=world.district.pk, proposal_id=None))
    if connection.vendor == "postgresql":
        # A test committee's few hundred proposals are cheapest sorted; a real one's tens of thousands are not. With
        # sorting priced out (for the test's transaction), the planner must find an index that gives the order.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
    plan = _plan(form.fields["proposal"].queryset[: LISTED_AT_MOST + 1])
    assert not _scans(plan, "proposals_proposal"), plan
    if connection.vendor == "postgresql":
        assert "proposal_committee_order" in plan, plan
        assert "Sort" not in plan, plan


def test_the_annual_settlement_reads_each_groups_filed_activities_from_the_tallys_key(world, crowd):
    """#22: the settlement (the annual page, its workbooks, the dashboard) counted the committee's year of filed
    activities on every request (50,634 index entries at 50k); it reads the year's cells of ``FiledTally`` through
    their key, never an activity."""
    from activities.models import Activity, FiledTally
    from assessments.selectors import group_settlement
    from tests.groups.factories import ActivityFactory

    when = timezone.datetime(2026, 6, 1, 9, tzinfo=timezone.get_current_timezone())
    ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=when)
    assert not _statements(lambda: group_settlement(world.district.pk, 2026), "groups_activity")
    plan = _plan(FiledTally.objects.filter(committee_id=world.district.pk, year=2026).values_list("group_id", "filed"))
    assert not _scans(plan, "activities_filedtally"), plan
    if connection.vendor == "postgresql":
        assert "filed_tally_cell" in plan, plan
    else:
        # the unique key's index (SQLite names it itself)
        assert re.search(r"USING (COVERING )?INDEX \w+ \(committee_id=\? AND year=\?\)", plan), plan


def test_a_groups_coverage_asks_its_own_members_cells_through_the_member_index(world):
    """A group's covered members: each member's coverage cells are probed through the cells' key (member first),
    never the quarter's 三进 attendance of every committee (#22: coverage reads ``CoverageTally``, not attendance)."""
    from django.utils import timezone

    from activities.models import Activity, Attendance
    from activities.selectors.activities import Period, coverage_members
    from groups.models import Committee, Member
    from tests import factories as f
    from tests.groups.factories import ThreeEntersFactory, coverage_recounted

    # another committee's quarter: 200 of its members at 200 held 三进 activities, 1,600 attendance rows (as many
    # activities as a city's quarter, so that reading them all per member is what it costs in a real deployment)
    when = timezone.datetime(2026, 5, 6, 9, tzinfo=timezone.get_current_timezone())
    first = f.MemberFactory(committee=world.other)
    members = Member.objects.bulk_create(
        Member(committee=world.other, term=first.term, sector=first.sector, name=f"委员{n}", party=first.party)
        for n in range(200)
    )
    group = f.ActivityGroupFactory(committee=world.other)
    held = Activity.objects.bulk_create(
        ThreeEntersFactory.build(group=group, committee=world.other, state=Activity.State.HELD, starts_at=when)
        for _ in range(200)
    )
    Attendance.objects.bulk_create(
        Attendance(activity=a, member=m, status=Attendance.Status.PRESENT, signed_in_at=when)
        for i, a in enumerate(held)
        for m in members[i % 25 :: 25]
    )
    coverage_recounted()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the statistics of these rows, not of other tests' (see ``crowd``)
            cursor.execute("ANALYZE groups_activity, groups_attendance, groups_member, activities_coveragetally")
    for covered in ("0", "1"):
        rows = coverage_members(
            world.district.activity_groups.all(),
            Committee.objects.all(),
            Period(2026, 2),
            group_id=world.group.pk,
            committee_id=None,
            covered=covered,
        )
        plan = _plan(rows)
        assert not re.search(r"\bgroups_(attendance|activity)\b", plan), plan
        if connection.vendor == "postgresql":
            assert re.search(
                r"coverage_tally_cell[^\n]*\n[^\n]*Index Cond: \(\(member_id = groups_member\.id\)", plan
            ), plan
        else:
            assert re.search(r"SEARCH \w+ USING (COVERING )?INDEX \w+coveragetally\w* \(member_id=\?", plan), plan


def test_my_proposals_find_a_members_led_and_co_signed_proposals_through_indexes(world, crowd):
    """#22: the member's years of "my proposals" were an OR across a join to the co-signers: every proposal and
    every co-signer read (367 ms at 50k) for a member's five proposals."""
    from proposals import selectors

    plan = _plan(selectors.member_proposals(world.member_record.pk).order_by().values_list("year").distinct())
    assert not _scans(plan, "proposals_proposal"), plan
    assert not _scans(plan, "proposals_cosigner"), plan


@pytest.fixture
def coverage_crowd(world):
    """On PostgreSQL, a committee's year of activities (a quarter of them 三进, most held or filed) and its members'
    attendance (a third present), analysed: the shape coverage reads at scale."""
    if connection.vendor != "postgresql":
        return
    from activities.models import Activity, Attendance
    from tests import factories as f
    from tests.groups.factories import ActivityFactory, ThreeEntersFactory

    now = timezone.now()
    members = f.MemberFactory.create_batch(60, committee=world.district)
    states = [Activity.State.FILED, Activity.State.HELD, Activity.State.PLANNED, Activity.State.CANCELLED]
    activities = [
        (ThreeEntersFactory if i % 4 == 0 else ActivityFactory).build(
            group=world.group, committee=world.district, starts_at=now - timedelta(days=i % 700), state=states[i % 4]
        )
        for i in range(2000)
    ]
    Activity.objects.bulk_create(activities)
    statuses = [Attendance.Status.PRESENT, Attendance.Status.INVITED, Attendance.Status.ABSENT]
    Attendance.objects.bulk_create(
        Attendance(
            activity=a,
            member=m,
            status=statuses[(i + j) % 3],
            signed_in_at=now if statuses[(i + j) % 3] == Attendance.Status.PRESENT else None,
        )
        for i, a in enumerate(activities[:500])
        for j, m in enumerate(members[i % 20 :: 20])
    )
    from tests.groups.factories import coverage_recounted

    coverage_recounted()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_activity, groups_attendance, groups_member, activities_coveragetally")


def test_coverage_of_a_committees_year_reads_the_coverage_cells_not_attendance(world, coverage_crowd):
    """A committee's year of coverage (coverage page, workbench homes) asks the coverage cells (``CoverageTally``),
    never the attendance or the activities: at 50k that was every member's attendance and each attended activity
    (40-85 times a minimal page, #22). On PostgreSQL with a crowd analysed: on a few rows any plan is as cheap."""
    from activities.selectors.activities import Period, is_covered
    from groups.models import Member

    covered = Member.objects.filter(committee_id=world.district.pk).filter(is_covered(Period(timezone.now().year)))
    plan = _plan(covered)
    assert not re.search(r"\bgroups_(attendance|activity)\b", plan), plan
    assert "coveragetally" in plan or "coverage_tally_cell" in plan, plan


def test_the_proposal_figures_count_a_years_proposals_from_their_index_alone(world, crowd):
    """#22: the figures page and its workbook read the year's proposals five times over their wide rows (a scan of
    every proposal each time, 650-1,000 ms at 50k); now once, and every column that one query reads is in
    ``proposal_figures``, so PostgreSQL counts from the index alone (an index-only scan, 250 → 60 ms at 50k). The
    plan itself depends on the visibility map, which a test's transaction never has: the columns are checked, and
    that no plan scans the table."""
    import re

    from proposals.models import Proposal
    from proposals.selectors import figure_cells

    proposals = Proposal.objects.filter(committee_id__in=[world.city.pk, world.district.pk], year=2025)
    cells = figure_cells(proposals, timezone.localdate())
    assert not _scans(_plan(cells), "proposals_proposal")
    index = next(i for i in Proposal._meta.indexes if i.name == "proposal_figures")
    indexed = {Proposal._meta.get_field(name).column for name in (*index.fields, *index.include)}
    read = set(re.findall(r'"proposals_proposal"\."(\w+)"', str(cells.query)))
    assert read <= indexed, read - indexed


def test_what_a_message_became_is_found_through_each_source_index(world, crowd):
    """#22: the tracking page's "what became of it" was an OR across a join to the pooling leads' messages, a scan
    of every proposal (315 ms at 50k for one message): each branch now reads its own foreign-key index."""
    from activities.models import PublicMessage
    from activities.selectors.mailbox import became_q
    from proposals.models import OpinionReport, Proposal

    message = PublicMessage.objects.create(
        committee=world.district,
        target="committee",
        category="livelihood",
        text="路灯不亮",
        tracking_code="TPLAN0001",
        answer_due=timezone.localdate(),
    )
    for model, table in ((Proposal, "proposals_proposal"), (OpinionReport, "proposals_opinionreport")):
        plan = _plan(model.objects.filter(became_q(message)).order_by("pk"))
        assert not _scans(plan, table), plan
        if connection.vendor == "postgresql":  # not a whole index read in place of the table (scans priced out)
            assert "Index Cond: (source_message_id = " in plan, plan


def test_suggested_members_are_found_through_their_expertise(world):
    """#22: the organiser's suggestions aggregated every member of the committee with all their expertise and kept
    those with a match in HAVING (16,640 members, 150-220 ms at 50k; 41 ms as below): the wanted expertise is a
    condition of the join, so only its holders are read and counted, through the member-expertise table's index
    of the expertise (which index a plan picks depends on the data's size: on a test's few rows any is cheap)."""
    from activities.selectors.signup import suggestion_candidates
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    law = f.ExpertiseFactory(committee=world.district, name="法律")
    candidates = suggestion_candidates(ActivityFactory(group=world.group, topic=law), [law.pk], [])
    sql = str(candidates.query)
    assert "HAVING" not in sql, sql
    assert re.search(
        r'WHERE \("groups_member"\..*"groups_member_expertise"\."expertise_id" IN \(\d+\)\) GROUP BY', sql
    ), sql


def test_the_workbench_finds_leave_waiting_for_a_decision_through_its_partial_index(world, crowd):
    """The staff's leave requests waiting: the few attendance rows with leave asked for, from their own small index
    (``attendance_leave_requested``), each joined to its activity; never the whole attendance table."""
    from cppcc_portal.workbench import todos

    plan = _plan(todos.leave_requests([world.city.pk, world.district.pk], timezone.localdate()))
    assert not _scans(plan, "groups_attendance"), plan
    assert "attendance_leave_requested" in plan, plan


def test_the_workbench_counts_activities_to_file_from_a_range_of_the_committees_starts(world, crowd):
    """This quarter's and the last's activities held, or filed without evidence: a range of their own index
    (``activity_to_file``: the filed ones with evidence are not in it), the evidence never read; never every activity
    of every year."""
    from activities.models import Activity, Evidence
    from cppcc_portal.workbench import todos

    if connection.vendor == "postgresql":  # as in a ledger, the filed activities have their photos
        filed = Activity.objects.filter(state=Activity.State.FILED).values_list("pk", flat=True)
        Evidence.objects.bulk_create(
            Evidence(activity_id=pk, kind=Evidence.Kind.PHOTO, file="x.jpg", size=1) for pk in filed
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE groups_activity, groups_evidence")
    plan = _plan(todos.unfiled_activities([world.city.pk, world.district.pk], timezone.localdate()))
    assert not _scans(plan, "groups_activity"), plan
    assert "groups_evidence" not in plan, plan
    if connection.vendor == "postgresql":
        # a range of the committee's starts in ``activity_to_file`` (from the index alone where the visibility map
        # allows, which a test's fresh rows never do), never every year
        assert "activity_to_file" in plan, plan
        assert re.search(r"Index Cond: \(\(committee_id = ANY[^\n]*starts_at >=", plan), plan


def test_the_workbench_counts_and_lists_replies_awaiting_a_rating_from_their_partial_index(world, crowd):
    """#22: the replies awaiting the proposer's rating (14,000 at 50k) were read from the heap to be counted, 97 ms:
    ``proposal_awaiting_rating`` holds the replied proposals in the list's order, with their committee."""
    from cppcc_portal.workbench import todos
    from proposals.models import Proposal
    from tests.proposals.factories import ProposalFactory

    if connection.vendor == "postgresql":  # a committee's worth of proposals, a few replied: the planner's statistics
        states = ["filed", "handling", "closed", "closed", "replied"]
        Proposal.objects.bulk_create(
            ProposalFactory.build(committee=committee, lead_proposer=world.member_record, state=states[i % 5])
            for i in range(1000)
            for committee in (world.city, world.district)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_proposal")
    rows = todos.awaiting_rating([world.city.pk, world.district.pk], timezone.localdate())
    for qs in (rows[:50], Proposal.objects.filter(pk__in=rows.values("pk")).order_by()):
        plan = _plan(qs)
        assert not _scans(plan, "proposals_proposal"), plan
    if connection.vendor == "postgresql":
        assert "proposal_awaiting_rating" in _plan(rows[:50]), _plan(rows[:50])


def test_the_workbench_joins_leave_requests_to_the_open_activities_index(world, crowd):
    """The leave requests' activities are the committee's open ones, read from their own small index with their ids
    (``activity_open_state``), not from the committee's every activity."""
    from cppcc_portal.workbench import todos

    plan = _plan(todos.leave_requests([world.city.pk, world.district.pk], timezone.localdate()))
    assert not _scans(plan, "groups_activity"), plan
    if connection.vendor == "postgresql":
        assert "activity_open_state" in plan or "groups_activity_pkey" in plan, plan


def _read_columns(sql: str, table: str) -> set[str]:
    return set(re.findall(rf'"{table}"\."(\w+)"', sql))


def _index_columns(model, name: str) -> set[str]:
    index = next(i for i in model._meta.indexes if i.name == name)
    return {model._meta.get_field(field).column for field in (*index.fields, *index.include)}


def _statements(run, table: str) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]


def test_the_unit_sheets_count_a_years_proposals_from_the_figures_index_alone(world, crowd):
    """#22: the handling units' sheets counted each proposal by its id, which is not in ``proposal_figures``: the
    committee's year was read from the table's rows (6,179 pages, 162 ms at 50k). Counted by the committee, every
    column read is in the index, so PostgreSQL counts from it alone (456 pages, 39 ms)."""
    from assessments.unit_sheet import unit_sheets
    from proposals.models import Proposal

    (sql,) = _statements(lambda: unit_sheets(world.city.pk, 2025), "proposals_proposal")
    read = _read_columns(sql, "proposals_proposal")
    assert read <= _index_columns(Proposal, "proposal_figures"), read - _index_columns(Proposal, "proposal_figures")


def test_a_page_of_a_unit_sheets_rows_is_read_in_order_and_counted_from_the_units_index(world, crowd):
    """#22: the rows behind a unit's figure (``?figure=assigned``) fetched every proposal of the unit in the committee
    (through two bitmaps) and sorted them for 50, then counted them from ``proposal_figures`` (13.8 + 7.6 ms at 50k):
    ``proposal_unit_year`` holds the unit's year in the list's order, with the columns the figures filter on
    (0.1 + 0.3 ms)."""
    from assessments.unit_sheet import figure_rows
    from proposals.models import Proposal

    if connection.vendor == "postgresql":
        Proposal.objects.filter(committee=world.district).update(lead_unit=world.unit)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_proposal")
    for figure in ("assigned", "replied", "rated_satisfied"):
        rows = figure_rows(world.district.pk, 2025, world.unit.pk, figure)
        (count_sql,) = _statements(rows.count, "proposals_proposal")
        page, count = _plan(rows.order_by("serial_number", "pk")[:50]), _plan_sql(count_sql)
        assert not _scans(page, "proposals_proposal"), page
        assert not _scans(count, "proposals_proposal"), count
        if connection.vendor == "postgresql" and figure == "assigned":
            # a rarer figure's few rows are as cheap sorted; the count reads the index alone at 50k (here, on rows
            # never vacuumed, any index is as cheap)
            assert "proposal_unit_year" in page and "Sort" not in page, page


def test_a_groups_waiting_leave_but_the_conveners_own_is_counted_from_the_partial_index(world, crowd):
    """#22: the group dashboard's leave requests but the convener's own were checked against the table's rows (the
    member is not in the activity's index): every request of the deployment read, 6,248 pages at 50k. With the
    member in ``attendance_leave_requested`` the count reads the index alone."""
    from activities.models import Attendance
    from activities.selectors import figures as figure_rows
    from activities.selectors.activities import Period

    rows = figure_rows.group_rows(world.group, "leave", Period(2026, None), own_member_id=world.member_record.pk)
    (sql,) = _statements(lambda: rows.count(), "groups_attendance")
    read = _read_columns(sql, "groups_attendance") - {"activity_id", "leave"}  # the key and the index's condition
    assert read <= _index_columns(Attendance, "attendance_leave_requested"), read
    assert not _scans(_plan(rows.order_by().values("pk")), "groups_attendance")


def test_a_groups_first_waiting_leave_requests_are_probed_per_activity_in_the_partial_index(world, crowd):
    """#22: the group dashboard's first 20 waiting leave requests, as one join ordered and limited, were a hash join
    over every waiting request of the deployment and its table rows (8,082 at 50k, 6,258 pages); by the group's
    activities' ids each is probed in ``attendance_leave_requested``: the ids found first in the same statement (on
    PostgreSQL an InitPlan's array, not a list of 430 ids read and sent back)."""
    from activities.selectors import figures as figure_rows
    from activities.selectors.activities import Period
    from tests.groups.factories import ActivityFactory

    ActivityFactory(group=world.group), ActivityFactory(group=world.group)
    rows = figure_rows.group_rows(world.group, "leave", Period(2026, None), own_member_id=world.member_record.pk)
    (statement,) = _statements(lambda: figure_rows.first_leave_requests(world.group, rows), "groups_attendance")
    plan = _plan_sql(statement)
    assert not _scans(plan, "groups_attendance"), plan
    if connection.vendor == "postgresql":
        assert re.search(r"attendance_leave_requested[^\n]*\n[^\n]*Index Cond: \(activity_id = ANY \(\$", plan), plan
    else:
        # an index of the activity (the partial one or the foreign key's, as SQLite's statistics of the moment say)
        assert re.search(r"SEARCH groups_attendance USING (COVERING )?INDEX \w+ \(activity_id=\?\)", plan), plan


def test_the_annual_settlement_counts_each_groups_members_of_the_year_from_an_index_alone(world, crowd):
    """#22: the groups' members of the year were counted from the memberships' rows, one index probe and a table
    read per membership (20,000 pages for a district's 393 groups at 50k); ``membership_group_span`` holds every
    column the count reads."""
    from assessments.selectors import group_settlement
    from groups.models import GroupMembership

    (sql,) = _statements(lambda: group_settlement(world.city.pk, 2026), "groups_groupmembership")
    read = _read_columns(sql, "groups_groupmembership")
    assert read <= _index_columns(GroupMembership, "membership_group_span"), read


def test_a_plan_on_sqlite_is_made_with_no_statistics_but_the_tests_own(world):
    """The filed tally's key, planned with the statistics a committing test can leave behind (a table of 2 rows that
    each key matches), is read whole; each plan test starts without them (``sqlite_statistics_of_this_test_only``)."""
    from activities.models import FiledTally

    if connection.vendor != "sqlite":
        return
    qs = FiledTally.objects.filter(committee_id=world.district.pk, year=2026).values_list("group_id", "filed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        assert cursor.fetchone() is None or not cursor.execute("SELECT * FROM sqlite_stat1").fetchall()
        cursor.execute("ANALYZE groups_committee")  # makes sqlite_stat1 if missing
        cursor.execute("DELETE FROM sqlite_stat1")
        cursor.execute("INSERT INTO sqlite_stat1 VALUES ('activities_filedtally', NULL, '2')")
        cursor.execute(
            "INSERT INTO sqlite_stat1 VALUES ('activities_filedtally', 'sqlite_autoindex_activities_filedtally_1', "
            "'2 2 2 1')"
        )
        cursor.execute("ANALYZE sqlite_schema")
    assert _scans(_plan(qs), "activities_filedtally")


def test_a_page_of_the_annual_ranking_is_read_in_order_from_the_place_index(world):
    """#22: the annual page ranked the committee's 16,666 member snapshots with a window on every request; a page of
    the ranking (after a place, or before one, under a grade) is now read in order from ``member_snapshot_place``,
    with no sort of the quarter's rows."""
    from assessments import selectors

    rows = selectors.ranking(world.district.pk, 2026, 4, grade="称职").select_related("member", "member__sector")
    for page in (rows.filter(ytd_place__gt=100)[:51], rows.filter(ytd_place__lt=100).order_by("-ytd_place")[:51]):
        plan = _plan(page)
        assert not _scans(plan, "assessments_membersnapshot"), plan
        if connection.vendor == "postgresql":
            assert re.search(r"Index Scan( Backward)? using member_snapshot_place", plan), plan
            assert not re.search(r"Sort Key: [^\n]*ytd_place", plan), plan
        else:
            assert "USING INDEX member_snapshot_place" in plan and "TEMP B-TREE" not in plan, plan


def test_overdue_now_of_a_committees_year_is_counted_from_its_own_index_alone(world, crowd):
    """#22: "overdue now" moves with the date, so the figures page, its workbook and the leaders' home count it at
    read time: by id (not in any index) from every proposal in handling of the year, the table's rows read (20–60 ms
    at 50k). Counted by the committee, every column read is in ``proposal_overdue``, whose entries are the proposals
    in handling by committee, year and deadline: the overdue ones alone (3–5 ms)."""
    from django.db.models import Count

    from proposals.models import Proposal
    from proposals.selectors import committee_year_figures, year_figures

    for figures in (
        lambda: year_figures([world.city.pk, world.district.pk], 2025),
        lambda: committee_year_figures([world.city.pk, world.district.pk], 2025),
    ):
        (sql,) = [s for s in _statements(figures, "proposals_proposal") if "reply_due" in s]
        read = _read_columns(sql, "proposals_proposal")
        indexed = _index_columns(Proposal, "proposal_overdue") | {"state"}  # the state: the index's condition
        assert read <= indexed, read - indexed
        assert "reply_due" in read and "state" in read
    overdue = Proposal.objects.filter(
        committee_id=world.district.pk, year=2025, state__in=Proposal.HANDLING_STATES, reply_due__lt=date(2026, 1, 1)
    )
    plan = _plan(overdue.order_by().values("committee_id").annotate(n=Count("committee")))
    assert not _scans(plan, "proposals_proposal"), plan
    if connection.vendor == "postgresql":  # SQLite, without statistics, picks any index of the state
        assert "proposal_overdue" in plan, plan


def test_the_coverage_pages_groups_count_their_activities_from_the_group_index_alone(world, crowd):
    """#22: the coverage page counted its page of groups' held, three-enters and six-ones activities by id, read
    from ~10,000 rows at 50k; counted by the group, every column read is in ``activity_group_start`` (the group, the
    start, and the state, kind and six-ones item it carries), so PostgreSQL counts from the index alone."""
    from activities.models import Activity
    from activities.selectors.activities import Period, with_group_coverage

    (sql,) = _statements(
        lambda: with_group_coverage([world.group, world.other_group], Period(timezone.localdate().year)),
        "groups_activity",
    )
    read = _read_columns(sql, "groups_activity")
    assert read <= _index_columns(Activity, "activity_group_start"), read - _index_columns(
        Activity, "activity_group_start"
    )


def _plan_json(sql: str) -> dict:
    """PostgreSQL's plan as JSON, scans and (explicit) sorts priced out: on a test's few rows, starting from the few
    members and sorting what they did is cheapest; the question is whether an index *can* give the rows in order."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (raw,) = cursor.fetchone()
    return (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]


def _sorted_unlimited(node: dict, tables: set[str], *, sorting: bool = False, limited: bool = False) -> list[str]:
    """The source tables a plain Sort reads without a Limit between them: rows of the whole quarter sorted."""
    kind = node["Node Type"]
    found = []
    if node.get("Relation Name") in tables and sorting and not limited:
        found.append(node["Relation Name"])
    if kind == "Sort":
        sorting, limited = True, False
    elif kind == "Limit" and sorting:
        limited = True
    for child in node.get("Plans", []):
        found += _sorted_unlimited(child, tables, sorting=sorting, limited=limited)
    return found


def _scans_of(node: dict) -> list[tuple[str, str, str]]:
    """(node type, index, table) of every scan in the plan."""
    found = [(node["Node Type"], node.get("Index Name", ""), node["Relation Name"])] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += _scans_of(child)
    return found


def test_a_page_of_the_events_behind_a_figure_reads_each_source_in_order_from_its_index(world, crowd):
    """#22: the events behind a quarter's figure were counted and sorted whole for each page of 50 (45,417 proposals'
    events of Q1 at 50k: 160–180 ms). A page (the first, or after a key) reads each source branch in the page's order
    from the index of its committee and moment (the proposals' submission, the reports' creation, the activities'
    and sessions' start), a page's worth each: no sort of a source's rows of the quarter."""
    from django.test.utils import CaptureQueriesContext

    from activities.models import Activity, Attendance
    from assessments import selectors
    from assessments.event_pages import EventKey
    from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
    from proposals.models import OpinionReport
    from tests.proposals.factories import OpinionReportFactory

    if connection.vendor == "postgresql":  # the crowd's activities attended, and a committee's worth of reports
        Attendance.objects.bulk_create(
            Attendance(activity=a, member=world.member_record, status="present", signed_in_at=a.starts_at)
            for a in Activity.objects.filter(committee=world.district, state=Activity.State.FILED)
        )
        OpinionReport.objects.bulk_create(
            OpinionReportFactory.build(committee=world.district, author=world.member_record, state="accepted")
            for _ in range(500)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE groups_attendance, proposals_opinionreport")
    ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    key = EventKey(timezone.now() - timedelta(days=300), 2, 10**6, 10**6, "proposal_submitted").token
    sources = {
        "activities_present": "groups_activity",
        "three_enters": "groups_activity",
        "proposals": "proposals_proposal",
        "reports": "proposals_opinionreport",
        "consultations": "consultations_consultationsession",
    }
    for figure, table in sources.items():
        for after in (None, key):
            with CaptureQueriesContext(connection) as page:
                selectors.figure_events_page(world.district.pk, 2026, 1, figure, after=after)
            (sql,) = [q["sql"] for q in page.captured_queries if "UNION ALL" in q["sql"] or "LIMIT 51" in q["sql"]]
            if connection.vendor != "postgresql":
                plan = _plan_sql(sql)
                assert not _scans(plan, table), plan
                continue
            plan = _plan_json(sql)
            assert not _sorted_unlimited(plan, set(sources.values())), (figure, plan)
            scans = [(kind, index) for kind, index, name in _scans_of(plan) if name == table]
            assert scans and all(kind in ("Index Scan", "Index Only Scan") for kind, _index in scans), (figure, plan)
            if figure == "proposals":
                assert {index for _kind, index in scans} == {"proposal_submitted_in_period"}, plan
            if figure == "reports":
                assert {index for _kind, index in scans} == {"report_committee_created"}, plan


def test_a_group_members_last_three_enters_reads_their_present_attendance_from_the_member_index_alone(world, crowd):
    """#22: the group dashboard's last 三进 activity of each member read all their present attendance rows from the
    table (about 80 a member at 50k, 13.6 ms for a group of 50); with the activity in ``attendance_member_status``
    every column the subquery reads of attendance is in the index (an index-only scan on PostgreSQL)."""
    from activities.models import Attendance
    from activities.selectors.activities import Period, group_members, member_coverage

    rows = member_coverage(group_members(world.group.pk), Period(2026, None))
    (sql,) = _statements(lambda: list(rows), "groups_attendance")
    read = _read_columns(sql, "groups_attendance")
    assert read <= _index_columns(Attendance, "attendance_member_status"), read
    plan = _plan(rows)
    assert not _scans(plan, "groups_attendance"), plan
    if connection.vendor == "postgresql":
        # On the test's handful of rows PostgreSQL may instead walk the year's few 三进 activities and probe each
        # member's row by the (activity, member) key (seen in the whole suite, with other tests' statistics); at 50k
        # it reads the member index (EXPLAIN ANALYZE in bench/README.md). Either way through an index, never the table.
        assert "attendance_member_status" in plan or "attendance_one_per_member" in plan, plan


def test_a_searched_pickers_first_options_are_read_by_their_keys(world, crowd):
    """#22: a searched picker reads at most ``LISTED_AT_MOST + 1`` of its keys to know whether to list its rows (the
    rows themselves, 301 members built to be dropped, were 4.5 ms of the consultation session's page at 50k), then
    the rows by those keys: as ``pk IN (SELECT … LIMIT 301)`` PostgreSQL hashed the 301 ids against every one of the
    committee's members (16,666 at 50k, 20-30 ms). Neither statement reads the table whole."""
    from types import SimpleNamespace

    from consultations.forms import AttendanceForm

    form = AttendanceForm(session=SimpleNamespace(committee_id=world.district.pk), actor=world.staff)
    (statement,) = _statements(lambda: str(form["member"]), "groups_member")
    plan = _plan_sql(statement)
    assert not _scans(plan, "groups_member"), plan
    if connection.vendor == "postgresql":
        # the ids up to the limit, or the first alone past it (``AmongFirstIds``: 301 members built for nothing)
        assert '"groups_member"."id" = ANY(ARRAY(SELECT * FROM (SELECT U0."id"' in statement, statement


def test_the_topic_boards_research_candidates_are_read_from_their_own_index(world, crowd):
    """#22: the topic board's newest research activities (up to 300, under its adopted topics) were found among
    every kind's newest rows in ``activity_latest_first``, each read from the table (1,675 pages at 50k);
    ``activity_research_latest`` holds the research and inspection activities not cancelled, in that order, with
    what the board reads of them."""
    from consultations.pickers import research_activities
    from consultations.views import RESEARCH_READ

    rows = (
        research_activities(world.staff, {})
        .filter(committee_id__in={world.district.pk})
        .order_by("-starts_at", "-pk")
        .values_list("pk", "committee_id", "starts_at", "title")[:RESEARCH_READ]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
    plan = _plan(rows)
    assert not _scans(plan, "groups_activity"), plan
    if connection.vendor == "postgresql":
        assert "activity_research_latest" in plan, plan


def test_the_workbenchs_returns_are_counted_from_the_returned_assignments_index(world, crowd):
    """#22: the workbench's returns awaiting reassignment were found among every inactive assignment of every unit
    (387 pages at 50k); ``assignment_returned`` holds the returned ones only."""
    from cppcc_portal.workbench import todos

    (statement,) = _statements(
        lambda: todos.returns([world.district.pk], timezone.localdate()).count(), "proposals_assignment"
    )
    plan = _plan_sql(statement)
    assert not _scans(plan, "proposals_assignment"), plan
    if connection.vendor == "postgresql":
        assert "assignment_returned" in plan, plan

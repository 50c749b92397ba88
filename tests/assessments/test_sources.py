"""Duty events read from the real source tables: activities, proposals, reports, consultations."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Activity, Attendance
from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from assessments.sources import duty_events, source_url
from consultations.models import Attendance as SessionAttendance
from proposals.models import Adoption, CoSigner, Instruction, OpinionReport, Proposal
from tests import factories as f
from tests.assessments.helpers import D, subtotals
from tests.consultations.factories import SessionFactory
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import OpinionReportFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def at(month, day, hour=10):
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


def activity(
    world, month, day, members, *, kind=Activity.Kind.STUDY, state=Activity.State.HELD, status="present", hour=10
):
    act = ActivityFactory(
        group=world.group,
        kind=kind,
        starts_at=at(month, day, hour),
        state=state,
        **({"target": Activity.Target.COMMUNITY} if kind == Activity.Kind.THREE_ENTERS else {}),
    )
    extra = {"signed_in_at": act.starts_at, "sign_in_method": Attendance.Method.CONVENER} if status == "present" else {}
    if status == Attendance.Status.EXCUSED:
        extra = {"leave": Attendance.Leave.APPROVED, "leave_reason": "出差"}
    Attendance.objects.bulk_create([Attendance(activity=act, member=m, status=status, **extra) for m in members])
    return act


def proposal(world, lead, *, submitted, filed=None, cosigners=(), is_key=False):
    p = ProposalFactory(
        committee=world.district,
        lead_proposer=lead,
        submitted_at=at(*submitted),
        filed_at=at(*filed) if filed else None,
        is_key=is_key,
        state=Proposal.State.FILED if filed else Proposal.State.SUBMITTED,
    )
    for m in cosigners:
        CoSigner.objects.create(proposal=p, member=m, status=CoSigner.Status.CONFIRMED, deadline=date(2026, 1, 31))
    return p


def report(world, author, *, submitted, state=OpinionReport.State.ACCEPTED, changed=None):
    r = OpinionReportFactory(
        committee=world.district,
        author=author,
        state=state,
        decline_reason="内容与已采用信息重复" if state == OpinionReport.State.DECLINED else "",
    )
    OpinionReport.objects.filter(pk=r.pk).update(created_at=at(*submitted), updated_at=at(*(changed or submitted)))
    return r


@pytest.fixture
def year_of_work(world):
    """The member's 2026 in the district, scored by 合肥's rules (base 85)."""
    ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    me, convener = world.member_record, world.convener_member
    for month in (1, 2, 3, 4):
        activity(world, month, 10, [me, convener])  # 4 × 7.5
    activity(world, 5, 6, [me], kind=Activity.Kind.THREE_ENTERS)  # 7.5 → 活动 37.5, cap 30
    activity(world, 2, 20, [me], status=Attendance.Status.EXCUSED)  # listed, 0
    activity(world, 3, 20, [me], status=Attendance.Status.ABSENT)  # listed, 0
    activity(world, 3, 21, [me], status=Attendance.Status.INVITED)  # not recorded: left out
    activity(world, 3, 22, [me], state=Activity.State.CANCELLED)  # cancelled: left out
    activity(world, 3, 23, [world.outsider_member])  # another committee's member
    sole = proposal(world, me, submitted=(1, 5), filed=(2, 1))  # filed as lead: 15
    joint = proposal(world, me, submitted=(1, 6), filed=(2, 2), cosigners=[convener])  # joint first: 10
    proposal(world, me, submitted=(1, 7), filed=(5, 3), is_key=True)  # 2nd filed: +5 (提案加分); key: no rule
    proposal(world, me, submitted=(4, 8))  # submitted only
    adopted = report(world, me, submitted=(3, 1))
    Adoption.objects.create(report=adopted, level="city", date=date(2026, 4, 2))  # 10 + 6 (市级以上)
    Instruction.objects.create(report=adopted, leader="李市长", level="city", date=date(2026, 4, 9), text="请研究")
    report(world, me, submitted=(2, 3), state=OpinionReport.State.DECLINED, changed=(2, 10))  # not adopted: 1
    session = SessionFactory(committee=world.district, starts_at=at(6, 1))
    SessionAttendance.objects.create(session=session, member=me, status=SessionAttendance.Status.PRESENT)
    return {"sole": sole, "joint": joint, "adopted": adopted, "session": session}


def test_duty_record_lines_points_and_caps_from_the_source_tables(world, year_of_work):
    record = duty_record(world.member_record, 2026)
    kinds = sorted(str(line.event.kind) for line in record.lines)
    assert kinds == sorted(
        str(k)
        for k in [
            *[K.ACTIVITY_STUDY] * 4,
            K.ACTIVITY_THREE_ENTERS,
            K.ACTIVITY_EXCUSED,
            K.ACTIVITY_ABSENT,
            *[K.PROPOSAL_SUBMITTED] * 4,
            K.PROPOSAL_FILED_LEAD,
            K.PROPOSAL_JOINT_FIRST,
            K.PROPOSAL_FILED_LEAD,
            K.PROPOSAL_KEY_LEAD,
            K.REPORT_SUBMITTED,
            *[K.REPORT_ADOPTED_CITY] * 2,
            K.INSTRUCTION_CITY,  # adoption: 2 lines
            K.REPORT_NOT_ADOPTED,  # the declined report: no submission line, only the rule book's "not adopted"
            K.CONSULTATION_PRESENT,
        ]
    )
    assert subtotals(record.breakdown) == {
        "活动": (D("37.50"), D("30.00")),
        "提案": (D(25), D(25)),
        "提案加分": (D(5), D(5)),
        "社情民意": (D(11), D(11)),
        "市级以上采用": (D(6), D(6)),
    }
    assert record.breakdown.total == D(85) + D(30) + D(25) + D(5) + D(11) + D(6)
    joint = next(line for line in record.lines if line.event.kind == K.PROPOSAL_JOINT_FIRST)
    assert joint.event.authors == 2 and joint.event.role == "first_author" and joint.points == D(10)
    # every line links to its source page
    assert all(source_url(line.event.source) for line in record.lines)
    assert source_url(("proposals.proposal", year_of_work["sole"].pk)) == f"/proposals/{year_of_work['sole'].pk}/"
    assert source_url(("consultations.consultationsession", year_of_work["session"].pk))


def test_the_cosigner_gets_the_cosigner_line(world, year_of_work):
    record = duty_record(world.convener_member, 2026)
    kinds = sorted(line.event.kind for line in record.lines)
    assert kinds == sorted([*[K.ACTIVITY_STUDY] * 4, K.PROPOSAL_SUBMITTED, K.PROPOSAL_FILED_COSIGNER])
    assert subtotals(record.breakdown)["提案"] == (D(5), D(5))


def test_a_quarter_lists_only_its_events_and_prices_extras_over_the_year(world, year_of_work):
    record = duty_record(world.member_record, 2026, quarter=2)
    assert {line.event.kind for line in record.lines} == {
        K.ACTIVITY_STUDY,
        K.ACTIVITY_THREE_ENTERS,
        K.PROPOSAL_FILED_LEAD,
        K.PROPOSAL_KEY_LEAD,
        K.PROPOSAL_SUBMITTED,
        K.REPORT_ADOPTED_CITY,
        K.INSTRUCTION_CITY,
        K.CONSULTATION_PRESENT,
    }
    extra = next(line for line in record.lines if line.event.kind == K.PROPOSAL_FILED_LEAD)
    assert extra.points == D(5) and extra.category == "提案加分"


def test_events_stream_in_member_order_and_respect_member_ids(world, year_of_work):
    rows = list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31)))
    ids = [m for m, _e in rows]
    assert ids == sorted(ids) and world.outsider_member.pk not in ids
    only = list(
        duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31), member_ids=[world.convener_member.pk])
    )
    assert {m for m, _e in only} == {world.convener_member.pk} and len(only) == 6


def test_one_members_events_through_the_kept_statement_are_the_built_ones(world, year_of_work):
    """A member's events come from a statement kept per committee and period (on PostgreSQL prepared per
    connection) with only the member's id changing: each member, of either committee, in any order, gets
    exactly what the statement built for them gives."""
    from assessments import sources

    outsider = world.outsider_member
    cases = [
        (world.district, world.member_record),
        (world.district, world.convener_member),
        (outsider.committee, outsider),
        (world.district, world.member_record),
        (outsider.committee, outsider),
    ]
    for _round in range(2):
        for committee, member in cases:
            for start, end in ((date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 1, 1), date(2026, 3, 31))):
                kept = list(duty_events(committee, start, end, member_ids=[member.pk]))
                with connection.cursor() as cursor:
                    cursor.execute(*sources._events_sql(committee, start, end, [member.pk]))
                    built = cursor.fetchall()
                assert sorted((e.kind, e.on, e.source) for _m, e in kept) == sorted(
                    (k, d if isinstance(d, date) else date.fromisoformat(d), (sources.SOURCE_LABELS[s - 1], p))
                    for _m, k, d, _q, _a, s, p, _t, _r in built
                )
                assert {m for m, _e in kept} <= {member.pk}
    assert len(list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31), member_ids=[outsider.pk]))) == 0


def test_behind_a_transaction_pooler_the_events_statement_is_not_prepared(world, year_of_work):
    """With DISABLE_SERVER_SIDE_CURSORS (pgbouncer in transaction mode) no statement is prepared: the next
    client of the pooled session would not find it."""
    before = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False)
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        with CaptureQueriesContext(connection) as ctx:
            rows = list(
                duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31), member_ids=[world.member_record.pk])
            )
    finally:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = before
    assert rows and not any("PREPARE" in q["sql"] or "EXECUTE" in q["sql"] for q in ctx.captured_queries)


def _run(world, quarter):
    run = rollup_start(committee=world.district, year=2026, quarter=quarter, actor=world.district_staff)
    return rollup_execute(run_id=run.pk)


def _snapshots():
    return sorted(
        MemberSnapshot.objects.values(
            "member_id",
            "quarter",
            "points",
            "points_by_category",
            "ytd_total",
            "ytd_grade",
            "missing",
            "activities_present",
            "activities_excused",
            "activities_absent",
            "three_enters",
            "proposals",
            "reports",
            "consultations",
        ),
        key=repr,
    )


def test_rollup_reads_the_sources_and_is_reproducible(world, year_of_work):
    _run(world, 2)
    first = _snapshots()
    mine = next(s for s in first if s["member_id"] == world.member_record.pk)
    assert (mine["activities_present"], mine["three_enters"], mine["proposals"], mine["consultations"]) == (2, 1, 1, 1)
    assert mine["ytd_total"] == D(85) + D(30) + D(25) + D(5) + D(11) + D(6)
    _run(world, 2)
    assert _snapshots() == first


def test_rollup_query_count_does_not_grow_with_members(world):
    ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)

    def add_members(n):
        members = [
            f.MembershipFactory(
                group=world.group, member__committee=world.district, member__term=world.member_record.term
            ).member
            for _ in range(n)
        ]
        activity(world, 1, 10 + n, members)
        for m in members:
            proposal(world, m, submitted=(2, 1), filed=(2, 3), cosigners=[world.member_record])
            r = report(world, m, submitted=(2, 4))
            Adoption.objects.create(report=r, level="district", date=date(2026, 3, 1))
            SessionAttendance.objects.create(
                session=SessionFactory(committee=world.district, starts_at=at(3, 2)), member=m
            )

    def queries():
        run = rollup_start(committee=world.district, year=2026, quarter=1, actor=world.district_staff)
        with CaptureQueriesContext(connection) as ctx:
            rollup_execute(run_id=run.pk)
        return len(ctx.captured_queries)

    add_members(2)
    queries()  # warms the content-type cache
    small = queries()
    add_members(8)
    assert queries() == small
    assert MemberSnapshot.objects.filter(quarter=1, proposals__gt=0).count() >= 10


def test_activity_held_on_the_last_evening_of_a_quarter_counts_in_that_quarter(world):
    activity(world, 3, 31, [world.member_record], hour=23)
    rows = list(duty_events(world.district, date(2026, 1, 1), date(2026, 3, 31)))
    assert [e.kind for _m, e in rows] == [K.ACTIVITY_STUDY]
    assert rows[0][1].on == date(2026, 3, 31)


def test_a_late_adoption_or_corrected_attendance_marks_the_quarter_stale(world, year_of_work):
    from assessments.models import RollupRun
    from consultations.services import attendance_set
    from proposals.services import report_record_adoption

    run = _run(world, 2)
    assert not RollupRun.objects.get(pk=run.pk).is_stale
    report_record_adoption(
        report_id=year_of_work["adopted"].pk, actor=world.district_staff, level="provincial", date=date(2026, 5, 20)
    )
    assert RollupRun.objects.get(pk=run.pk).is_stale
    RollupRun.objects.filter(pk=run.pk).update(is_stale=False)
    attendance_set(
        session_id=year_of_work["session"].pk, member=world.member_record, status="absent", actor=world.district_staff
    )
    assert RollupRun.objects.get(pk=run.pk).is_stale


def test_a_change_to_an_activity_of_a_rolled_up_quarter_marks_it_stale(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from activities.services import activities as activity_services
    from assessments.models import RollupRun
    from tests.groups.factories import ActivityFactory

    may = datetime(2026, 5, 6, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    activity = ActivityFactory(group=world.group, state="announced", starts_at=may, ends_at=may.replace(hour=11))
    done = RollupRun.objects.create(committee=world.district, year=2026, quarter=2, status=RollupRun.Status.DONE)
    earlier = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)
    activity_services.activity_cancel(activity_id=activity.pk, actor=world.convener)
    done.refresh_from_db()
    earlier.refresh_from_db()
    assert done.is_stale and not earlier.is_stale


def _sql_events(committee, start, end, **kwargs):
    """The roll-up's SQL relation of events, as comparable tuples."""
    from assessments.sources import SOURCE_LABELS, event_sql

    sql, params = event_sql(committee, start, end, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if "counts_from" in kwargs:
        return sorted(rows)
    return sorted(
        (m, str(k), d if isinstance(d, date) else date.fromisoformat(d), int(q), a, (SOURCE_LABELS[s - 1], p))
        for m, k, d, q, a, s, p in rows
    )


def _python_events(committee, start, end):
    return sorted(
        (m, str(e.kind), e.on, int(e.quantity), e.authors, e.source) for m, e in duty_events(committee, start, end)
    )


def _counted(events, since):
    from collections import Counter

    counts, recent = Counter(), Counter()
    for m, k, on, q, a, _source in events:
        counts[m, k, q, a] += 1
        recent[m, k, q, a] += on >= since
    return sorted((*key, n, recent[key]) for key, n in counts.items())


@pytest.mark.parametrize(
    "start,end",
    [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 2, 1), date(2026, 2, 10)),
    ],
)
def test_the_rollups_sql_events_are_the_duty_records_events(world, year_of_work, start, end):
    """The roll-up's SQL relation holds the duty record's events, and counts them the same way."""
    # more shapes: a report with co-authors, adopted twice; a key proposal marked through the service
    co = report(world, world.convener_member, submitted=(4, 1))
    co.co_authors.add(world.member_record)
    Adoption.objects.create(report=co, level="district", date=date(2026, 4, 3))
    Adoption.objects.create(report=co, level="national", date=date(2026, 6, 3))
    Instruction.objects.create(report=co, leader="王区长", level="district", date=date(2026, 6, 9), text="阅")
    orphan = OpinionReportFactory(committee=world.district, author=None, group=world.group)  # a group's report
    OpinionReport.objects.filter(pk=orphan.pk).update(created_at=at(4, 2), updated_at=at(4, 2))
    orphan.co_authors.add(world.convener_member)
    key = proposal(
        world, world.convener_member, submitted=(1, 9), filed=(4, 20), cosigners=[world.member_record], is_key=True
    )
    from core.models import AuditEvent
    from core.services import record_event

    record_event(key, actor=world.district_staff, verb="key_marked")  # marked key on 15 May, after filing
    AuditEvent.objects.filter(verb="key_marked").update(created_at=at(5, 15))
    want = _python_events(world.district, start, end)
    assert want, "the fixture has events in every window tested"
    assert _sql_events(world.district, start, end) == want
    # counted per member and kind, "in the quarter" decided on the source's own datetime column
    since = date(2026, 4, 1)
    assert _sql_events(world.district, start, end, counts_from=since) == _counted(want, since)
    kinds = {str(K.PROPOSAL_FILED_LEAD), str(K.REPORT_ADOPTED_NATIONAL)}  # only the branches that yield them
    only = _sql_events(world.district, start, end, kinds=kinds)
    assert set(only) <= set(want) and {row for row in want if row[1] in kinds} <= set(only)
    assert not any(row[1].startswith("activity") for row in only)
    # the rest, counted: every other branch (attendance, the bulk one, always stays)
    rest = _sql_events(world.district, start, end, except_small=kinds, counts_from=since)
    assert not any(row[1] in kinds for row in rest)
    assert sorted(rest + _counted(only, since)) == _counted(want, since)


def test_the_roll_ups_counts_may_hold_another_committees_member_but_only_its_own_members_get_snapshots(
    world, year_of_work
):
    """Counted for the roll-up (``members_checked``), the attendance skips the lookup of each row's member:
    an outsider listed at the committee's activity is counted, and the roll-up still writes no snapshot for them."""
    since, outsider = date(2026, 4, 1), world.outsider_member.pk
    checked = _sql_events(world.district, date(2026, 1, 1), date(2026, 6, 30), counts_from=since)
    unchecked = _sql_events(
        world.district, date(2026, 1, 1), date(2026, 6, 30), counts_from=since, members_checked=True
    )
    assert [row for row in unchecked if row[0] != outsider] == checked
    assert any(row[0] == outsider for row in unchecked)
    _run(world, 1)
    assert MemberSnapshot.objects.filter(quarter=1).exists()
    assert not MemberSnapshot.objects.filter(member_id=outsider).exists()


def test_the_sql_events_put_the_last_evening_of_a_quarter_in_that_quarter(world):
    activity(world, 3, 31, [world.member_record], hour=23)
    activity(world, 4, 1, [world.member_record], hour=0)
    assert [(k, d) for _m, k, d, *_ in _sql_events(world.district, date(2026, 1, 1), date(2026, 3, 31))] == [
        (K.ACTIVITY_STUDY, date(2026, 3, 31))
    ]


# --- plenary attendance and excellent proposals ---------------------------------------------------


def plenary(world, counts, *, start=date(2026, 1, 10), half_days=4):
    """A district plenary session starting on ``start`` with each member's (present, excused, absent)."""
    from plenary.services import plenary_attendance_set
    from tests.groups.factories import PlenarySessionFactory

    session = PlenarySessionFactory(
        committee=world.district,
        year=start.year,
        start_date=start,
        end_date=start + timedelta(days=2),
        half_days=half_days,
    )
    for member, (present, excused, absent) in counts.items():
        plenary_attendance_set(
            session_id=session.pk,
            member_id=member.pk,
            present=present,
            excused=excused,
            absent=absent,
            actor=world.district_staff,
        )
    return session


def excellent(world, proposal_, month, day, hour=10):
    from proposals.services import proposal_mark_excellent

    return proposal_mark_excellent(proposal_id=proposal_.pk, actor=world.district_staff, now=at(month, day, hour))


def _kinds(rows, member):
    return sorted((e.kind, e.quantity, e.on) for m, e in rows if m == member.pk)


def test_plenary_attendance_becomes_one_event_per_count_with_half_days_as_quantity(world):
    me, convener = world.member_record, world.convener_member
    session = plenary(world, {me: (3, 1, 0), convener: (0, 0, 4)})
    plenary(world, {me: (4, 0, 0)}, start=date(2025, 1, 12))  # last year's session: outside the period
    rows = list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31)))
    assert _kinds(rows, me) == [
        (K.PLENARY_EXCUSED, D(1), date(2026, 1, 10)),
        (K.PLENARY_PRESENT, D(3), date(2026, 1, 10)),
    ]
    assert _kinds(rows, convener) == [(K.PLENARY_ABSENT, D(4), date(2026, 1, 10))]
    event = next(e for _m, e in rows if e.kind == K.PLENARY_PRESENT)
    assert event.source == ("groups.plenarysession", session.pk) and (event.role, event.authors) == ("", 1)
    assert event.title and source_url(event.source) is None  # no page for a session: shown without a link
    assert [m for m, _e in rows] == sorted(m for m, _e in rows)
    assert list(duty_events(world.district, date(2026, 2, 1), date(2026, 12, 31))) == []


def test_excellent_bonus_goes_to_every_author_on_the_day_it_was_marked(world):
    me, convener = world.member_record, world.convener_member
    joint = proposal(world, me, submitted=(1, 6), filed=(2, 2), cosigners=[convener])
    excellent(world, joint, 3, 31, hour=23)  # late on the last evening of Q1 (Asia/Shanghai): still Q1
    q1 = list(duty_events(world.district, date(2026, 1, 1), date(2026, 3, 31)))
    bonus = {m: e for m, e in q1 if e.kind in (K.PROPOSAL_EXCELLENT_LEAD, K.PROPOSAL_EXCELLENT_COSIGNER)}
    assert bonus[me.pk].kind == K.PROPOSAL_EXCELLENT_LEAD and bonus[me.pk].role == "first_author"
    assert bonus[convener.pk].kind == K.PROPOSAL_EXCELLENT_COSIGNER and bonus[convener.pk].role == "co_signer"
    assert {e.on for e in bonus.values()} == {date(2026, 3, 31)} and {e.authors for e in bonus.values()} == {2}
    assert bonus[me.pk].source == ("proposals.proposal", joint.pk)
    q2 = list(duty_events(world.district, date(2026, 4, 1), date(2026, 6, 30)))
    assert not [e for _m, e in q2 if "excellent" in e.kind]


def test_an_unmarked_excellent_proposal_earns_no_bonus(world):
    from proposals.services import proposal_unmark_excellent

    sole = proposal(world, world.member_record, submitted=(1, 5), filed=(2, 1))
    excellent(world, sole, 3, 1)
    proposal_unmark_excellent(proposal_id=sole.pk, actor=world.district_staff)
    rows = list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31)))
    assert not [e for _m, e in rows if "excellent" in e.kind]


@pytest.fixture
def plenary_year(world):
    """Q1 2026: the plenary (4 half-days) and two filed proposals, one joint and rated excellent."""
    me, convener = world.member_record, world.convener_member
    plenary(world, {me: (3, 1, 0), convener: (0, 0, 4)})
    proposal(world, me, submitted=(1, 5), filed=(2, 1))
    joint = proposal(world, me, submitted=(1, 6), filed=(2, 2), cosigners=[convener])
    excellent(world, joint, 3, 5)
    return world


def test_minhang_prices_plenary_half_days_and_the_excellent_bonus(plenary_year):
    world = plenary_year
    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    mine = duty_record(world.member_record, 2026)
    # 会议: 3 half-days x 5 = 15 (leave is not priced); 提案: filed 15 + joint first (as lead) 15 + excellent 10
    assert subtotals(mine.breakdown) == {"会议": (D(15), D(15)), "提案": (D(40), D(40))}
    assert mine.breakdown.total == D(55) and mine.breakdown.grade == "不称职"
    theirs = duty_record(world.convener_member, 2026)
    # absent 4 half-days: no rule, 0; co-signer filed 3 + excellent 2
    assert subtotals(theirs.breakdown) == {"提案": (D(5), D(5))}
    absent = next(line for line in theirs.lines if line.event.kind == K.PLENARY_ABSENT)
    assert absent.rule_kind is None and absent.points == 0


def test_hefei_deducts_10_per_session_missed_without_leave(plenary_year):
    world = plenary_year
    ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    theirs = duty_record(world.convener_member, 2026)
    # 85 + co-signer filed 5 - 10 for the session missed (4 half-days, one absence) ; no excellent rule
    assert theirs.breakdown.total == D(85) + D(5) - D(10)
    assert duty_record(world.member_record, 2026).breakdown.deductions == 0


def test_jinan_deducts_per_session_for_leave_and_for_absence(plenary_year):
    world = plenary_year
    ruleset_create_from_preset(committee=world.district, year=2026, preset="jinan", actor=None)
    assert duty_record(world.member_record, 2026).breakdown.total == D(70) - D(10)  # 1 half-day on leave
    assert duty_record(world.convener_member, 2026).breakdown.total == D(70) - D(30)  # absent without leave


def test_tongcheng_counts_the_plenary_once(plenary_year):
    world = plenary_year
    ruleset_create_from_preset(committee=world.district, year=2026, preset="tongcheng", actor=None)
    mine = duty_record(world.member_record, 2026)
    # 会议: present 50 + leave 30, capped at 50; 提案: sole 10 + 15, joint split 10/2 + 15/2 = 12.5 → 37.5, cap 25
    assert subtotals(mine.breakdown) == {"会议": (D(80), D(50)), "提案": (D("37.50"), D(25))}
    assert mine.breakdown.total == D(75)
    theirs = duty_record(world.convener_member, 2026)
    assert subtotals(theirs.breakdown)["会议"] == (D(0), D(0))


def test_a_corrected_plenary_attendance_marks_its_quarter_and_later_ones_stale(world):
    from assessments.models import RollupRun
    from plenary.services import plenary_attendance_set

    session = plenary(world, {world.member_record: (4, 0, 0)})  # January: Q1
    q1 = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)
    q2 = RollupRun.objects.create(committee=world.district, year=2026, quarter=2, status=RollupRun.Status.DONE)
    plenary_attendance_set(
        session_id=session.pk,
        member_id=world.member_record.pk,
        present=2,
        excused=2,
        absent=0,
        actor=world.district_staff,
    )
    assert RollupRun.objects.filter(pk__in=[q1.pk, q2.pk], is_stale=True).count() == 2
    RollupRun.objects.update(is_stale=False)
    plenary_attendance_set(
        session_id=session.pk,
        member_id=world.member_record.pk,
        present=2,
        excused=2,
        absent=0,
        actor=world.district_staff,
    )  # unchanged: nothing to recompute
    assert not RollupRun.objects.filter(is_stale=True).exists()


def test_marking_a_proposal_excellent_marks_the_quarter_stale(world):
    from assessments.models import RollupRun

    sole = proposal(world, world.member_record, submitted=(1, 5), filed=(2, 1))
    q1 = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)
    excellent(world, sole, 3, 20)
    assert RollupRun.objects.get(pk=q1.pk).is_stale


def test_plenary_and_excellent_events_cost_the_same_queries_for_more_members(world):
    def add(n):
        members = [
            f.MembershipFactory(
                group=world.group, member__committee=world.district, member__term=world.member_record.term
            ).member
            for _ in range(n)
        ]
        plenary(world, {m: (3, 1, 0) for m in members}, start=date(2026, 1, 10 + n))
        for m in members:
            excellent(world, proposal(world, m, submitted=(1, 5), filed=(2, 1), cosigners=[world.member_record]), 3, 1)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31)))
        return len(ctx.captured_queries)

    add(2)
    queries()
    small = queries()
    add(8)
    assert queries() == small


def test_the_duty_record_page_shows_plenary_half_days_without_a_link(
    world, client_for, plenary_year, django_assert_max_num_queries
):
    from django.urls import reverse

    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    client = client_for(world.member)
    client.get(reverse("assessments:my_record"), {"year": 2026})  # warms the session and content-type caches
    with django_assert_max_num_queries(20):  # the page's own queries plus one per source table (fixed)
        body = client.get(
            reverse("assessments:my_record"), {"year": 2026}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert (
        "3个半天" in body and "1个半天" in body and re.search(r"十四届([一二三四五六七八九十]+|\d+)次全体会议", body)
    )  # the factory's session number
    assert "优秀提案" in body
    pdf = client_for(world.member).get(reverse("assessments:my_record_pdf"), {"year": 2026})
    assert pdf.status_code == 200


@pytest.mark.parametrize("preset", ["minhang", "hefei", "jinan", "tongcheng"])
def test_the_sql_roll_up_totals_are_the_duty_records_under_every_preset(plenary_year, year_of_work, preset):
    """Plenary half-days, excellent bonuses and everything else, read from the real tables: the Q1
    roll-up's year-to-date total, grade and missing minimums equal the duty record's."""
    world = plenary_year
    from assessments.models import RuleSet

    RuleSet.objects.filter(committee=world.district, year=2026).delete()  # year_of_work made 合肥's
    ruleset_create_from_preset(committee=world.district, year=2026, preset=preset, actor=None)
    for quarter in (1, 2):
        _run(world, quarter)
        for member in (world.member_record, world.convener_member):
            record = duty_record(member, 2026, quarter=quarter)
            snap = MemberSnapshot.objects.get(member=member, quarter=quarter)
            assert (snap.ytd_total, snap.ytd_grade) == (record.breakdown.total, record.breakdown.grade or ""), member
            assert [m["kind"] for m in snap.missing] == [m.kind for m in record.breakdown.missing]


def _report_through_the_services(world, author_user, co_user, submitted):
    """A report with a co-author, written, confirmed and submitted through the services on ``submitted``."""
    from proposals import services

    r = services.report_submit(
        actor=author_user,
        title="关于社区食堂的建议",
        content="建议",
        today=submitted,
        co_author_ids=[co_user.member.pk],
    )
    services.coauthor_respond(invitation_id=r.invitations.get().pk, accept=True, actor=co_user, today=submitted)
    services.report_submit_draft(report_id=r.pk, actor=author_user, today=submitted)
    OpinionReport.objects.filter(pk=r.pk).update(created_at=at(submitted.month, submitted.day))
    return r


def _roll_up(world, quarter):
    run = rollup_execute(
        run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=world.district_staff).pk
    )
    return {
        m: MemberSnapshot.objects.get(run=run, member_id=m) for m in (world.member_record.pk, world.convener_member.pk)
    }


def test_a_report_scores_its_submission_only_once_accepted_on_the_record_and_in_the_roll_up(world):
    """A submitted report is not yet a report that counts: neither its author nor its co-author meets the
    report minimum with it, on the duty record or in the roll-up, until staff accept it."""
    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    r = _report_through_the_services(world, world.member, world.convener, date(2026, 5, 4))
    for member in (world.member_record, world.convener_member):
        record = duty_record(member, 2026)
        assert K.REPORT_SUBMITTED not in {line.event.kind for line in record.lines}
        assert K.REPORT_SUBMITTED in {m.kind for m in record.breakdown.missing}
    snapshots = _roll_up(world, 2)
    assert all(str(K.REPORT_SUBMITTED) in str(s.missing) for s in snapshots.values())
    assert all(s.reports == 0 for s in snapshots.values())

    from proposals import services

    services.report_accept(report_id=r.pk, actor=world.staff)
    from assessments.models import RollupRun

    assert RollupRun.objects.get(committee=world.district, year=2026, quarter=2).is_stale  # submitted in Q2
    for member in (world.member_record, world.convener_member):
        record = duty_record(member, 2026)
        assert [line.event.kind for line in record.lines] == [K.REPORT_SUBMITTED]
        assert K.REPORT_SUBMITTED not in {m.kind for m in record.breakdown.missing}
    snapshots = _roll_up(world, 2)
    assert not any(str(K.REPORT_SUBMITTED) in str(s.missing) for s in snapshots.values())
    assert all(s.reports == 1 for s in snapshots.values())


def test_a_declined_or_unanswered_co_author_scores_nothing(world):
    from proposals import services

    r = services.report_submit(
        actor=world.member,
        title="关于社区食堂的建议",
        content="建议",
        today=date(2026, 5, 4),
        co_author_ids=[world.convener_member.pk],
    )
    services.report_submit_draft(report_id=r.pk, actor=world.member, today=date(2026, 5, 20))  # lapsed
    services.report_accept(report_id=r.pk, actor=world.staff)
    OpinionReport.objects.filter(pk=r.pk).update(created_at=at(5, 20))
    rows = list(duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31)))
    assert [(m, e.kind, e.authors) for m, e in rows] == [(world.member_record.pk, K.REPORT_SUBMITTED, 1)]


def test_the_duty_record_page_names_the_quarter_and_the_session_in_chinese_numerals(world, client_for, plenary_year):
    from django.urls import reverse

    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    body = (
        client_for(world.member)
        .get(reverse("assessments:my_record"), {"year": 2026, "quarter": 1}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "截至第一季度末" in body and re.search(
        r"十四届([一二三四五六七八九十]+|\d+)次全体会议", body
    )  # the factory's session number
    assert "第1季度" not in body and not re.search("第[0-9]+届", body) and "---------" not in body


def test_work_at_a_duty_platform_is_its_own_event_priced_by_the_rule_set_in_both_engines(world):
    """履职平台工作: attending an activity held at a platform is a ``platform_work`` event besides the
    activity itself; an absence there is not platform work. The page and the roll-up agree."""
    from assessments.models import PointRule, RuleSet

    studio = f.PlatformFactory(committee=world.district, name="东湖委员工作室")
    present = activity(world, 5, 6, [world.member_record])
    Activity.objects.filter(pk=present.pk).update(platform=studio, group=None)
    missed = activity(world, 5, 7, [world.member_record], status=Attendance.Status.ABSENT)
    Activity.objects.filter(pk=missed.pk).update(platform=studio, group=None)
    rule_set = RuleSet.objects.create(committee=world.district, year=2026)
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=D(2), category="活动")
    PointRule.objects.create(rule_set=rule_set, kind=K.PLATFORM_WORK, points=D(3), category="平台")
    record = duty_record(world.member_record, 2026)
    platform = [line for line in record.lines if line.event.kind == K.PLATFORM_WORK]
    assert [(line.points, line.event.title, line.event.source) for line in platform] == [
        (D(3), f"东湖委员工作室 · {present.title}", ("groups.activity", present.pk))
    ]
    assert record.breakdown.total == D(5)
    _run(world, 2)
    mine = MemberSnapshot.objects.get(member=world.member_record, quarter=2)
    assert (mine.ytd_total, mine.points_by_category, mine.activities_present) == (
        D(5),
        {"活动": "2.00", "平台": "3.00"},
        1,
    )

"""Every transition, legal and illegal, with the Chinese message and nothing saved."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations import services
from consultations.models import Attendance, ConsultationSession, Outcome, OutcomeEntry, Participant, Topic
from core.exceptions import DomainError, InvalidTransition
from core.models import AuditEvent
from tests import factories as f
from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db
S = Outcome.State
YEAR = timezone.localdate().year


def _propose(world, actor, **kw):
    data = dict(
        actor=actor,
        committee=world.district,
        title="背街小巷停车难",
        reasons="居民多次反映",
        source="public",
        proposer_kind="convener",
        year=YEAR,
        group=world.group,
    )
    return services.topic_propose(**(data | kw))


# --- topics -------------------------------------------------------------------------------------


def test_a_convener_proposes_a_topic_for_their_group_with_an_audit_row(world):
    topic = _propose(world, world.convener)
    assert topic.state == Topic.State.CANDIDATE and topic.proposed_by == world.convener
    assert AuditEvent.objects.filter(object_id=str(topic.pk), verb="proposed").exists()


def test_a_convener_cannot_propose_for_another_group(world):
    with pytest.raises(DomainError, match="只能"):
        _propose(world, world.convener, group=world.other_group)
    assert not Topic.objects.exists()


def test_resident_details_are_kept_only_for_resident_topics(world):
    with pytest.raises(DomainError, match="居民"):
        _propose(world, world.district_staff, resident_name="王阿姨")
    topic = _propose(
        world, world.district_staff, proposer_kind="resident", resident_name="王阿姨", resident_contact="13900001111"
    )
    assert topic.resident_contact == "13900001111"


def test_the_database_refuses_resident_details_on_a_staff_topic(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicFactory(committee=world.district, resident_name="王阿姨")


def test_topics_are_ranked_adopted_and_declined_once(world):
    topic = _propose(world, world.convener)
    services.topic_rank(topic_id=topic.pk, rank=1, actor=world.convener)
    services.topic_adopt(topic_id=topic.pk, actor=world.district_staff, annual_front_line=True)
    topic.refresh_from_db()
    assert (topic.rank, topic.state, topic.is_annual_front_line, topic.is_published) == (1, "adopted", True, True)
    for call in (
        lambda: services.topic_adopt(topic_id=topic.pk, actor=world.staff),
        lambda: services.topic_decline(topic_id=topic.pk, reason="x", actor=world.staff),
        lambda: services.topic_rank(topic_id=topic.pk, rank=2, actor=world.staff),
    ):
        with pytest.raises(InvalidTransition):
            call()


def test_declining_a_topic_needs_a_reason(world):
    topic = _propose(world, world.convener)
    with pytest.raises(DomainError, match="理由"):
        services.topic_decline(topic_id=topic.pk, reason=" ", actor=world.staff)
    services.topic_decline(topic_id=topic.pk, reason="不属于政协协商范围", actor=world.staff)
    assert Topic.objects.get().state == "declined"


def test_another_convener_cannot_adopt_a_topic_of_a_group_they_do_not_convene(world):
    topic = _propose(world, world.convener)
    with pytest.raises(DomainError):
        services.topic_adopt(topic_id=topic.pk, actor=world.other_convener)
    assert Topic.objects.get().state == "candidate"


# --- sessions -----------------------------------------------------------------------------------


def _session(world, actor=None, **kw):
    data = dict(
        title="东湖社区月月说事",
        form="grassroots",
        level="community",
        place="东湖社区",
        starts_at=timezone.now() - timedelta(hours=2),
        group=world.group,
    )
    return services.session_create(actor=actor or world.convener, committee=world.district, **(data | kw))


def test_a_session_takes_the_platform_brand(world):
    platform = f.PlatformFactory(
        committee=world.district, kind="consultation", brand="月月说事", host_group=world.group
    )
    session = _session(world, platform=platform)
    assert session.brand == "月月说事" and session.display_form == "基层协商·月月说事"


def test_a_session_cannot_end_before_it_starts(world):
    start = timezone.now()
    with pytest.raises(DomainError, match="结束"):
        _session(world, starts_at=start, ends_at=start - timedelta(hours=1))
    assert not ConsultationSession.objects.exists()


def test_a_session_takes_up_an_adopted_topic_only(world):
    topic = TopicFactory(committee=world.district, group=world.group)
    with pytest.raises(DomainError):
        _session(world, topic=topic)


def test_a_convener_cannot_plan_or_edit_another_groups_session(world):
    with pytest.raises(DomainError):
        _session(world, group=world.other_group)
    session = _session(world, actor=world.district_staff, group=world.other_group)
    with pytest.raises(DomainError):
        services.session_update(session_id=session.pk, actor=world.convener, title="改")
    with pytest.raises(DomainError):
        services.session_update(session_id=session.pk, actor=world.other_convener, group=world.group)


def test_a_session_is_held_then_published_by_staff_only(world):
    session = _session(world, starts_at=timezone.now() + timedelta(days=1))
    with pytest.raises(DomainError, match="开始"):
        services.session_hold(session_id=session.pk, actor=world.convener)
    session = _session(world)
    with pytest.raises(InvalidTransition):
        services.session_publish(session_id=session.pk, actor=world.district_staff)
    services.session_hold(session_id=session.pk, actor=world.convener)
    with pytest.raises(InvalidTransition):
        services.session_hold(session_id=session.pk, actor=world.convener)
    with pytest.raises(DomainError):
        services.session_publish(session_id=session.pk, actor=world.convener)
    services.session_publish(session_id=session.pk, actor=world.district_staff)
    assert ConsultationSession.objects.get(pk=session.pk).is_published
    with pytest.raises(InvalidTransition):
        services.session_publish(session_id=session.pk, actor=world.district_staff)
    with pytest.raises(InvalidTransition):
        services.session_cancel(session_id=session.pk, actor=world.district_staff)


def test_a_convener_does_not_record_their_own_attendance_at_a_session(world):
    from consultations.forms import AttendanceForm

    session = _session(world)
    with pytest.raises(DomainError, match="副召集人"):
        services.attendance_set(
            session_id=session.pk, member=world.convener_member, status="present", actor=world.convener
        )
    assert not Attendance.objects.exists()
    assert world.convener_member not in AttendanceForm(session=session, actor=world.convener).fields["member"].queryset
    services.attendance_set(
        session_id=session.pk, member=world.convener_member, status="present", actor=world.district_staff
    )
    assert Attendance.objects.get().status == "present"


def test_attendance_and_participants_are_recorded(world):
    session = _session(world)
    services.attendance_set(session_id=session.pk, member=world.member_record, status="present", actor=world.convener)
    services.attendance_set(
        session_id=session.pk, member=world.member_record, status="excused", reason="出差", actor=world.convener
    )
    assert Attendance.objects.get().status == "excused"
    with pytest.raises(DomainError, match="请假"):
        services.attendance_set(
            session_id=session.pk, member=world.member_record, status="excused", actor=world.convener
        )
    with pytest.raises(DomainError, match="部门"):
        services.participant_add(session_id=session.pk, kind="department", name="李科长", actor=world.convener)
    services.participant_add(
        session_id=session.pk, kind="department", name="李科长", unit=world.unit, actor=world.convener
    )
    services.participant_add(
        session_id=session.pk, kind="resident", name="王阿姨", contact="13900001111", actor=world.convener
    )
    assert Participant.objects.count() == 2


def test_stage_records_keep_who_said_what(world):
    session = _session(world)
    services.stage_record_add(
        session_id=session.pk, stage="interaction", speaker="王阿姨", content="晚上停车难", actor=world.convener
    )
    with pytest.raises(DomainError):
        services.stage_record_add(
            session_id=session.pk, stage="response", speaker="", content="x", actor=world.convener
        )
    assert session.stage_records.count() == 1


def test_uploads_are_checked_by_content_and_size(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = _session(world)
    fake = SimpleUploadedFile("纪要.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(DomainError, match="PDF"):
        services.document_upload(session_id=session.pk, kind="minutes", upload=fake, actor=world.convener)
    settings.FILE_UPLOAD_MAX_BYTES = 10
    big = SimpleUploadedFile("a.pdf", b"%PDF-1.4" + b"0" * 100)
    with pytest.raises(DomainError, match="MB"):
        services.document_upload(session_id=session.pk, kind="minutes", upload=big, actor=world.convener)
    settings.FILE_UPLOAD_MAX_BYTES = 1000
    doc = services.document_upload(session_id=session.pk, kind="minutes", upload=big, actor=world.convener)
    assert doc.content_type == "application/pdf" and session.documents.count() == 1


# --- outcomes -----------------------------------------------------------------------------------


def _at(world, state, **kw):
    if state in Outcome.HANDED_OVER:
        extra = {"reply": "已完成"} if state in ("replied", "reviewed", "published", "closed") else {}
        return handed_outcome(world.unit, state=state, **extra, **kw)
    if state == S.MERGED:
        return OutcomeFactory(
            session__committee=world.district,
            state=state,
            merged_into=OutcomeFactory(session__committee=world.district),
        )
    if state == S.DECLINED:
        return OutcomeFactory(session__committee=world.district, state=state, evaluation_comment="重复")
    return OutcomeFactory(session__committee=world.district, state=state, **kw)


ACTIONS = {
    "adopt": (
        (S.PENDING,),
        lambda w, o: services.outcome_evaluate(outcome_id=o.pk, decision="adopt", actor=w.district_staff),
    ),
    "decline": (
        (S.PENDING,),
        lambda w, o: services.outcome_evaluate(
            outcome_id=o.pk, decision="decline", comment="已有同类", actor=w.district_staff
        ),
    ),
    "assign": (
        (S.ADOPTED,),
        lambda w, o: services.outcome_assign(
            outcome_id=o.pk, unit=w.unit, deadline=date.today() + timedelta(days=30), actor=w.district_staff
        ),
    ),
    "progress": (
        (S.ASSIGNED, S.HANDLING),
        lambda w, o: services.outcome_progress(outcome_id=o.pk, text="已勘察", actor=w.unit_user),
    ),
    "supervise": (
        (S.ASSIGNED, S.HANDLING, S.REPLIED),
        lambda w, o: services.outcome_supervise(outcome_id=o.pk, text="请加快", actor=w.leader),
    ),
    "reply": (
        (S.ASSIGNED, S.HANDLING),
        lambda w, o: services.outcome_reply(outcome_id=o.pk, text="已建成", actor=w.unit_user),
    ),
    "review": (
        (S.REPLIED,),
        lambda w, o: services.outcome_review(outcome_id=o.pk, accept=True, actor=w.district_staff),
    ),
    "publish": ((S.REVIEWED,), lambda w, o: services.outcome_publish(outcome_id=o.pk, actor=w.district_staff)),
    "follow_up": (
        (S.PUBLISHED,),
        lambda w, o: services.outcome_follow_up(outcome_id=o.pk, text="已投用", actor=w.district_staff),
    ),
    "close": ((S.PUBLISHED,), lambda w, o: services.outcome_close(outcome_id=o.pk, actor=w.district_staff)),
}
CASES = [(name, state, state in allowed) for name, (allowed, _c) in ACTIONS.items() for state in S.values]


@pytest.mark.parametrize(("action", "state", "legal"), CASES, ids=[f"{a}-from-{s}" for a, s, _l in CASES])
def test_every_outcome_transition_is_legal_only_from_its_states(world, action, state, legal):
    outcome = _at(world, state)
    events = AuditEvent.objects.count()
    call = ACTIONS[action][1]
    if legal:
        call(world, outcome)
        assert AuditEvent.objects.count() > events
    else:
        with pytest.raises(InvalidTransition):
            call(world, outcome)
        outcome.refresh_from_db()
        assert outcome.state == state and AuditEvent.objects.count() == events


def test_the_whole_path_from_evaluation_to_closing(world):
    o = _at(world, S.PENDING)
    steps = ["adopt", "assign", "progress", "supervise", "reply", "review", "publish", "follow_up", "close"]
    for step in steps:
        ACTIONS[step][1](world, o)
    o.refresh_from_db()
    assert o.state == S.CLOSED and o.answered_on_time is True
    assert list(OutcomeEntry.objects.filter(outcome=o).values_list("kind", flat=True)) == [
        "progress",
        "supervision",
        "follow_up",
    ]
    verbs = list(
        AuditEvent.objects.filter(object_id=str(o.pk), content_type__model="outcome")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[:2] == ["adopted", "assigned"] and verbs[-1] == "closed"


def test_an_outcome_without_a_responsible_unit_cannot_be_handed_over(world):
    o = _at(world, S.ADOPTED)
    with pytest.raises(DomainError, match="承办单位"):
        services.outcome_assign(outcome_id=o.pk, unit=None, deadline=date.today(), actor=world.district_staff)
    with pytest.raises(DomainError, match="期限"):
        services.outcome_assign(
            outcome_id=o.pk, unit=world.unit, deadline=date.today() - timedelta(days=1), actor=world.district_staff
        )
    o.refresh_from_db()
    assert o.state == S.ADOPTED and o.unit is None


def test_a_unit_of_another_committee_cannot_be_given_the_outcome(world):
    o = _at(world, S.ADOPTED)
    far_unit = f.HandlingUnitFactory(committee=world.other)
    with pytest.raises(DomainError):
        services.outcome_assign(outcome_id=o.pk, unit=far_unit, deadline=date.today(), actor=world.district_staff)


def test_the_database_refuses_a_handed_over_outcome_without_a_unit(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeFactory(session__committee=world.district, state=S.ASSIGNED)


def test_only_the_assigned_unit_replies(world):
    o = _at(world, S.ASSIGNED)
    with pytest.raises(DomainError, match="未交办给贵单位"):
        services.outcome_reply(outcome_id=o.pk, text="已办", actor=world.other_unit_user)
    with pytest.raises(DomainError):
        services.outcome_progress(outcome_id=o.pk, text="已办", actor=world.other_unit_user)
    o.refresh_from_db()
    assert o.state == S.ASSIGNED and o.reply == ""


def test_a_late_reply_is_counted_as_late(world):
    o = _at(world, S.HANDLING, deadline=date.today() + timedelta(days=1))
    services.outcome_reply(outcome_id=o.pk, text="已办", actor=world.unit_user, now=timezone.now() + timedelta(days=3))
    o.refresh_from_db()
    assert o.answered_on_time is False


def test_a_returned_reply_goes_back_to_the_unit_with_a_reason(world):
    o = _at(world, S.REPLIED)
    with pytest.raises(DomainError):
        services.outcome_review(outcome_id=o.pk, accept=False, comment="", actor=world.district_staff)
    services.outcome_review(outcome_id=o.pk, accept=False, comment="答复过于笼统", actor=world.district_staff)
    o.refresh_from_db()
    assert o.state == S.HANDLING


def test_merging_needs_another_outcome_of_the_committee(world):
    o = _at(world, S.PENDING)
    with pytest.raises(DomainError):
        services.outcome_evaluate(outcome_id=o.pk, decision="merge", merge_into_id=o.pk, actor=world.district_staff)
    target = _at(world, S.PENDING)
    services.outcome_evaluate(outcome_id=o.pk, decision="merge", merge_into_id=target.pk, actor=world.district_staff)
    o.refresh_from_db()
    assert o.state == S.MERGED and o.merged_into == target


def test_declining_an_outcome_needs_a_reason(world):
    o = _at(world, S.PENDING)
    with pytest.raises(DomainError, match="理由"):
        services.outcome_evaluate(outcome_id=o.pk, decision="decline", actor=world.district_staff)


def test_only_staff_of_the_committee_evaluate(world):
    o = _at(world, S.PENDING)
    for user in (world.convener, world.other_staff, world.unit_user, world.leader):
        with pytest.raises(DomainError):
            services.outcome_evaluate(outcome_id=o.pk, decision="adopt", actor=user)
    services.outcome_evaluate(outcome_id=o.pk, decision="adopt", actor=world.staff)  # the city's staff reach districts


def test_overdue_outcomes_are_flagged(world):
    late = _at(world, S.HANDLING, deadline=date.today() + timedelta(days=1))
    Outcome.objects.filter(pk=late.pk).update(deadline=date.today() - timedelta(days=1))
    _at(world, S.HANDLING)
    late.refresh_from_db()
    assert late.is_overdue() and list(Outcome.objects.overdue()) == [late]


def test_outcomes_are_recorded_for_held_sessions_only(world):
    planned = SessionFactory(committee=world.district, group=world.group, state="planned")
    with pytest.raises(InvalidTransition):
        services.outcome_create(session_id=planned.pk, title="x", content="y", actor=world.convener)
    held = SessionFactory(committee=world.district, group=world.group)
    o = services.outcome_create(session_id=held.pk, title="增设充电桩", content="东门增设", actor=world.convener)
    assert o.state == S.PENDING and o.committee == world.district


def test_a_proposal_can_be_linked(world):
    from tests.proposals.factories import ProposalFactory

    proposal = ProposalFactory(committee=world.district, state="filed", serial_number=15)
    o = _at(world, S.ADOPTED)
    services.outcome_link_proposal(outcome_id=o.pk, proposal_id=proposal.pk, actor=world.district_staff)
    assert Outcome.objects.get(pk=o.pk).proposal == proposal


def test_the_daily_overdue_check_marks_each_outcome_once_per_deadline(world):
    from consultations.tasks import flag_overdue_outcomes

    late = _at(world, S.HANDLING)
    Outcome.objects.filter(pk=late.pk).update(deadline=date.today() - timedelta(days=2))
    _at(world, S.ASSIGNED)  # not late
    assert flag_overdue_outcomes() == 1
    assert flag_overdue_outcomes() == 0  # safe to run twice
    Outcome.objects.filter(pk=late.pk).update(deadline=date.today() - timedelta(days=1))  # a new deadline, late again
    assert services.outcomes_flag_overdue() == 1
    assert AuditEvent.objects.filter(object_id=str(late.pk), verb="overdue").count() == 2


def test_the_daily_overdue_check_is_a_beat_entry_created_by_a_migration():
    """Run the data migration's function itself: a transactional test earlier in the same process may
    have flushed the rows the migration wrote when the test database was built."""
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = import_module("consultations.migrations.0002_overdue_schedule")
    migration.create(apps, None)
    migration.create(apps, None)  # idempotent
    assert PeriodicTask.objects.get(task="consultations.flag_overdue_outcomes").enabled

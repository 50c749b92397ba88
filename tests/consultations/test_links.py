"""Links to the other apps: a session held as a group's activity, research activities of an adopted topic,
and an outcome's proposal (drafted by a member who was there, or an existing one linked by staff)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from consultations import services
from consultations.models import Attendance, ConsultationSession, Outcome, Topic
from consultations.services import sessions
from core.exceptions import DomainError, InvalidTransition
from core.models import AuditEvent
from proposals.models import Proposal
from tests import factories as f
from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/"
S = Outcome.State


def _events(obj, verb):
    return AuditEvent.objects.filter(object_id=str(obj.pk), verb=verb)


def _session_data(world, **kw):
    start = timezone.now() + timedelta(days=2)
    return {
        "title": "加装电梯协商会",
        "form": "grassroots",
        "level": "community",
        "starts_at": start,
        "place": "东湖社区议事厅",
        "group": world.group,
    } | kw


# --- a session held as an activity ----------------------------------------------------------------


def test_a_convener_holds_a_session_as_their_groups_consultation_activity(world, client_for):
    activity = ActivityFactory(group=world.group, kind=Activity.Kind.CONSULTATION)
    session = services.session_create(
        actor=world.convener, committee=world.district, **_session_data(world, activity=activity)
    )
    assert session.activity == activity and activity.consultation_sessions.get() == session
    body = client_for(world.convener).get(reverse("consultations:session", args=[session.pk])).content.decode()
    assert reverse("activities:activity_detail", args=[activity.pk]) in body and "作为履职活动开展" in body
    activity.delete()
    assert ConsultationSession.objects.get(pk=session.pk).activity is None  # SET_NULL


@pytest.mark.parametrize("case", ["other_committee", "other_group", "not_consultation", "cancelled"])
def test_a_session_cannot_be_held_as_an_unrelated_activity(world, case):
    kwargs = {"group": world.group, "kind": Activity.Kind.CONSULTATION}
    if case == "other_committee":
        kwargs["group"] = f.ActivityGroupFactory(committee=world.other)
    elif case == "other_group":
        kwargs["group"] = world.other_group
    elif case == "not_consultation":
        kwargs["kind"] = Activity.Kind.STUDY
    else:
        kwargs["state"] = Activity.State.CANCELLED
    activity = ActivityFactory(**kwargs)
    with pytest.raises(DomainError):
        services.session_create(
            actor=world.district_staff, committee=world.district, **_session_data(world, activity=activity)
        )
    assert not ConsultationSession.objects.exists()


def test_only_someone_who_organises_the_activity_links_a_session_to_it(world):
    session = SessionFactory(committee=world.district, platform=None, group=None, state="planned")
    activity = ActivityFactory(group=world.other_group, kind=Activity.Kind.CONSULTATION)
    with pytest.raises(DomainError, match="只能将会议关联到您负责组织的活动"):
        sessions._check_activity_editor(world.convener, activity)
    services.session_update(session_id=session.pk, actor=world.district_staff, activity=activity)
    assert ConsultationSession.objects.get(pk=session.pk).activity == activity


def test_the_session_api_takes_and_shows_the_activity(world, client_for):
    activity = ActivityFactory(group=world.group, kind=Activity.Kind.CONSULTATION)
    response = client_for(world.convener).post(
        API + "consultations/",
        {
            "committee": world.district.pk,
            "title": "协商会",
            "form": "grassroots",
            "level": "community",
            "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "place": "议事厅",
            "group": world.group.pk,
            "activity": activity.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["activity"] == activity.pk


def test_the_session_form_offers_only_the_users_consultation_activities(world):
    from consultations.forms import SessionForm

    mine = ActivityFactory(group=world.group, kind=Activity.Kind.CONSULTATION)
    ActivityFactory(group=world.group, kind=Activity.Kind.STUDY)
    ActivityFactory(group=world.other_group, kind=Activity.Kind.CONSULTATION)
    assert list(SessionForm(user=world.convener).fields["activity"].queryset) == [mine]


# --- research activities of an adopted topic --------------------------------------------------------


def _adopted(world, **kw):
    return TopicFactory(**({"committee": world.district, "group": world.group, "state": Topic.State.ADOPTED} | kw))


def test_an_adopted_topic_links_its_research_activities_and_shows_them(world, client_for):
    topic = _adopted(world)
    research = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH, title="加装电梯专题调研")
    services.topic_link_research(topic_id=topic.pk, activity_id=research.pk, actor=world.convener)
    assert list(topic.research_activities.all()) == [research]
    assert _events(topic, "research_linked").count() == 1
    body = client_for(world.convener).get(reverse("consultations:topics")).content.decode()
    assert "加装电梯专题调研" in body and "调研活动" in body
    services.topic_link_research(topic_id=topic.pk, activity_id=research.pk, actor=world.convener, unlink=True)
    assert not topic.research_activities.exists() and _events(topic, "research_unlinked").exists()


@pytest.mark.parametrize("case", ["candidate", "study", "other_committee", "not_visible"])
def test_research_links_are_checked(world, case):
    topic = TopicFactory(committee=world.district, group=world.group) if case == "candidate" else _adopted(world)
    kwargs = {"group": world.group, "kind": Activity.Kind.RESEARCH}
    if case == "study":
        kwargs["kind"] = Activity.Kind.STUDY
    elif case == "other_committee":
        kwargs["group"] = f.ActivityGroupFactory(committee=world.other)
    elif case == "not_visible":
        kwargs["group"] = world.other_group
    activity = ActivityFactory(**kwargs)
    with pytest.raises(DomainError):
        services.topic_link_research(topic_id=topic.pk, activity_id=activity.pk, actor=world.convener)
    assert not topic.research_activities.exists()


def test_a_convener_cannot_link_research_to_another_groups_topic(world, client_for):
    topic = _adopted(world, group=world.other_group)
    research = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH)
    with pytest.raises(DomainError):
        services.topic_link_research(topic_id=topic.pk, activity_id=research.pk, actor=world.convener)
    response = client_for(world.convener).post(
        reverse("consultations:topic_action", args=[topic.pk, "research"]), {"activity": research.pk}
    )
    assert response.status_code == 403


def test_research_is_linked_from_the_topic_board_and_the_api(world, client_for):
    topic = _adopted(world)
    research = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH)
    client = client_for(world.district_staff)
    client.post(reverse("consultations:topic_action", args=[topic.pk, "research"]), {"activity": research.pk})
    assert list(topic.research_activities.all()) == [research]
    response = client.post(
        API + f"consultation-topics/{topic.pk}/link-research/",
        {"activity": research.pk, "unlink": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["research_activities"] == []
    response = client_for(world.member).post(
        API + f"consultation-topics/{topic.pk}/link-research/",
        {"activity": research.pk},
        content_type="application/json",
    )
    # an activity the member does not see is not a choice (400 on the field); one they see, not their topic: 403
    assert response.status_code == 400 and "activity" in response.json() and not topic.research_activities.exists()
    seen = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH)
    seen.attendances.create(member=world.member_record)  # invited: the member sees it
    response = client_for(world.member).post(
        API + f"consultation-topics/{topic.pk}/link-research/", {"activity": seen.pk}, content_type="application/json"
    )
    assert response.status_code == 403 and not topic.research_activities.exists()


# --- an outcome drafted into a proposal -----------------------------------------------------------


def _attended_outcome(world, *, state=S.ADOPTED, status=Attendance.Status.PRESENT, member=None):
    session = SessionFactory(committee=world.district, group=world.group)
    Attendance.objects.create(
        session=session,
        member=member or world.member_record,
        status=status,
        reason="出差" if status == Attendance.Status.EXCUSED else "",
    )
    return OutcomeFactory(
        session=session, state=state, title="增设非机动车充电桩", content="在小区东门增设充电桩二十个"
    )


def test_a_member_who_attended_drafts_a_proposal_from_an_adopted_outcome(world):
    outcome = _attended_outcome(world)
    services.outcome_draft_proposal(outcome_id=outcome.pk, actor=world.member, category="urban")
    outcome.refresh_from_db()
    proposal = outcome.proposal
    assert proposal.state == Proposal.State.DRAFT and proposal.lead_proposer == world.member_record
    assert proposal.title == "关于增设非机动车充电桩的提案" and proposal.suggestions == "在小区东门增设充电桩二十个"
    assert outcome.session.title in proposal.analysis and proposal.committee == world.district
    assert proposal.consultation_outcomes.get() == outcome
    assert _events(outcome, "proposal_drafted").get().data == {"proposal": proposal.pk}
    with pytest.raises(InvalidTransition, match="已关联提案"):
        services.outcome_draft_proposal(outcome_id=outcome.pk, actor=world.member, category="urban")
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize("case", ["absent", "excused", "never_there", "staff", "pending", "declined"])
def test_only_members_present_draft_and_only_from_an_adopted_outcome(world, case):
    status = {"absent": Attendance.Status.ABSENT, "excused": Attendance.Status.EXCUSED}.get(
        case, Attendance.Status.PRESENT
    )
    state = {"pending": S.PENDING, "declined": S.DECLINED}.get(case, S.ADOPTED)
    extra = {"evaluation_comment": "重复"} if state == S.DECLINED else {}
    outcome = _attended_outcome(world, status=status, state=S.ADOPTED)
    Outcome.objects.filter(pk=outcome.pk).update(state=state, **extra)
    actor = {"never_there": world.convener, "staff": world.district_staff}.get(case, world.member)
    with pytest.raises(DomainError):
        services.outcome_draft_proposal(outcome_id=outcome.pk, actor=actor, category="urban")
    assert not Proposal.objects.exists() and Outcome.objects.get(pk=outcome.pk).proposal is None


def test_a_convener_who_attended_may_draft_too(world):
    outcome = _attended_outcome(world, member=world.convener_member)
    services.outcome_draft_proposal(outcome_id=outcome.pk, actor=world.convener, category="society")
    assert Outcome.objects.get(pk=outcome.pk).proposal.lead_proposer == world.convener_member


def test_the_outcome_page_offers_the_draft_to_attending_members_only(world, client_for):
    outcome = _attended_outcome(world)
    url = reverse("consultations:outcome", args=[outcome.pk])
    assert "据此成果起草提案" in client_for(world.member).get(url).content.decode()
    assert "据此成果起草提案" not in client_for(world.convener).get(url).content.decode()
    assert "据此成果起草提案" not in client_for(world.district_staff).get(url).content.decode()
    client = client_for(world.member)
    client.post(reverse("consultations:outcome_action", args=[outcome.pk, "draft_proposal"]), {"category": "urban"})
    proposal = Outcome.objects.get(pk=outcome.pk).proposal
    body = client.get(url).content.decode()
    assert "据此成果起草提案" not in body and reverse("proposals:detail", args=[proposal.pk]) in body
    assert client.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 200


def test_drafting_through_the_api(world, client_for):
    outcome = _attended_outcome(world)
    path = API + f"consultation-outcomes/{outcome.pk}/draft-proposal/"
    assert (
        client_for(world.convener).post(path, {"category": "urban"}, content_type="application/json").status_code == 403
    )
    assert (
        client_for(world.outsider_member.user)
        .post(path, {"category": "urban"}, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        client_for(world.member).post(path, {"category": "nonsense"}, content_type="application/json").status_code
        == 400
    )
    response = client_for(world.member).post(path, {"category": "urban"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["proposal"] == Proposal.objects.get().pk
    again = client_for(world.member).post(path, {"category": "urban"}, content_type="application/json")
    assert again.status_code == 400 and "已关联提案" in again.content.decode()


# --- an existing proposal linked by staff --------------------------------------------------------


def test_staff_link_an_outcome_to_an_existing_proposal_and_can_remove_the_link(world, client_for):
    outcome = OutcomeFactory(session__committee=world.district, state=S.ADOPTED)
    proposal = ProposalFactory(committee=world.district, state=Proposal.State.FILED, serial_number=15)
    client = client_for(world.district_staff)
    client.post(reverse("consultations:outcome_action", args=[outcome.pk, "link"]), {"proposal": proposal.pk})
    assert Outcome.objects.get(pk=outcome.pk).proposal == proposal
    assert _events(outcome, "linked_proposal").exists()
    body = client.get(reverse("consultations:outcome", args=[outcome.pk])).content.decode()
    assert proposal.title in body
    response = client.post(
        API + f"consultation-outcomes/{outcome.pk}/link-proposal/", {"proposal": None}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["proposal"] is None
    assert _events(outcome, "unlinked_proposal").exists()


@pytest.mark.parametrize("case", ["draft", "other_committee"])
def test_staff_link_only_submitted_proposals_of_the_same_committee(world, case):
    outcome = OutcomeFactory(session__committee=world.district, state=S.ADOPTED)
    proposal = (
        ProposalFactory(committee=world.district)
        if case == "draft"
        else ProposalFactory(committee=world.other, state=Proposal.State.FILED)
    )
    with pytest.raises(DomainError, match="已提交的提案"):
        services.outcome_link_proposal(outcome_id=outcome.pk, proposal_id=proposal.pk, actor=world.district_staff)


def test_only_staff_link_existing_proposals(world, client_for):
    outcome = OutcomeFactory(session__committee=world.district, session__group=world.group, state=S.ADOPTED)
    proposal = ProposalFactory(committee=world.district, state=Proposal.State.FILED)
    with pytest.raises(DomainError):
        services.outcome_link_proposal(outcome_id=outcome.pk, proposal_id=proposal.pk, actor=world.convener)
    response = client_for(world.convener).post(
        API + f"consultation-outcomes/{outcome.pk}/link-proposal/",
        {"proposal": proposal.pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and Outcome.objects.get(pk=outcome.pk).proposal is None


def test_a_deleted_proposal_leaves_the_outcome_unlinked(world):
    proposal = ProposalFactory(committee=world.district)
    outcome = OutcomeFactory(session__committee=world.district, state=S.ADOPTED, proposal=proposal)
    proposal.delete()
    assert Outcome.objects.get(pk=outcome.pk).proposal is None


def _board_select(body: str, topic) -> str:
    start = body.index(f'action="{reverse("consultations:topic_action", args=[topic.pk, "research"])}"')
    return body[body.index("<select", start) : body.index("</select>", start)]


def test_the_board_lists_the_newest_research_activities_and_searches_the_rest(world, client_for):
    """Under an adopted topic the page lists only the newest research activities of its committee (not one option
    per research activity of the year: 6,900 options a page at 50,000 members); the picker finds the others."""
    from consultations.views import RESEARCH_LISTED

    topic = _adopted(world)
    now = timezone.now()
    activities = [
        ActivityFactory(
            group=world.group, kind=Activity.Kind.RESEARCH, title=f"调研{i:02d}", starts_at=now - timedelta(days=i)
        )
        for i in range(RESEARCH_LISTED + 5)
    ]
    linked = activities[0]
    services.topic_link_research(topic_id=topic.pk, activity_id=linked.pk, actor=world.convener)
    select = _board_select(client_for(world.convener).get(reverse("consultations:topics")).content.decode(), topic)
    listed = [a for a in activities if f'value="{a.pk}"' in select]
    assert listed == activities[1 : RESEARCH_LISTED + 1]  # the newest not yet linked
    assert "data-picker" in select and f"topic={topic.pk}" in select and f"committee={world.district.pk}" in select
    oldest = activities[-1]
    found = client_for(world.convener).get(
        reverse("pick", args=["research_activities"]),
        {"q": oldest.title, "committee": world.district.pk, "topic": topic.pk},
    )
    assert [row["value"] for row in found.json()["results"]] == [oldest.pk]
    assert found.json()["results"][0]["text"].endswith(oldest.title)


def test_the_research_picker_offers_only_research_the_user_sees_not_linked_yet(world, client_for):
    topic = _adopted(world)
    ours = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH, title="调研甲")
    ActivityFactory(group=world.group, kind=Activity.Kind.STUDY, title="调研乙")  # not research
    ActivityFactory(group=world.other_group, kind=Activity.Kind.RESEARCH, title="调研丙")  # another group's
    cancelled = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH, title="调研丁")
    Activity.objects.filter(pk=cancelled.pk).update(state=Activity.State.CANCELLED)
    linked = ActivityFactory(group=world.group, kind=Activity.Kind.RESEARCH, title="调研戊")
    services.topic_link_research(topic_id=topic.pk, activity_id=linked.pk, actor=world.convener)

    def found(user):
        response = client_for(user).get(reverse("pick", args=["research_activities"]), {"q": "调研", "topic": topic.pk})
        return {row["value"] for row in response.json()["results"]}

    assert found(world.convener) == {ours.pk}
    assert found(world.member) <= {a.pk for a in Activity.objects.visible_to(world.member)}

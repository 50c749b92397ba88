"""The consultation API: same permissions as the pages, actions through services, 400 in Chinese."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consultations.models import ConsultationSession, Outcome, Topic
from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db
API = "/api/v1/"


def test_anonymous_callers_are_refused(client, db):
    for path in ("consultation-topics/", "consultations/", "consultation-outcomes/"):
        assert client.get(API + path).status_code in (401, 403)


def test_a_convener_lists_only_their_groups_topics_and_sessions(world, client_for, django_assert_max_num_queries):
    TopicFactory(committee=world.district, group=world.group)
    TopicFactory(committee=world.district, group=world.other_group)
    SessionFactory(committee=world.district, group=world.group)
    SessionFactory(committee=world.district, group=world.other_group)
    client = client_for(world.convener)
    assert client.get(API + "consultation-topics/").json()["count"] == 1
    with django_assert_max_num_queries(12):
        assert client.get(API + "consultations/").json()["count"] == 1


def test_resident_contacts_are_for_staff_only_in_the_api(world, client_for):
    TopicFactory(
        committee=world.district,
        group=world.group,
        proposer_kind="resident",
        resident_name="王阿姨",
        resident_contact="13900001111",
    )
    assert "resident_contact" not in client_for(world.convener).get(API + "consultation-topics/").json()["results"][0]
    assert (
        client_for(world.district_staff).get(API + "consultation-topics/").json()["results"][0]["resident_contact"]
        == "13900001111"
    )


def test_a_convener_proposes_and_cannot_adopt_another_groups_topic(world, client_for):
    client = client_for(world.convener)
    response = client.post(
        API + "consultation-topics/",
        {
            "committee": world.district.pk,
            "title": "社区养老食堂",
            "reasons": "老人多",
            "source": "public",
            "proposer_kind": "convener",
            "year": timezone.localdate().year,
            "group": world.group.pk,
        },
    )
    assert response.status_code == 201, response.content
    other = TopicFactory(committee=world.district, group=world.other_group)
    assert client.post(API + f"consultation-topics/{other.pk}/adopt/").status_code == 404  # out of scope
    assert client.post(API + f"consultation-topics/{response.json()['id']}/adopt/").status_code == 200
    assert Topic.objects.get(pk=other.pk).state == "candidate"


def test_a_session_with_dates_in_the_wrong_order_is_a_400_in_chinese(world, client_for):
    start = timezone.now()
    response = client_for(world.convener).post(
        API + "consultations/",
        {
            "committee": world.district.pk,
            "title": "协商在一线",
            "form": "grassroots",
            "level": "street",
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
            "place": "街道",
            "group": world.group.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["ends_at"] == ["会议结束时间不能早于开始时间。"]
    assert not ConsultationSession.objects.exists()


def test_the_outcome_actions_run_the_whole_way(world, client_for):
    o = OutcomeFactory(session__committee=world.district)
    staff, unit = client_for(world.district_staff), None

    def post(client, action, data=None):
        return client.post(API + f"consultation-outcomes/{o.pk}/{action}/", data or {}, content_type="application/json")

    assert post(staff, "evaluate", {"decision": "adopt"}).json()["state"] == "adopted"
    response = post(staff, "assign", {"deadline": (date.today() + timedelta(days=20)).isoformat()})
    assert response.status_code == 400 and "交办前请选择承办单位。" in response.json()["detail"]
    response = post(
        staff, "assign", {"unit": world.unit.pk, "deadline": (timezone.localdate() - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400 and response.json()["deadline"] == ["办理期限不能早于今天。"], response.json()
    assert (
        post(
            staff, "assign", {"unit": world.unit.pk, "deadline": (date.today() + timedelta(days=20)).isoformat()}
        ).json()["state"]
        == "assigned"
    )
    unit = client_for(world.unit_user)
    assert post(unit, "progress", {"text": "已现场勘察"}).json()["state"] == "handling"
    assert post(unit, "reply", {"text": "已增设充电桩"}).json()["state"] == "replied"
    staff = client_for(world.district_staff)
    response = post(staff, "publish")
    assert response.status_code == 400 and "只有答复已审核的成果可以公示。" in response.json()["detail"]
    post(staff, "review", {"accept": True})
    assert post(staff, "publish").json()["state"] == "published"
    assert post(staff, "close").json()["state"] == "closed"


def test_a_unit_cannot_see_or_reply_to_outcomes_not_handed_to_it(world, client_for):
    o = handed_outcome(world.unit)
    client = client_for(world.other_unit_user)
    assert client.get(API + "consultation-outcomes/").json()["count"] == 0
    response = client.post(API + f"consultation-outcomes/{o.pk}/reply/", {"text": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert Outcome.objects.get(pk=o.pk).reply == ""


def test_the_unit_list_has_a_fixed_query_count(world, client_for, django_assert_max_num_queries):
    client = client_for(world.unit_user)
    for _ in range(15):
        handed_outcome(world.unit)
    with django_assert_max_num_queries(8):
        assert client.get(API + "consultation-outcomes/?overdue=false").json()["count"] == 15


def test_topics_are_ranked_through_the_api(world, client_for):
    topic = TopicFactory(committee=world.district, group=world.group)
    client = client_for(world.convener)
    assert (
        client.post(API + f"consultation-topics/{topic.pk}/rank/", {"rank": 2}, content_type="application/json").json()[
            "rank"
        ]
        == 2
    )
    response = client.post(API + f"consultation-topics/{topic.pk}/rank/", {"rank": 0}, content_type="application/json")
    assert response.status_code == 400 and Topic.objects.get(pk=topic.pk).rank == 2


def test_staff_get_a_prefilled_proposal_draft_from_an_outcome(world, client_for):
    o = handed_outcome(world.unit, title="增设非机动车充电桩")
    data = client_for(world.district_staff).get(API + f"consultation-outcomes/{o.pk}/proposal-draft/").json()
    assert data["title"] == "关于增设非机动车充电桩的提案" and data["suggested_unit"] == world.unit.pk
    assert data["source"] == {"kind": "consultation_outcome", "id": o.pk}
    assert client_for(world.unit_user).get(API + f"consultation-outcomes/{o.pk}/proposal-draft/").status_code == 403

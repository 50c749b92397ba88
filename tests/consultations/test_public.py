"""The public disclosure: published items only, nothing personal, cached, fixed queries."""

import pytest
from django.urls import reverse

from consultations import services
from consultations.models import Participant
from core.services import record_save
from tests.consultations.factories import SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db


def _published_world(world):
    session = SessionFactory(committee=world.district, title="请你来协商·加装电梯", is_published=True)
    Participant.objects.create(session=session, kind="resident", name="王阿姨", contact="13900001111")
    world.member_record.phone = "13812345678"
    world.member_record.save()
    session.attendances.create(member=world.member_record, status="present")
    public = handed_outcome(world.unit, session=session, state="published", reply="已完成加装", title="加装电梯三部")
    hidden = handed_outcome(world.unit, session=session, state="reviewed", reply="内部答复", title="尚未公示的成果")
    draft = SessionFactory(committee=world.district, title="未公开的会议")
    TopicFactory(committee=world.district, title="公开选题", state="adopted", is_published=True)
    TopicFactory(committee=world.district, title="候选选题")
    return session, public, hidden, draft


def test_the_public_page_lists_published_items_and_nothing_personal(world, client, django_assert_max_num_queries):
    session, public, hidden, draft = _published_world(world)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("consultations:public", args=[world.district.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert session.title in body and public.title in body and "已完成加装" in body and "公开选题" in body
    for secret in (hidden.title, draft.title, "候选选题", "13900001111", "13812345678", "内部答复"):
        assert secret not in body


def test_the_public_session_page_shows_participants_without_contacts(world, client, django_assert_max_num_queries):
    session, public, hidden, _draft = _published_world(world)
    with django_assert_max_num_queries(8):
        body = client.get(
            reverse("consultations:public_session", args=[world.district.code, session.pk])
        ).content.decode()
    assert "王阿姨" in body and "13900001111" not in body and "13812345678" not in body
    assert public.title in body and hidden.title not in body


def test_unpublished_items_are_404_on_the_public_pages(world, client):
    _session, _public, hidden, draft = _published_world(world)
    code = world.district.code
    assert client.get(reverse("consultations:public_outcome", args=[code, hidden.pk])).status_code == 404
    assert client.get(reverse("consultations:public_session", args=[code, draft.pk])).status_code == 404
    other = handed_outcome(world.unit, state="published", reply="x")
    assert client.get(reverse("consultations:public_outcome", args=[world.other.code, other.pk])).status_code == 404
    assert client.get(reverse("consultations:public", args=["nowhere"])).status_code == 404


def test_the_public_search_finds_outcomes_by_their_reply(world, client):
    _published_world(world)
    body = client.get(reverse("consultations:public", args=[world.district.code]), {"q": "加装"}).content.decode()
    assert "加装电梯三部" in body
    body = client.get(reverse("consultations:public", args=[world.district.code]), {"q": "不存在的词"}).content.decode()
    assert "加装电梯三部" not in body


def test_the_public_page_runs_the_same_queries_whatever_the_size(world, client, django_assert_max_num_queries):
    session, *_ = _published_world(world)
    for _ in range(30):
        handed_outcome(world.unit, session=session, state="published", reply="已办")
        SessionFactory(committee=world.district, is_published=True)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("consultations:public", args=[world.district.code])).status_code == 200


def test_the_public_page_is_served_from_cache_and_refreshed_on_publication(
    world, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    url = reverse("consultations:public", args=[world.district.code])
    client.get(url)
    with django_assert_max_num_queries(2):  # the committee and the cache version, no listing queries
        assert client.get(url).status_code == 200
    o = handed_outcome(
        world.unit,
        state="reviewed",
        reply="已办",
        title="刚刚公示的成果",
        session=SessionFactory(committee=world.district, is_published=True),
    )
    assert "刚刚公示的成果" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(outcome_id=o.pk, actor=world.district_staff)
    assert "刚刚公示的成果" in client.get(url).content.decode()


def test_a_logged_in_visitor_does_not_leak_into_the_cached_page(world, client_for, client):
    url = reverse("consultations:public", args=[world.district.code])
    client_for(world.staff).get(url)
    client.logout()
    body = client.get(url).content.decode()
    assert world.staff.username not in body and str(world.staff) not in body


def test_the_public_api_needs_no_login_and_shows_only_published(world, client, django_assert_max_num_queries):
    session, public, hidden, draft = _published_world(world)
    client.logout()
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/public/consultations/", {"committee": world.district.code})
    assert response.status_code == 200
    data = response.json()
    assert [s["id"] for s in data["results"]] == [session.pk]
    outcomes = data["results"][0]["outcomes"]
    assert [o["id"] for o in outcomes] == [public.pk]
    text = response.content.decode()
    assert "13900001111" not in text and "13812345678" not in text and "contact" not in text
    assert client.get(f"/api/v1/public/consultations/{draft.pk}/").status_code == 404
    assert client.post("/api/v1/public/consultations/", {}).status_code in (403, 405)


def test_the_public_outcomes_are_paged(world, client):
    session = SessionFactory(committee=world.district, is_published=True)
    for i in range(35):
        handed_outcome(world.unit, session=session, state="published", reply="已办", title=f"公示成果{i:02d}")
    url = reverse("consultations:public", args=[world.district.code])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert first.count("公示成果") == 30 and second.count("公示成果") == 5


def test_an_outcome_of_a_session_unpublished_in_the_admin_leaves_the_public_page_at_once(
    world, client, django_capture_on_commit_callbacks
):
    session, public, _hidden, _draft = _published_world(world)
    url = reverse("consultations:public_outcome", args=[world.district.code, public.pk])
    assert client.get(url).status_code == 200
    session.is_published = False
    with django_capture_on_commit_callbacks(execute=True):  # as the admin saves it
        record_save(obj=session, actor=world.district_staff, changed=["is_published"])
    assert client.get(url).status_code == 404


def test_publishing_an_outcome_publishes_its_session_too(world, django_capture_on_commit_callbacks):
    outcome = handed_outcome(
        world.unit, state="reviewed", reply="已办", session=SessionFactory(committee=world.district)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(outcome_id=outcome.pk, actor=world.district_staff)
    outcome.session.refresh_from_db()
    assert outcome.session.is_published

"""The admin for consultations and a permission matrix over every page and endpoint."""

import pytest
from django.urls import reverse

from consultations.models import ConsultationSession, Outcome, Topic
from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db


def _data(world):
    topic = TopicFactory(committee=world.district, group=world.group, title="东湖选题")
    far_topic = TopicFactory(committee=world.other, title="远山选题")
    session = SessionFactory(committee=world.district, group=world.group, title="东湖会议")
    OutcomeFactory(session=session, title="东湖成果")
    OutcomeFactory(session=SessionFactory(committee=world.other), title="远山成果")
    return topic, far_topic, session


@pytest.mark.parametrize("model", [Topic, ConsultationSession, Outcome], ids=lambda m: m._meta.model_name)
def test_admin_lists_show_staff_only_their_committees(world, client_for, model, django_assert_max_num_queries):
    _data(world)
    url = reverse(f"admin:consultations_{model._meta.model_name}_changelist")
    client = client_for(world.staff)
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    assert "东湖" in body and "远山" not in body
    assert "东湖" not in client_for(world.other_staff).get(url).content.decode()
    assert client_for(world.convener).get(url).status_code == 302  # not admin staff: sent to the admin login


def test_the_admin_change_pages_open(world, client_for):
    topic, _far, session = _data(world)
    client = client_for(world.staff)
    for model, obj in ((Topic, topic), (ConsultationSession, session), (Outcome, session.outcomes.first())):
        url = reverse(f"admin:consultations_{model._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200


PAGES = [
    "consultations:topics",
    "consultations:topic_new",
    "consultations:sessions",
    "consultations:session_new",
    "consultations:outcomes",
    "consultations:unit_outcomes",
    "consultations:figures",
]
ALLOWED = {
    "staff": {
        "consultations:topics",
        "consultations:topic_new",
        "consultations:sessions",
        "consultations:session_new",
        "consultations:outcomes",
        "consultations:figures",
    },
    "leader": {"consultations:topics", "consultations:sessions", "consultations:outcomes", "consultations:figures"},
    "convener": {
        "consultations:topics",
        "consultations:topic_new",
        "consultations:sessions",
        "consultations:session_new",
        "consultations:outcomes",
    },
    "member": set(),
    "unit_user": {"consultations:unit_outcomes"},
}


@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_for_its_roles_only(world, client_for, who, page):
    status = client_for(getattr(world, who)).get(reverse(page)).status_code
    assert status == (200 if page in ALLOWED[who] else 403)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_anonymous_visitors_to_log_in(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_detail_pages_follow_the_scope(world, client_for):
    topic, _far, session = _data(world)
    outcome = session.outcomes.first()
    other_session = SessionFactory(committee=world.other)
    cases = [
        ("staff", session, 200),
        ("staff", other_session, 403),
        ("leader", session, 200),
        ("convener", session, 200),
        ("other_convener", session, 403),
        ("member", session, 200),
        ("unit_user", session, 403),
        ("other_staff", session, 403),
    ]
    for who, obj, expected in cases:
        assert (
            client_for(getattr(world, who)).get(reverse("consultations:session", args=[obj.pk])).status_code == expected
        ), who
    assert client_for(world.other_convener).get(reverse("consultations:outcome", args=[outcome.pk])).status_code == 403
    assert (
        client_for(world.other_convener).get(reverse("consultations:session_edit", args=[session.pk])).status_code
        == 403
    )
    assert client_for(world.convener).get(reverse("consultations:session_edit", args=[session.pk])).status_code == 200


def test_a_convener_edits_their_session_and_a_bad_date_order_saves_nothing(world, client_for):
    _t, _f, session = _data(world)
    client = client_for(world.convener)
    url = reverse("consultations:session_edit", args=[session.pk])
    data = {
        "title": "东湖会议（改期）",
        "form": "grassroots",
        "level": "community",
        "group": world.group.pk,
        "starts_at": "2026-03-01T09:00",
        "ends_at": "2026-03-01T08:00",
        "place": "东湖社区",
    }
    response = client.post(url, data)
    assert "会议结束时间不能早于开始时间。" in response.content.decode()
    assert ConsultationSession.objects.get(pk=session.pk).title == "东湖会议"
    assert client.post(url, data | {"ends_at": "2026-03-01T11:00"}).status_code == 302
    assert ConsultationSession.objects.get(pk=session.pk).title == "东湖会议（改期）"


API_CASES = [
    (
        "consultation-topics/",
        {"staff": 1, "leader": 1, "convener": 1, "other_convener": 0, "member": 1, "unit_user": 0, "other_staff": 1},
    ),
    (
        "consultations/",
        {"staff": 1, "leader": 1, "convener": 1, "other_convener": 0, "member": 1, "unit_user": 0, "other_staff": 1},
    ),
    (
        "consultation-outcomes/",
        {"staff": 1, "leader": 1, "convener": 1, "other_convener": 0, "member": 1, "unit_user": 0, "other_staff": 1},
    ),
]


@pytest.mark.parametrize(("path", "expected"), API_CASES, ids=[c[0] for c in API_CASES])
def test_every_api_list_is_scoped(world, client_for, path, expected):
    _data(world)
    for who, count in expected.items():
        assert client_for(getattr(world, who)).get("/api/v1/" + path).json()["count"] == count, who


def test_the_unit_reaches_only_outcomes_handed_to_it_in_the_api(world, client_for):
    mine = handed_outcome(world.unit)
    handed_outcome(world.other_unit)
    OutcomeFactory(session__committee=world.district, unit=world.unit)  # not handed over yet
    data = client_for(world.unit_user).get("/api/v1/consultation-outcomes/").json()
    assert [o["id"] for o in data["results"]] == [mine.pk]


def test_moving_an_attendance_row_to_another_member_in_the_admin_leaves_no_row_behind(world, rf):
    """The inline's row edited to name another member: the first member's attendance goes, the second's is set."""
    from types import SimpleNamespace

    from django.contrib import admin

    from consultations import services
    from consultations.admin import AttendanceInline
    from consultations.models import Attendance

    session = SessionFactory(committee=world.district)
    services.attendance_set(session_id=session.pk, member=world.member_record, status="present", actor=world.staff)
    row = Attendance.objects.get(session=session)
    other = world.convener_member
    row.member = other  # what the admin form does before the door saves
    inline = AttendanceInline(ConsultationSession, admin.site)
    request = rf.post("/")
    request.user = world.staff
    inline.save_row(request, row, SimpleNamespace(changed_data=["member"]), session)
    assert list(Attendance.objects.filter(session=session).values_list("member_id", flat=True)) == [other.pk]

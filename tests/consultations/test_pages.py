"""Pages: who may open and act on what, bad input, and fixed query counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import ConsultationSession, Outcome, Participant, Topic
from tests import factories as f
from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _msgs(response):
    return [str(m) for m in response.wsgi_request._messages]


# --- topics -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "unit_user"])
def test_the_boards_are_for_staff_leaders_and_conveners(world, client_for, who):
    client = client_for(getattr(world, who))
    for name in ("consultations:topics", "consultations:sessions", "consultations:outcomes"):
        assert client.get(reverse(name)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get(reverse("consultations:topics")).status_code == 302


def test_a_convener_proposes_a_topic_through_the_form(world, client_for):
    client = client_for(world.convener)
    response = client.post(
        reverse("consultations:topic_new"),
        {
            "committee": world.district.pk,
            "title": "学校门口接送拥堵",
            "reasons": "家长反映强烈",
            "source": "public",
            "proposer_kind": "resident",
            "resident_name": "张女士",
            "resident_contact": "13911112222",
            "year": YEAR,
            "group": world.group.pk,
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.group == world.group and topic.resident_name == "张女士"


def test_a_convener_cannot_propose_for_a_group_not_theirs(world, client_for):
    response = client_for(world.convener).post(
        reverse("consultations:topic_new"),
        {
            "committee": world.district.pk,
            "title": "x",
            "reasons": "y",
            "source": "public",
            "proposer_kind": "convener",
            "year": YEAR,
            "group": world.other_group.pk,
        },
    )
    assert response.status_code == 200 and not Topic.objects.exists()


def test_the_topic_board_shows_only_the_conveners_groups(world, client_for, django_assert_max_num_queries):
    mine = TopicFactory(committee=world.district, group=world.group, title="本组选题")
    TopicFactory(committee=world.district, group=world.other_group, title="别组选题")
    for _ in range(10):
        TopicFactory(committee=world.district, group=world.group)
    client = client_for(world.convener)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("consultations:topics"))
    body = response.content.decode()
    assert mine.title in body and "别组选题" not in body


def test_the_topic_board_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    client.get(reverse("consultations:topics"))
    for _ in range(25):
        TopicFactory(committee=world.district, group=world.group, platform=f.PlatformFactory(committee=world.district))
    with django_assert_max_num_queries(13):
        assert client.get(reverse("consultations:topics")).status_code == 200


def test_a_convener_cannot_adopt_another_groups_topic(world, client_for):
    topic = TopicFactory(committee=world.district, group=world.other_group)
    response = client_for(world.convener).post(reverse("consultations:topic_action", args=[topic.pk, "adopt"]))
    assert response.status_code == 403
    assert Topic.objects.get().state == "candidate"


def test_staff_adopt_a_topic_and_decline_needs_a_reason(world, client_for):
    a, b = TopicFactory(committee=world.district), TopicFactory(committee=world.district)
    client = client_for(world.district_staff)
    client.post(reverse("consultations:topic_action", args=[a.pk, "adopt"]))
    response = client.post(reverse("consultations:topic_action", args=[b.pk, "decline"]), {"reason": ""})
    assert "请填写不采纳的理由。" in _msgs(response)
    assert Topic.objects.get(pk=a.pk).state == "adopted" and Topic.objects.get(pk=b.pk).state == "candidate"


# --- sessions -----------------------------------------------------------------------------------


def _session_data(world, **kw):
    start = timezone.localtime() - timedelta(hours=3)
    data = {
        "committee": world.district.pk,
        "title": "月月说事·停车",
        "form": "grassroots",
        "level": "community",
        "group": world.group.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "place": "东湖社区",
    }
    return data | kw


def test_a_convener_plans_a_session_for_their_group(world, client_for):
    response = client_for(world.convener).post(reverse("consultations:session_new"), _session_data(world))
    session = ConsultationSession.objects.get()
    assert response.url == reverse("consultations:session", args=[session.pk])


def test_a_session_ending_before_it_starts_is_refused_with_a_chinese_message(world, client_for):
    start = timezone.localtime()
    response = client_for(world.convener).post(
        reverse("consultations:session_new"),
        _session_data(
            world,
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(start - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert "会议结束时间不能早于开始时间。" in response.content.decode()
    assert not ConsultationSession.objects.exists()


def test_a_convener_cannot_open_or_change_another_groups_session(world, client_for):
    session = SessionFactory(committee=world.district, group=world.other_group)
    client = client_for(world.convener)
    assert client.get(reverse("consultations:session", args=[session.pk])).status_code == 403
    assert client.get(reverse("consultations:session_edit", args=[session.pk])).status_code == 403
    response = client.post(
        reverse("consultations:session_action", args=[session.pk, "participant"]),
        {"p-kind": "resident", "p-name": "王阿姨"},
    )
    assert response.status_code == 403 and not Participant.objects.exists()


def test_the_session_page_records_participants_and_stages(world, client_for, django_assert_max_num_queries):
    session = SessionFactory(committee=world.district, group=world.group)
    client = client_for(world.convener)
    url = lambda a: reverse("consultations:session_action", args=[session.pk, a])  # noqa: E731
    client.post(url("participant"), {"p-kind": "resident", "p-name": "王阿姨", "p-contact": "13900001111"})
    response = client.post(url("participant"), {"p-kind": "department", "p-name": "李科长"})
    assert "请选择部门代表所在的部门。" in _msgs(response)
    client.post(url("participant"), {"p-kind": "department", "p-name": "李科长", "p-unit": world.unit.pk})
    client.post(url("stage"), {"s-stage": "interaction", "s-speaker": "王阿姨", "s-content": "晚上停车难"})
    client.post(url("attendance"), {"a-member": world.member_record.pk, "a-status": "present"})
    client.post(url("outcome"), {"o-title": "增设临时停车位", "o-content": "利用空地增设停车位"})
    for _ in range(5):
        Participant.objects.create(session=session, kind="resident", name="居民")
    with django_assert_max_num_queries(22):
        response = client.get(reverse("consultations:session", args=[session.pk]))
    body = response.content.decode()
    assert "王阿姨" in body and "晚上停车难" in body and "增设临时停车位" in body and world.unit.name in body


def test_the_session_list_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.convener)
    for _ in range(20):
        OutcomeFactory(session=SessionFactory(committee=world.district, group=world.group))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("consultations:sessions")).status_code == 200


def test_an_upload_that_is_not_what_it_claims_is_refused(world, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    session = SessionFactory(committee=world.district, group=world.group)
    response = client_for(world.convener).post(
        reverse("consultations:session_action", args=[session.pk, "document"]),
        {"d-kind": "evidence", "d-file": SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>")},
    )
    assert any("请上传 PDF" in m for m in _msgs(response)) and not session.documents.exists()


# --- outcomes -----------------------------------------------------------------------------------


def test_the_outcome_board_is_fixed_in_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.district_staff)
    client.get(reverse("consultations:outcomes"))
    for _ in range(20):
        handed_outcome(world.unit)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("consultations:outcomes") + "?overdue=")
    assert response.status_code == 200 and len(response.context["page_obj"]) == 20


def test_staff_hand_over_an_outcome_only_with_a_unit(world, client_for):
    o = OutcomeFactory(session__committee=world.district, state="adopted")
    client = client_for(world.district_staff)
    url = reverse("consultations:outcome_action", args=[o.pk, "assign"])
    response = client.post(url, {"unit": "", "deadline": (date.today() + timedelta(days=10)).isoformat()})
    assert "交办前请选择承办单位。" in _msgs(response)
    assert Outcome.objects.get(pk=o.pk).state == "adopted"
    client.post(url, {"unit": world.unit.pk, "deadline": (date.today() + timedelta(days=10)).isoformat()})
    assert Outcome.objects.get(pk=o.pk).state == "assigned"


def test_a_unit_sees_only_outcomes_handed_to_it(world, client_for, django_assert_max_num_queries):
    mine = handed_outcome(world.unit, title="我的成果")
    theirs = handed_outcome(world.other_unit, title="别人的成果")
    pending = OutcomeFactory(session__committee=world.district, unit=world.unit, title="尚未交办")
    client = client_for(world.unit_user)
    client.get(reverse("consultations:unit_outcomes"))
    for _ in range(10):
        handed_outcome(world.unit)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("consultations:unit_outcomes")).content.decode()
    assert mine.title in body and theirs.title not in body and pending.title not in body
    assert client.get(reverse("consultations:outcome", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("consultations:outcome", args=[pending.pk])).status_code == 403
    assert client.get(reverse("consultations:outcome", args=[mine.pk])).status_code == 200


def test_the_unit_replies_through_the_page_and_another_unit_cannot(world, client_for, django_assert_max_num_queries):
    o = handed_outcome(world.unit)
    response = client_for(world.other_unit_user).post(
        reverse("consultations:outcome_action", args=[o.pk, "reply"]), {"text": "已办"}
    )
    assert response.status_code == 403
    client = client_for(world.unit_user)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("consultations:outcome", args=[o.pk])).status_code == 200
    client.post(reverse("consultations:outcome_action", args=[o.pk, "reply"]), {"text": "已完成整改"})
    o.refresh_from_db()
    assert o.state == "replied" and o.reply == "已完成整改"


def test_a_unit_cannot_publish_its_own_reply(world, client_for):
    o = handed_outcome(world.unit, state="reviewed", reply="已办")
    response = client_for(world.unit_user).post(reverse("consultations:outcome_action", args=[o.pk, "publish"]))
    assert "只有本级政协机关工作人员可以进行此操作。" in _msgs(response)
    assert Outcome.objects.get(pk=o.pk).state == "reviewed"


def test_the_outcome_page_shows_the_timeline(world, client_for):
    o = OutcomeFactory(session__committee=world.district)
    client = client_for(world.district_staff)
    client.post(reverse("consultations:outcome_action", args=[o.pk, "evaluate"]), {"decision": "adopt"})
    body = client.get(reverse("consultations:outcome", args=[o.pk])).content.decode()
    assert "已采纳" in body and "办理轨迹" in body


def test_a_convener_sees_their_sessions_outcomes_but_not_others(world, client_for):
    mine = OutcomeFactory(session=SessionFactory(committee=world.district, group=world.group))
    theirs = OutcomeFactory(session=SessionFactory(committee=world.district, group=world.other_group))
    client = client_for(world.convener)
    assert client.get(reverse("consultations:outcome", args=[mine.pk])).status_code == 200
    assert client.get(reverse("consultations:outcome", args=[theirs.pk])).status_code == 403
    client.post(reverse("consultations:outcome_action", args=[mine.pk, "evaluate"]), {"decision": "adopt"})
    assert Outcome.objects.get(pk=mine.pk).state == "pending"  # evaluation is for staff


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["convener", "member", "unit_user"])
def test_figures_are_for_staff_and_leaders(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("consultations:figures")).status_code == 403


def test_figures_count_by_aggregation_with_a_fixed_query_count(world, client_for, django_assert_max_num_queries):
    client = client_for(world.leader)
    client.get(reverse("consultations:figures"))
    for level in ("district", "street", "community"):
        s = SessionFactory(committee=world.district, level=level)
        OutcomeFactory(session=s)
        handed_outcome(world.unit, session=s, state="replied", reply="已办", answered_on_time=True)
        late = handed_outcome(world.unit, session=s, state="handling")
        Outcome.objects.filter(pk=late.pk).update(deadline=date.today() - timedelta(days=2))
        Participant.objects.create(session=s, kind="resident", name="居民")
    SessionFactory(committee=world.other)  # not the leader's
    with django_assert_max_num_queries(16):
        response = client.get(reverse("consultations:figures") + f"?year={YEAR}")
    data = response.context["data"]
    assert data["session_total"] == 3 and data["totals"] == {"replied": 0, "on_time": 3, "overdue": 3}
    response = client.get(reverse("consultations:figures") + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    assert [r[2] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [1, 1, 1]


def test_session_files_are_served_only_to_those_who_see_the_session(world, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultations import services

    settings.MEDIA_ROOT = tmp_path
    session = SessionFactory(committee=world.district, group=world.group)
    doc = services.document_upload(
        session_id=session.pk,
        kind="evidence",
        actor=world.convener,
        upload=SimpleUploadedFile("签到表.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32),
    )
    url = reverse("consultations:document", args=[doc.pk])
    response = client_for(world.convener).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(world.other_convener).get(url).status_code == 403
    assert client_for(world.unit_user).get(url).status_code == 403


def test_the_topic_board_filters_by_platform(world, client_for):
    platform = f.PlatformFactory(committee=world.district, name="东湖社区协商工作站")
    TopicFactory(committee=world.district, platform=platform, title="平台选题")
    TopicFactory(committee=world.district, title="其他选题")
    body = client_for(world.staff).get(reverse("consultations:topics"), {"platform": platform.pk}).content.decode()
    assert "平台选题" in body and "其他选题" not in body

"""The duty-record page: the member's own in full, staff in full, conveners a summary, others refused."""

import pytest
from django.urls import reverse

from tests.assessments.test_api import record_events  # noqa: F401  (the same member and events)

pytestmark = pytest.mark.django_db

MINE = reverse("assessments:my_record")


def _of(world):
    return reverse("assessments:member_record", args=[world.member_record.pk])


def test_a_member_reads_their_record_on_a_page_in_chinese(
    world,
    client_for,
    record_events,  # noqa: F811
    django_assert_max_num_queries,
):
    client = client_for(world.member)
    client.get(MINE)
    with django_assert_max_num_queries(13):
        response = client.get(MINE, {"year": 2026})
    body = response.content.decode()
    assert response.status_code == 200
    assert "我的履职档案" in body and "57.00" in body and "不称职" in body
    assert "关于老旧小区加装电梯的建议" in body and "提交提案" in body and "第一提案人" in body


def test_a_quarter_shows_its_lines_only_each_linked_to_its_source_page(world, client_for, record_events):  # noqa: F811
    body = client_for(world.member).get(MINE, {"year": 2026, "quarter": 1}).content.decode()
    assert "九届四次会议" in body and "关于老旧小区加装电梯的建议" not in body
    assert f'<a href="{reverse("groups:group_detail", args=[world.group.pk])}">进社区</a>' in body


def test_a_bad_period_falls_back_to_the_whole_year(world, client_for, record_events):  # noqa: F811
    assert client_for(world.member).get(MINE, {"year": "x", "quarter": 9}).status_code == 200


def test_staff_read_a_members_record(world, client_for, record_events):  # noqa: F811
    body = client_for(world.district_staff).get(_of(world), {"year": 2026}).content.decode()
    assert "九届四次会议" in body and "57.00" in body


def test_a_convener_sees_the_summary_without_the_lines(world, client_for, record_events):  # noqa: F811
    response = client_for(world.convener).get(_of(world), {"year": 2026})
    body = response.content.decode()
    assert response.status_code == 200 and "57.00" in body and "九届四次会议" not in body


@pytest.mark.parametrize("who", ["other_convener", "other_staff", "leader", "unit_user"])
def test_others_are_refused(world, client_for, record_events, who):  # noqa: F811
    assert client_for(getattr(world, who)).get(_of(world)).status_code == 403


def test_only_members_have_their_own_record(world, client_for):
    assert client_for(world.staff).get(MINE).status_code == 403
    assert client_for(world.member).get(MINE).status_code == 200


def _pdf_text_and_image(content: bytes, name: str):
    """The text of the first page, and that page rendered to an image (kept in test-artifacts/)."""
    import pypdfium2

    from tests.conftest import ARTIFACTS

    pdf = pypdfium2.PdfDocument(content)
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=1.5).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / f"{name}.png")
    return text, image


def test_a_member_downloads_their_record_as_a_pdf_in_chinese(world, client_for, record_events):  # noqa: F811
    page = client_for(world.member).get(MINE, {"year": 2026, "quarter": 2}).content.decode()
    assert 'href="/assessments/record/pdf/?year=2026&amp;quarter=2"' in page
    response = client_for(world.member).get(reverse("assessments:my_record_pdf"), {"year": 2026})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="duty-record-' in response["Content-Disposition"]
    assert b"WenQuanYi" in response.content  # the CJK font is embedded
    text, image = _pdf_text_and_image(response.content, "duty-record-pdf")
    assert f"{world.member_record.name}的履职档案" in text
    assert "关于老旧小区加装电梯的建议" in text and "不称职" in text and "57.00" in text
    dark = sum(1 for px in image.convert("L").getdata() if px < 128)
    assert dark > 2000, "the page renders visible glyphs"


def test_a_conveners_pdf_is_a_summary_and_others_are_refused(world, client_for, record_events):  # noqa: F811
    url = reverse("assessments:member_record_pdf", args=[world.member_record.pk])
    response = client_for(world.convener).get(url, {"year": 2026})
    text, _image = _pdf_text_and_image(response.content, "duty-record-summary-pdf")
    assert "57.00" in text and "关于老旧小区加装电梯的建议" not in text
    assert client_for(world.other_convener).get(url).status_code == 403


def _count_queries(client, url, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_the_page_and_the_pdf_take_the_same_queries_when_the_lines_double(world, client_for, record_events):  # noqa: F811
    from datetime import timedelta

    client = client_for(world.member)
    client.get(MINE)
    pdf = reverse("assessments:my_record_pdf")
    before = [_count_queries(client, url, {"year": 2026, **q}) for url in (MINE, pdf) for q in ({}, {"quarter": 2})]
    for member_id, event in list(record_events):  # every event again a week later: twice the lines
        record_events.append((member_id, type(event)(**{**event.__dict__, "on": event.on + timedelta(days=7)})))
    body = client.get(MINE, {"year": 2026}).content.decode()
    assert body.count("data-line=") == 6
    after = [_count_queries(client, url, {"year": 2026, **q}) for url in (MINE, pdf) for q in ({}, {"quarter": 2})]
    assert after == before and max(before) <= 13


def test_staffs_pdf_of_a_members_record_takes_the_same_queries_when_the_lines_double(
    world,
    client_for,
    record_events,  # noqa: F811
):
    from datetime import timedelta

    client = client_for(world.district_staff)
    pdf = reverse("assessments:member_record_pdf", args=[world.member_record.pk])
    client.get(pdf)
    before = [_count_queries(client, pdf, {"year": 2026, **q}) for q in ({}, {"quarter": 2})]
    for member_id, event in list(record_events):  # every event again a week later: twice the lines
        record_events.append((member_id, type(event)(**{**event.__dict__, "on": event.on + timedelta(days=7)})))
    after = [_count_queries(client, pdf, {"year": 2026, **q}) for q in ({}, {"quarter": 2})]
    assert after == before and max(before) <= 13


def test_a_phone_reader_sees_the_summary_and_folded_categories(world, client_for, record_events):  # noqa: F811
    body = client_for(world.member).get(MINE, {"year": 2026, "quarter": 2}).content.decode()
    assert "第二季度计入积分" in body and "全年累计" in body and "截至第二季度末" in body and "本季度共 1 项" in body
    assert body.count('<details class="card shadow-sm mb-2 duty-group"') == 1  # one category this quarter, folded
    assert " open" not in body.split("data-lines")[1].split(">")[0]
    assert "提案" in body and "1 项，计入 5 分" in body and "按规则计 5 分" in body
    assert "英语" not in body and "not scored" not in body

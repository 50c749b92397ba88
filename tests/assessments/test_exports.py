"""Excel exports of the annual assessment: six sheets in Chinese, audited, phone numbers masked for leaders."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from core.privacy import mask_phone
from tests.assessments.test_annual import year  # noqa: F401  (合肥's rules, Q1 rolled up, awards and funding)

pytestmark = pytest.mark.django_db

SHEETS = ["年度考核", "未达最低要求", "委员排名", "活动组排名", "考核奖优候选名单", "活动组经费补助"]


@pytest.fixture
def minimum(world, year):  # noqa: F811
    """One three-enters activity a year is required: nobody did one, so everyone is listed below the minimum."""
    from assessments.models import MinimumRequirement
    from assessments.services import rollup_execute, rollup_start

    MinimumRequirement.objects.create(rule_set=year, kind="activity_three_enters", min_count=1)
    rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    return year


def _export(client, world, url="assessments:assessment_export"):
    response = client.get(reverse(url), {"committee": world.district.pk, "year": 2026})
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    return load_workbook(BytesIO(response.content))


def _rows(book, title):
    return [list(r) for r in book[title].values]


def test_staff_export_the_year_in_six_sheets_with_chinese_headers(world, client_for, minimum):
    book = _export(client_for(world.district_staff), world)
    assert book.sheetnames == SHEETS
    member, convener = world.member_record, world.convener_member

    assessment = _rows(book, "年度考核")
    assert assessment[0] == ["名次", "委员", "界别", "季度", "年内累计总分", "等次", "未达到的最低要求", "手机"]
    by_name = {r[1]: r for r in assessment[1:]}
    assert set(by_name) >= {member.name, convener.name}
    assert by_name[member.name][7] == member.phone  # staff of the committee see the number in full
    # 合肥: base 85 + 3 activities × 7.5; the convener of the other group did nothing: 85
    assert [(r[0], r[4], r[5]) for r in assessment[1:]] == [
        (1, 107.5, "称职"),
        (1, 107.5, "称职"),
        (3, 85, "称职"),
    ]  # 合肥: 优秀 from 125
    assert by_name[member.name][3] == 1 and by_name[member.name][6] == "参加“三进”活动 0/1"

    below = _rows(book, "未达最低要求")
    assert below[0] == ["委员", "界别", "未达到的最低要求", "年内累计总分", "等次", "手机"]
    assert len(below) == 4 and all(r[2] == "参加“三进”活动 0/1" for r in below[1:])
    assert {r[0]: r[5] for r in below[1:]}[member.name] == member.phone

    ranking = _rows(book, "委员排名")
    assert ranking[0] == [
        "名次",
        "委员",
        "界别",
        "第一季度积分",
        "第二季度积分",
        "第三季度积分",
        "第四季度积分",
        "年内累计总分",
        "等次",
    ]
    assert [r[0] for r in ranking[1:]] == [1, 1, 3]
    assert [r[3:5] for r in ranking[1:]] == [[22.5, None], [22.5, None], [0, None]]  # Q2 not rolled up yet
    assert ranking[3][3] == 0 and ranking[3][7] == 85

    groups = _rows(book, "活动组排名")
    assert groups[0] == ["名次", "活动组", "分值", "参加活动次数", "“三进”活动次数", "提交提案数", "报送社情民意数"]
    assert groups[1] == [1, world.group.name, 45, 6, 0, 0, 0] and groups[2][:3] == [2, world.other_group.name, 0]

    awards = _rows(book, "考核奖优候选名单")
    assert awards[0] == ["名次", "活动组", "分值", "委员人数", "已归档活动"]
    assert awards[1] == [1, world.group.name, 45, 2, 2]
    assert awards[-1][0] == "暂定：该年度尚未锁定。"

    funding = _rows(book, "活动组经费补助")
    assert funding[0] == ["名次", "活动组", "分值", "委员人数", "已归档活动", "考核奖优候选", "补助经费"]
    assert funding[1][1] == world.group.name and funding[1][5] == "是" and float(funding[1][6]) == 2800
    assert funding[-2][1] == "合计" and float(funding[-2][6]) == 2800 + 1500

    event = AuditEvent.objects.get(verb="export")
    assert event.actor == world.district_staff and event.data["rows"] == len(assessment) - 1
    assert event.data["masked"] is False and event.comment == f"annual assessment {world.district.pk} 2026"


def test_a_leader_gets_the_phone_numbers_masked(world, client_for, minimum):
    book = _export(client_for(world.leader), world)
    rows = _rows(book, "年度考核")[1:]
    member = world.member_record
    row = next(r for r in rows if r[1] == member.name)
    assert row[7] == mask_phone(member.phone) and member.phone not in str(rows)
    below = _rows(book, "未达最低要求")[1:]
    assert len(below) == 3 and all("****" in r[5] for r in below)
    assert AuditEvent.objects.get(verb="export", actor=world.leader).data["masked"] is True


def test_the_funding_export_is_audited(world, client_for, year):  # noqa: F811
    book = _export(client_for(world.leader), world, "assessments:funding_export")
    assert book.sheetnames == ["活动组经费补助", "数字对应的明细"]  # the second: the list behind each count
    event = AuditEvent.objects.get(verb="export", actor=world.leader)
    assert event.data["rows"] == 2 and event.comment.startswith("group funding")


def test_the_export_has_a_fixed_number_of_queries(world, client_for, year, django_assert_max_num_queries):  # noqa: F811
    from tests import factories as f
    from tests.assessments.test_sources import activity

    client = client_for(world.district_staff)
    url, query = reverse("assessments:assessment_export"), {"committee": world.district.pk, "year": 2026}
    client.get(url, query)
    with django_assert_max_num_queries(30) as few:
        client.get(url, query)
    more = [f.MembershipFactory(group=world.group).member for _ in range(5)]
    activity(world, 2, 10, more)
    from assessments.services import rollup_execute, rollup_start

    rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = _rows(load_workbook(BytesIO(client.get(url, query).content)), "年度考核")
    assert len(rows) == 1 + 2 + 5 + 1  # the world's third member of the district too

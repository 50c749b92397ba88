"""The duty-record and roll-up API: who sees what, the breakdown's shape, fixed query counts."""

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.kinds import EventKind as K
from assessments.models import RollupRun
from assessments.services import rollup_start, ruleset_create_from_preset
from tests.assessments.helpers import ev

pytestmark = pytest.mark.django_db

ROLLUPS = reverse("api:rollup-list")
RUN = reverse("api:rollup-run")


@pytest.fixture
def record_events(world, monkeypatch):
    """The member of ``group`` under 桐城's rules in 2026."""
    ruleset_create_from_preset(committee=world.district, year=2026, preset="tongcheng", actor=None)
    rows = [
        (
            world.member_record.pk,
            ev(K.PLENARY_PRESENT, 1, 10, qty=4, source=("groups.plenarysession", 7), title="九届四次会议"),
        ),  # Q1: 50
        (
            world.member_record.pk,
            ev(K.ACTIVITY_THREE_ENTERS, 2, 1, title="进社区", source=("groups.activitygroup", world.group.pk)),
        ),  # Q1: 2 (a stand-in source)
        (
            world.member_record.pk,
            ev(
                K.PROPOSAL_SUBMITTED,
                4,
                5,
                role="first_author",
                authors=2,
                source=("proposals.proposal", 12),
                title="关于老旧小区加装电梯的建议",
            ),
        ),  # Q2: 5
        (world.convener_member.pk, ev(K.REPORT_SUBMITTED, 5, 2)),  # the convener's own
    ]

    def fake(committee, start, end, *, member_ids=None):
        return iter(
            sorted(
                ((m, e) for m, e in rows if start <= e.on <= end and (member_ids is None or m in member_ids)),
                key=lambda r: (r[0], r[1].on),
            )
        )

    monkeypatch.setattr(selectors, "duty_events", fake)
    return rows


def _record(world, **params):
    return reverse("api:duty-record", args=[world.member_record.pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


def test_a_member_reads_their_own_record_with_every_line_linked_to_its_source(world, client_for, record_events):
    data = client_for(world.member).get(_record(world, year=2026)).json()
    # 50 + 2 + 10 / 2 = 57: 不称职 (桐城 uses the example bands)
    assert (data["access"], data["total"], data["grade"]) == ("full", "57.00", "不称职")
    assert [(line["kind"], line["points"]) for line in data["lines"]] == [
        ("plenary_present", "50.00"),
        ("activity_three_enters", "2.00"),
        ("proposal_submitted", "5.00"),
    ]
    proposal = data["lines"][2]
    assert proposal["source"] == {"model": "proposals.proposal", "id": 12, "url": "/proposals/12/"}
    assert (proposal["title"], proposal["kind_label"], proposal["authors"]) == (
        "关于老旧小区加装电梯的建议",
        "提交提案",
        2,
    )
    assert {c["category"]: c["capped"] for c in data["categories"]} == {"会议": "50.00", "活动": "2.00", "提案": "5.00"}


def test_a_quarter_lists_its_lines_and_keeps_year_to_date_totals(world, client_for, record_events):
    data = client_for(world.member).get(_record(world, year=2026, quarter=2)).json()
    assert [line["kind"] for line in data["lines"]] == ["proposal_submitted"]
    assert (data["start"], data["end"], data["total"]) == ("2026-04-01", "2026-06-30", "57.00")


@pytest.mark.parametrize("who", ["staff", "district_staff"])
def test_staff_of_the_committee_read_the_whole_record(world, client_for, record_events, who):
    data = client_for(getattr(world, who)).get(_record(world, year=2026)).json()
    assert data["access"] == "full" and len(data["lines"]) == 3


def test_a_convener_reads_a_summary_of_their_groups_member(world, client_for, record_events):
    data = client_for(world.convener).get(_record(world, year=2026)).json()
    assert data["access"] == "summary" and "lines" not in data and data["total"] == "57.00"


@pytest.mark.parametrize("who", ["other_convener", "other_staff", "leader", "unit_user", "outsider_member"])
def test_others_cannot_read_the_record(world, client_for, record_events, who):
    user = world.outsider_member.user if who == "outsider_member" else getattr(world, who)
    assert client_for(user).get(_record(world, year=2026)).status_code == 404


def test_a_member_cannot_read_their_conveners_record(world, client_for, record_events):
    url = reverse("api:duty-record", args=[world.convener_member.pk])
    assert client_for(world.member).get(url).status_code == 404


def test_a_bad_quarter_is_a_400(world, client_for, record_events):
    assert client_for(world.member).get(_record(world, year=2026, quarter=5)).status_code == 400


def test_the_record_runs_a_fixed_number_of_queries(world, client_for, record_events, django_assert_max_num_queries):
    client = client_for(world.member)
    client.get(_record(world, year=2026))
    with django_assert_max_num_queries(12):
        assert client.get(_record(world, year=2026)).status_code == 200


def test_a_year_without_rules_scores_nothing(world, client_for, record_events):
    data = client_for(world.member).get(_record(world, year=2025)).json()
    assert (data["total"], data["grade"], data["lines"]) == ("0.00", None, [])


def test_staff_start_a_roll_up_through_the_api_and_a_second_start_is_refused(world, client_for):
    client = client_for(world.district_staff)
    response = client.post(RUN, {"committee": world.district.pk, "year": 2026, "quarter": 1})
    assert response.status_code == 201 and response.json()["status"] == "queued"
    again = client.post(RUN, {"committee": world.district.pk, "year": 2026, "quarter": 1})
    assert again.status_code == 400 and again.json() == {"detail": ["该季度的汇总已在排队或运行中。"]}
    assert [r["quarter"] for r in client.get(ROLLUPS).json()["results"]] == [1]


def test_a_roll_up_cannot_be_started_for_another_committee_or_by_a_member(world, client_for):
    response = client_for(world.district_staff).post(RUN, {"committee": world.other.pk, "year": 2026, "quarter": 1})
    assert response.status_code == 400
    assert (
        client_for(world.member).post(RUN, {"committee": world.district.pk, "year": 2026, "quarter": 1}).status_code
        == 403
    )
    assert not RollupRun.objects.exists()


def test_roll_up_runs_are_listed_for_staff_and_leaders_only_in_fixed_queries(
    world, client_for, django_assert_max_num_queries
):
    rollup_start(committee=world.district, year=2026, quarter=1, actor=None)
    client = client_for(world.leader)
    with django_assert_max_num_queries(10) as small:
        assert client.get(ROLLUPS).json()["count"] == 1
    for quarter in (2, 3, 4):
        rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(ROLLUPS).json()["count"] == 4
    assert client_for(world.member).get(ROLLUPS).json()["count"] == 0
    assert client_for(world.other_staff).get(ROLLUPS).json()["count"] == 0


# --- Annual assessment ----------------------------------------------------------------------------

from tests.assessments.test_rollup import district_year, events  # noqa: E402, F401


def _assessment(client, world, **extra):
    return client.get(reverse("api:assessment-list"), {"committee": world.district.pk, "year": 2026, **extra})


def test_staff_see_members_ranked_by_their_latest_year_to_date_total(
    world,
    client_for,
    events,  # noqa: F811
    django_assert_max_num_queries,
):
    from assessments.services import rollup_execute

    for quarter in (1, 2):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    client = client_for(world.staff)
    _assessment(client, world)
    with django_assert_max_num_queries(10):
        data = _assessment(client, world).json()
    rows = [
        (r["rank"], r["member"], r["quarter"], r["year_to_date_total"], r["year_to_date_grade"])
        for r in data["results"]
    ]
    # Q2 year to date: 64 (称职), 12 and 0 (不称职)
    assert rows[:2] == [
        (1, world.member_record.pk, 2, "64.00", "称职"),
        (2, world.convener_member.pk, 2, "12.00", "不称职"),
    ]
    assert rows[2][0] == 3 and data["count"] == 3


def test_the_annual_row_keeps_the_quarter_and_the_year_to_date_apart(world, client_for, events):  # noqa: F811
    """Events in two quarters: the quarter fields add up to the second quarter's lines, the year-to-date fields
    to the lines of both (issue #17: one row used to mix the quarter's categories with the year's total)."""
    from collections import defaultdict
    from decimal import Decimal

    from assessments.rollup import book_for, quarter_bounds
    from assessments.scoring import score
    from assessments.services import rollup_execute

    for quarter in (1, 2):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    row = next(
        r
        for r in _assessment(client_for(world.staff), world).json()["results"]
        if r["member"] == world.member_record.pk
    )
    mine = [e for m, e in events if m == world.member_record.pk]
    lines = score(book_for(world.district.pk, 2026), mine).lines
    start, end = quarter_bounds(2026, 2)
    in_quarter, in_year = defaultdict(Decimal), defaultdict(Decimal)
    for line in lines:
        if line.rule_kind is not None and line.event.on <= end:
            in_year[line.category] += line.points
            if line.event.on >= start:
                in_quarter[line.category] += line.points

    def amounts(by_category):
        return {k: Decimal(v) for k, v in by_category.items()}

    assert row["quarter"] == 2 and set(in_year) - set(in_quarter)  # a category earned only in the first quarter
    assert amounts(row["quarter_points_by_category"]) == in_quarter
    assert Decimal(row["quarter_total"]) == sum(in_quarter.values()) == Decimal(12)
    assert amounts(row["year_to_date_points_by_category"]) == in_year
    assert Decimal(row["year_to_date_points"]) == sum(in_year.values()) == Decimal(64)
    assert (row["year_to_date_total"], row["year_to_date_grade"]) == ("64.00", "称职")  # 桐城: no base, no cap hit
    assert not {"points_by_category", "ytd_total", "ytd_grade"} & set(row)


def test_the_annual_rows_fields_are_documented_in_the_schema(client_for, world):
    schema = client_for(world.staff).get(reverse("schema"), {"format": "json"}).json()
    row = schema["components"]["schemas"]["AssessmentRow"]["properties"]
    for name in (
        "quarter_points_by_category",
        "quarter_total",
        "year_to_date_points_by_category",
        "year_to_date_points",
        "year_to_date_total",
    ):
        assert row[name].get("description"), name


def test_the_assessment_is_for_staff_and_leaders_of_the_committee(world, client_for):
    assert _assessment(client_for(world.leader), world).status_code == 200
    assert _assessment(client_for(world.member), world).status_code == 403
    assert _assessment(client_for(world.other_staff), world).status_code == 403
    assert client_for(world.staff).get(reverse("api:assessment-list")).status_code == 400


def test_groups_are_ranked_by_the_points_of_the_year(
    world,
    client_for,
    events,  # noqa: F811
    django_assert_max_num_queries,
):
    from assessments.services import rollup_execute

    for quarter in (1, 2):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    client = client_for(world.leader)
    url = reverse("api:assessment-groups")
    client.get(url, {"committee": world.district.pk, "year": 2026})
    with django_assert_max_num_queries(8):
        data = client.get(url, {"committee": world.district.pk, "year": 2026}).json()
    # 东湖街道活动组: Q1 50 + 2, Q2 12 + 12 = 76 points; activities: 1 in Q1, 2 in Q2; 湖滨街道活动组: 0
    assert [(g["rank"], g["group_name"], g["points"], g["activities_present"]) for g in data] == [
        (1, "东湖街道活动组", "76.00", 3),
        (2, "湖滨街道活动组", "0.00", 0),
    ]
    assert client_for(world.member).get(url, {"committee": world.district.pk, "year": 2026}).status_code == 403


def test_staff_export_the_assessment_to_excel(world, client_for, events, django_assert_max_num_queries):  # noqa: F811
    from io import BytesIO

    from openpyxl import load_workbook

    from assessments.services import rollup_execute

    rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=2, actor=None).pk)
    url = reverse("assessments:assessment_export")
    client = client_for(world.district_staff)
    client.get(url, {"committee": world.district.pk, "year": 2026})
    with django_assert_max_num_queries(
        19
    ):  # six sheets, the settlement, the contact policy, the audit record, the file name; the rows counted against
        # EXPORT_BACKGROUND_ROWS and the export's rule (core.export_jobs), built in the request below the threshold
        response = client.get(url, {"committee": world.district.pk, "year": 2026})
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][:2] == ("名次", "委员") and len(rows) == 4
    assert rows[1][:2] == (1, world.member_record.name) and float(rows[1][4]) == 64 and rows[1][5] == "称职"
    assert client_for(world.member).get(url, {"committee": world.district.pk, "year": 2026}).status_code == 403
    assert client.get(url).status_code == 400


def test_the_roll_up_list_refuses_a_quarter_out_of_range_or_another_committee(world, client_for):
    client = client_for(world.district_staff)
    assert client.get(ROLLUPS, {"quarter": 2}).status_code == 200
    bad = client.get(ROLLUPS, {"quarter": 7})
    assert bad.status_code == 400 and "quarter" in bad.json()
    other = client.get(ROLLUPS, {"committee": world.other.pk})
    assert other.status_code == 400 and "committee" in other.json()
    assert client.get(ROLLUPS, {"committee": world.district.pk}).status_code == 200


def test_each_line_says_in_words_what_it_scored_and_a_quarter_its_own_points(world, client_for, record_events):
    q1 = client_for(world.member).get(_record(world, year=2026, quarter=1)).json()
    assert [(line["state"], line["verdict"]) for line in q1["lines"]] == [
        ("scored", "按规则计 50 分"),
        ("scored", "按规则计 2 分"),
    ]
    data = client_for(world.member).get(_record(world, year=2026, quarter=2)).json()
    assert (data["period_points"], data["total"], data["grade_reason"], data["still_needed"]) == (
        "5.00",
        "57.00",
        "",
        [],
    )
    assert client_for(world.member).get(_record(world, year=2026)).json()["period_points"] is None

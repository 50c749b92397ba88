"""The handling units' yearly evaluation 承办单位年度考评表: each unit's figures, the workbook, the page."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.unit_sheet import sheet_titles, unit_sheets
from consultations.models import Outcome
from core.models import AuditEvent
from proposals.models import Proposal
from tests import factories as f
from tests.consultations.factories import SessionFactory, handed_outcome
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db
S = Proposal.State
R = Proposal.Rating
YEAR = timezone.localdate().year
TODAY = timezone.localdate()


def _proposal(unit, **kw):
    kw.setdefault("state", S.HANDLING)
    return ProposalFactory(committee=unit.committee, lead_unit=unit, year=YEAR, **kw)


def _outcome(unit, session, **kw):
    return handed_outcome(unit, session=session, **kw)


@pytest.fixture
def data(world):
    """住建局: 4 proposals (2 replied on time, 1 late, 1 overdue), ratings 满意/基本满意/不满意, 1 implemented;
    3 outcomes (1 replied on time, 1 late, 1 open). 教育局: 1 proposal rated 满意, 1 outcome. Out of scope:
    a draft, last year's proposal, another committee's unit, last year's session."""
    housing, education = world.unit, world.other_unit
    _proposal(housing, state=S.CLOSED, replied_on_time=True, rating=R.SATISFIED, implemented_on=TODAY)
    _proposal(housing, state=S.RATED, replied_on_time=True, rating=R.BASIC)
    _proposal(housing, state=S.REPLIED, replied_on_time=False, rating=R.UNSATISFIED)
    _proposal(housing, reply_due=TODAY - timedelta(days=3))
    _proposal(housing, state=S.DRAFT)
    ProposalFactory(committee=world.district, lead_unit=housing, year=YEAR - 1, state=S.CLOSED)
    _proposal(education, state=S.RATED, replied_on_time=True, rating=R.SATISFIED)
    far = f.HandlingUnitFactory(committee=world.other, name="远山市住建局")
    _proposal(far, state=S.RATED, replied_on_time=True, rating=R.SATISFIED)

    session = SessionFactory(committee=world.district)
    replied = {"replied_at": timezone.now(), "reply": "已办理", "state": Outcome.State.REPLIED}
    _outcome(housing, session, answered_on_time=True, **replied)
    _outcome(housing, session, answered_on_time=False, **replied)
    _outcome(housing, session, deadline=date.today() - timedelta(days=1))
    _outcome(education, session)
    _outcome(far, SessionFactory(committee=world.other))
    last_year = SessionFactory(committee=world.district, starts_at=timezone.now().replace(year=YEAR - 1))
    _outcome(housing, last_year)
    return housing, education


def test_each_figure_counts_the_units_rows_of_the_year(world, data):
    housing, education = data
    rows = {r.unit_id: r for r in unit_sheets(world.district.pk, YEAR)}
    assert set(rows) == {housing.pk, education.pk}
    assert rows[housing.pk].values() == {
        "assigned": 4,
        "replied": 3,
        "on_time": 2,
        "late": 1,
        "overdue": 1,
        "rated": 3,
        "rated_satisfied": 1,
        "rated_basic": 1,
        "rated_unsatisfied": 1,
        "implemented": 1,
        "closed": 1,
        "outcomes": 3,
        "outcomes_replied": 2,
        "outcomes_on_time": 1,
        "outcomes_overdue": 1,
    }
    e = rows[education.pk]
    assert (e.assigned, e.replied, e.on_time, e.rated_satisfied, e.outcomes, e.outcomes_replied) == (1, 1, 1, 1, 1, 0)


def test_the_export_has_a_summary_and_one_sheet_per_unit_with_the_same_numbers(world, data, client_for):
    housing, education = data
    client = client_for(world.district_staff)
    response = client.get(
        reverse("assessments:unit_sheets"), {"committee": world.district.pk, "year": YEAR, "export": "xlsx"}
    )
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["汇总", "东湖区住建局", "东湖区教育局"]
    summary = [list(r) for r in book["汇总"].values]
    assert summary[0][:4] == ["承办单位", "主办提案数", "已答复提案数", "按时答复提案数"]
    assert summary[1][:4] == ["东湖区住建局", 4, 3, 2]
    sheet = {r[0]: r[1] for r in book["东湖区住建局"].values}
    assert sheet["承办单位"] == "东湖区住建局"
    assert (sheet["主办提案数"], sheet["满意"], sheet["基本满意"], sheet["不满意"]) == (4, 1, 1, 1)
    assert (sheet["交办的协商成果数"], sheet["按时答复的协商成果数"]) == (3, 1)
    assert all(isinstance(v, int) for k, v in sheet.items() if k not in ("承办单位", "政协组织", "承办单位年度考评表"))
    event = AuditEvent.objects.get(verb="export")
    assert event.data["rows"] == 2 and event.actor == world.district_staff


def test_a_unit_name_that_looks_like_a_formula_is_written_as_text(world, client_for):
    f.HandlingUnitFactory(committee=world.district, name="=HYPERLINK(1)")
    response = client_for(world.district_staff).get(
        reverse("assessments:unit_sheets"), {"committee": world.district.pk, "year": YEAR, "export": "xlsx"}
    )
    book = load_workbook(BytesIO(response.content))
    cell = book["汇总"].cell(row=2, column=1)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_sheet_titles_are_cleaned_cut_to_31_characters_and_unique():
    long = "很长的单位名称" * 6
    titles = sheet_titles(["a/b:c", "A/B:C", long, long, "汇总"], taken=("汇总",))
    assert titles[:2] == ["a_b_c", "A_B_C(2)"]
    assert titles[2] == long[:31] and titles[3] == long[:28] + "(2)" and titles[4] == "汇总(2)"
    assert all(len(t) <= 31 for t in titles)


def test_the_page_shows_one_row_per_unit_to_staff_and_leaders(world, data, client_for):
    housing, _education = data
    for user in (world.district_staff, world.leader):
        response = client_for(user).get(reverse("assessments:unit_sheets"), {"committee": world.district.pk})
        assert response.status_code == 200
        assert response.content.decode().count("data-unit=") == 2
        assert f"?committee={world.district.pk}&amp;year={YEAR}&amp;export=xlsx" in response.content.decode()


@pytest.mark.parametrize("who", ["member", "convener", "unit_user", "other_staff"])
def test_members_conveners_units_and_other_committees_are_refused(world, client_for, who):
    response = client_for(getattr(world, who)).get(reverse("assessments:unit_sheets"), {"committee": world.district.pk})
    assert response.status_code == 403


@pytest.mark.parametrize("extra", [0, 4])
def test_the_page_and_the_export_take_a_fixed_number_of_queries(
    world, data, client_for, extra, django_assert_max_num_queries
):
    for _n in range(extra):
        unit = f.HandlingUnitFactory(committee=world.district)
        _proposal(unit, state=S.RATED, replied_on_time=True, rating=R.BASIC)
    client = client_for(world.district_staff)
    url = reverse("assessments:unit_sheets")
    with django_assert_max_num_queries(12):
        assert client.get(url, {"committee": world.district.pk, "year": YEAR}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url, {"committee": world.district.pk, "year": YEAR, "export": "xlsx"}).status_code == 200
    with django_assert_max_num_queries(3):
        assert len(unit_sheets(world.district.pk, YEAR)) == 2 + extra


# --- a unit's own sheet ----------------------------------------------------------------------------------------------


def test_a_unit_reads_its_own_sheet_and_lists_its_own_rows(world, data, client_for):
    housing, _education = data
    client = client_for(world.unit_user)
    assert client.get(reverse("assessments:my_unit_sheet")).url.startswith(
        reverse("assessments:unit_sheet", args=[housing.pk])
    )
    response = client.get(reverse("assessments:unit_sheet", args=[housing.pk]), {"year": YEAR})
    assert response.status_code == 200 and response.context["row"].assigned == 4
    rows = client.get(reverse("assessments:unit_sheet_rows", args=[housing.pk]), {"year": YEAR, "figure": "overdue"})
    assert rows.context["page_obj"].paginator.count == 1
    outcomes = client.get(
        reverse("assessments:unit_sheet_rows", args=[housing.pk]), {"year": YEAR, "figure": "outcomes"}
    )
    assert outcomes.context["page_obj"].paginator.count == 3
    unknown = client.get(reverse("assessments:unit_sheet_rows", args=[housing.pk]), {"year": YEAR, "figure": "x"})
    assert unknown.status_code == 404


def test_a_unit_exports_its_own_sheet_only(world, data, client_for):
    housing, _education = data
    response = client_for(world.unit_user).get(
        reverse("assessments:unit_sheet", args=[housing.pk]), {"year": YEAR, "export": "xlsx"}
    )
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["汇总", "东湖区住建局"]
    assert [r[0] for r in book["汇总"].values][1:] == ["东湖区住建局"]
    assert AuditEvent.objects.get(verb="export").actor == world.unit_user


@pytest.mark.parametrize("who", ["other_unit_user", "other_staff"])
@pytest.mark.parametrize("name", ["assessments:unit_sheet", "assessments:unit_sheet_rows"])
def test_another_units_sheet_is_not_found(world, data, client_for, who, name):
    housing, _education = data
    response = client_for(getattr(world, who)).get(
        reverse(name, args=[housing.pk]), {"year": YEAR, "figure": "assigned"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["member", "convener"])
def test_members_and_conveners_read_no_unit_sheet(world, data, client_for, who):
    housing, _education = data
    client = client_for(getattr(world, who))
    assert client.get(reverse("assessments:unit_sheet", args=[housing.pk])).status_code == 403
    assert client.get(reverse("assessments:my_unit_sheet")).status_code == 403


@pytest.mark.parametrize("figure", ["assigned", "outcomes"])
def test_the_units_sheet_and_its_rows_take_a_fixed_number_of_queries(
    world, data, client_for, figure, django_assert_max_num_queries
):
    housing, _education = data
    client = client_for(world.unit_user)
    sheet = reverse("assessments:unit_sheet", args=[housing.pk])
    rows = reverse("assessments:unit_sheet_rows", args=[housing.pk])
    client.get(sheet)
    with django_assert_max_num_queries(12) as few_sheet:
        assert client.get(sheet, {"year": YEAR}).status_code == 200
    with django_assert_max_num_queries(12) as few_rows:
        assert client.get(rows, {"year": YEAR, "figure": figure}).status_code == 200
    session = SessionFactory(committee=world.district)
    for _n in range(6):
        _proposal(housing, state=S.RATED, replied_on_time=True, rating=R.BASIC)
        _outcome(housing, session)
    with django_assert_max_num_queries(len(few_sheet.captured_queries)):
        assert client.get(sheet, {"year": YEAR}).context["row"].assigned == 10
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        assert client.get(rows, {"year": YEAR, "figure": figure}).context["page_obj"].paginator.count >= 9

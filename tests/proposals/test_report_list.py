"""Staff's list of public-opinion reports: this year's by default, any year or all, searched, filtered by state,
paged with a fixed query count."""

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import OpinionReport
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _titles(response):
    return [r.title for r in response.context["page_obj"]]


def _report(world, **kwargs):
    kwargs.setdefault("state", OpinionReport.State.SUBMITTED)
    kwargs.setdefault("year", YEAR)
    return OpinionReportFactory(committee=world.district, author=world.member_record, **kwargs)


def test_the_report_list_opens_on_this_year_and_filters_and_searches(world, client_for, django_assert_max_num_queries):
    _report(world, title="今年的反映")
    _report(world, title="去年的反映", year=YEAR - 1)
    _report(world, title="草稿", state=OpinionReport.State.DRAFT)
    client = client_for(world.staff)
    url = reverse("proposals:reports")
    response = client.get(url)
    assert _titles(response) == ["今年的反映"]
    body = response.content.decode()
    assert f'<option value="{YEAR - 1}">{YEAR - 1}</option>' in body and "全部年度" in body
    assert _titles(client.get(url, {"year": YEAR - 1})) == ["去年的反映"]
    assert sorted(_titles(client.get(url, {"year": ""}))) == ["今年的反映", "去年的反映"]
    assert _titles(client.get(url, {"year": "", "q": "去年"})) == ["去年的反映"]
    assert _titles(client.get(url, {"state": "accepted"})) == []
    counts = []
    for n in (20, 40):
        for _ in range(n):
            _report(world)
        with django_assert_max_num_queries(14) as captured:
            assert client.get(url, {"q": "反映", "page": 2}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]

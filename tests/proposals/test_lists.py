"""The unit's and the member's proposal lists: filters narrow, pages page, numbers carry their year, card counts
link to lists of that many rows, and the query count does not grow with the rows."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Assignment, CoSigner, Proposal
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db
S = Proposal.State


def _ids(response, key="page_obj"):
    return [getattr(row, "proposal_id", row.pk) for row in response.context[key]]


def test_the_unit_list_shows_the_year_with_numbers_that_repeat_across_years(world, client_for, walk):
    old, new = walk.assigned(year=2025), walk.assigned(year=2026)
    Proposal.objects.filter(pk__in=[old.pk, new.pk]).update(serial_number=58)
    body = client_for(world.unit_user).get(reverse("proposals:unit")).content.decode()
    assert "2025年第58号" in body and "2026年第58号" in body
    assert not re.search(r"(?<!年)第58号", body)


def test_every_list_of_proposals_names_the_year_with_the_number(world, client_for, walk):
    p = walk.assigned(year=2025)
    Proposal.objects.filter(pk=p.pk).update(serial_number=7)
    pages = [
        (world.unit_user, reverse("proposals:unit")),
        (world.member, reverse("proposals:mine")),
        (world.staff, reverse("proposals:list") + "?year=2025"),
    ]
    for who, url in pages:
        body = client_for(who).get(url).content.decode()
        assert "2025年第7号" in body, url
        assert not re.search(r"(?<!年)第7号", body), url


def test_the_unit_list_filters_by_year_state_deadline_and_search(world, client_for, walk):
    a25 = walk.assigned(year=2025, title="关于地下管网改造的建议")
    a26 = walk.assigned(year=2026, title="关于社区食堂的建议")
    replied = walk.replied(year=2026)
    today = timezone.localdate()
    Assignment.objects.filter(proposal=a25).update(due_date=today + timedelta(days=30))
    Assignment.objects.filter(proposal=a26).update(due_date=today - timedelta(days=1))
    Proposal.objects.filter(pk=a25.pk).update(serial_number=58)
    client = client_for(world.unit_user)

    def ids(query):
        return set(_ids(client.get(reverse("proposals:unit") + query)))

    assert ids("") == {a25.pk, a26.pk, replied.pk}
    assert ids("?year=2025") == {a25.pk}
    assert ids("?state=replied") == {replied.pk}
    assert ids("?state=open") == {a25.pk, a26.pk}
    assert ids("?due=overdue") == {a26.pk}
    assert ids("?q=管网") == {a25.pk}
    assert ids("?q=第58号") == {a25.pk}
    assert ids("?q=58") == {a25.pk}
    assert ids("?year=2026&q=管网") == set()
    assert ids("?year=abc&state=nonsense") == {a25.pk, a26.pk, replied.pk}  # bad input is ignored, not a 500


def test_the_unit_list_pages_and_keeps_the_filter_in_the_page_links(world, client_for, walk):
    for _ in range(32):
        walk.assigned(year=2026)
    walk.assigned(year=2025)
    client = client_for(world.unit_user)
    first = client.get(reverse("proposals:unit") + "?year=2026")
    assert len(_ids(first)) == 30 and first.context["page_obj"].paginator.count == 32
    assert "?year=2026&amp;page=2" in first.content.decode()
    second = client.get(reverse("proposals:unit") + "?year=2026&page=2")
    assert len(_ids(second)) == 2 and not set(_ids(first)) & set(_ids(second))


def test_the_filtered_unit_list_runs_a_fixed_number_of_queries(world, client_for, walk, django_assert_max_num_queries):
    client = client_for(world.unit_user)
    url = reverse("proposals:unit") + "?year=2026&state=open&q=建议"
    walk.assigned()
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    for _ in range(8):
        walk.assigned()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(_ids(client.get(url))) == 9


def _count_links(body):
    """(href, number shown) of every card count that is a link."""
    found = re.findall(r'href="([^"]+)" data-count="(\w+)">(.*?)</a>', body, re.S)
    return [
        (href.replace("&amp;", "&"), int(re.findall(r"\d+", re.sub(r"<[^>]+>", " ", text))[-1]))
        for href, _key, text in found
    ]


def test_the_members_cards_counts_link_to_lists_with_that_many_rows(world, client_for, walk):
    walk.draft()
    walk.draft()
    walk.replied()
    walk.assigned()
    walk.rated()
    other = walk.draft(lead_proposer=world.convener_member)
    CoSigner.objects.create(proposal=other, member=world.member_record, deadline=walk.today + timedelta(days=3))
    client = client_for(world.member)
    links = _count_links(client.get(reverse("groups:my_page")).content.decode())
    assert len(links) == 4
    assert [n for _h, n in links] != [0, 0, 0, 0]
    for href, shown in links:
        response = client.get(href)
        anchor = href.rsplit("#", 1)[1]
        rows = response.context[anchor]
        count = rows.paginator.count if hasattr(rows, "paginator") else len(rows)
        assert count == shown, href


def test_my_proposals_filter_by_year_state_and_title(world, client_for, walk):
    p25 = walk.draft(year=2025, title="关于河道治理的建议")
    p26 = walk.replied(year=2026)
    OpinionReportFactory(committee=world.district, author=world.member_record, year=2025, state="submitted")
    client = client_for(world.member)

    def own(query):
        return set(_ids(client.get(reverse("proposals:mine") + query), "own"))

    assert own("") == {p25.pk, p26.pk}
    assert own("?year=2025") == {p25.pk}
    assert own("?state=replied") == {p26.pk}
    assert own("?state=open") == {p26.pk}
    assert own("?q=河道") == {p25.pk}
    assert len(client.get(reverse("proposals:mine") + "?year=2026").context["reports"]) == 0
    assert len(client.get(reverse("proposals:mine") + "?year=2025").context["reports"]) == 1


def test_my_proposals_page_each_list_on_its_own(world, client_for, walk):
    for _ in range(23):
        walk.draft()
    client = client_for(world.member)
    first = client.get(reverse("proposals:mine") + "?year=2026")
    assert len(first.context["own"]) == 20 and first.context["own"].paginator.count == 23
    body = first.content.decode()
    assert "?year=2026&amp;page=2" in body
    second = client.get(reverse("proposals:mine") + "?year=2026&page=2&cpage=1")
    assert len(second.context["own"]) == 3


def test_my_proposals_run_a_fixed_number_of_queries(world, client_for, walk, django_assert_max_num_queries):
    client = client_for(world.member)
    walk.replied()
    OpinionReportFactory(committee=world.district, author=world.member_record, state="submitted")
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("proposals:mine") + "?year=2026").status_code == 200
    for _ in range(6):
        walk.replied()
        walk.draft()
        OpinionReportFactory(committee=world.district, author=world.member_record, state="submitted")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("proposals:mine") + "?year=2026")
    assert response.context["own"].paginator.count == 13

"""A group's page lists its members in pages, searchable by name, pinyin initials or work unit, with a fixed
number of queries whatever the group's size."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def _names(response):
    return [m.member.name for m in response.context["page_obj"]]


def test_the_group_page_searches_its_members_and_pages_them(world, client_for, django_assert_max_num_queries):
    f.MembershipFactory(group=world.group, member__name="欧阳明月", member__work_unit="东湖区第一中学")
    client = client_for(world.convener)
    url = reverse("groups:group_detail", args=[world.group.pk])
    assert _names(client.get(url, {"q": "oymy"})) == ["欧阳明月"]
    assert _names(client.get(url, {"q": "第一中学"})) == ["欧阳明月"]
    assert _names(client.get(url, {"q": "明月"})) == ["欧阳明月"]
    assert _names(client.get(url, {"role": "convener"})) == [world.convener_member.name]
    counts = []
    for n in (40, 40):
        for _ in range(n):
            f.MembershipFactory(group=world.group)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(url, {"page": 2})
        counts.append(len(captured))
        body = response.content.decode()
        assert 'name="q"' in body and "第 2 页" in body
    assert counts[0] == counts[1]
    assert len(response.context["page_obj"]) == 30 and response.context["member_total"] == 83

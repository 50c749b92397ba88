"""The inbox filters by kind and text, pages by 20 with the filter kept, at a fixed query count."""

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Kind

pytestmark = pytest.mark.django_db


def _notify(user, key, kind=Kind.GENERIC, title="通知"):
    return services.notify(
        kind=kind,
        recipient=user,
        obj=None,
        due=None,
        title=f"{title}{key}",
        body="",
        url="/me/",
        key=key,
        enqueue=False,
    )[0]


def _rows(response):
    return [n.pk for n in response.context["page_obj"]]


def test_the_inbox_filters_by_kind_and_text(world, client_for):
    generic = _notify(world.member, "a")
    tomorrow = _notify(world.member, "b", kind=Kind.ACTIVITY_TOMORROW, title="明天的活动")
    client = client_for(world.member)

    def rows(query):
        return set(_rows(client.get(reverse("notifications:inbox") + query)))

    assert rows("") == {generic.pk, tomorrow.pk}
    assert rows(f"?kind={Kind.ACTIVITY_TOMORROW}") == {tomorrow.pk}
    assert rows("?q=明天") == {tomorrow.pk}
    assert rows("?kind=nonsense") == {generic.pk, tomorrow.pk}
    assert rows("?show=unread&q=通知") == {generic.pk}


def test_the_filtered_inbox_pages_and_keeps_the_filter(world, client_for, django_assert_max_num_queries):
    client = client_for(world.member)
    url = reverse("notifications:inbox") + "?q=通知"
    _notify(world.member, "x", title="别的")
    _notify(world.member, "0")
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    for i in range(1, 25):
        _notify(world.member, str(i))
    with django_assert_max_num_queries(len(small.captured_queries)):
        first = client.get(url)
    assert len(_rows(first)) == 20 and first.context["page_obj"].paginator.count == 25
    assert "page=2" in first.content.decode() and "q=%E9%80%9A%E7%9F%A5&amp;page=2" in first.content.decode()
    assert len(_rows(client.get(url + "&page=2"))) == 5

"""Every API list's ``?ordering=`` ends on the row's id, so rows sharing a value keep one order across requests and
pages (a list ordered by reply date, where most rows have none, came out in two orders on two requests)."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api import OrderingFilter


def _ordered_lists():
    from cppcc_portal.api_urls import router

    for prefix, viewset, _basename in router.registry:
        if OrderingFilter in getattr(viewset, "filter_backends", []) and getattr(viewset, "ordering_fields", None):
            yield prefix, viewset


def test_the_api_orders_through_the_stable_filter():
    assert list(_ordered_lists()), "no API list takes ?ordering= through core.api.OrderingFilter"


@pytest.mark.parametrize("descending", [False, True])
def test_every_ordering_field_of_every_list_ends_on_the_id(descending):
    for prefix, viewset in _ordered_lists():
        view = viewset()
        for field in viewset.ordering_fields:
            wanted = f"-{field}" if descending else field
            request = Request(APIRequestFactory().get(f"/api/v1/{prefix}/", {"ordering": wanted}))
            ordering = OrderingFilter().get_ordering(request, None, view)
            assert ordering[0] == wanted, (prefix, ordering)
            assert ordering[-1].lstrip("-") in ("pk", "id"), (prefix, ordering)


def test_the_tie_breaker_follows_the_direction_and_is_not_added_twice():
    class View:
        ordering_fields = ["reply_due", "id"]
        ordering = None

    def order(value):
        request = Request(APIRequestFactory().get("/", {"ordering": value}))
        return OrderingFilter().get_ordering(request, None, View())

    assert order("-reply_due") == ["-reply_due", "-pk"]
    assert order("reply_due") == ["reply_due", "pk"]
    assert order("reply_due,-id") == ["reply_due", "-id"]
    assert order("") is None

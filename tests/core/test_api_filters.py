"""A list asked for no filter skips building its filter set (``core.api.FilterBackend``) only when that set would
return the rows as they are: here every API filter set judged inert is built on empty data and must leave the
statement unchanged."""

import pytest
from django.http import QueryDict
from rest_framework.test import APIRequestFactory

from core.api import _asks_for, _inert_when_empty
from cppcc_portal.api_urls import router

pytestmark = pytest.mark.django_db


def _filtersets():
    return {v.filterset_class for _p, v, _b in router.registry if getattr(v, "filterset_class", None)}


def test_an_inert_filter_set_built_on_no_data_leaves_the_statement_as_it_is(world):
    request = APIRequestFactory().get("/")
    request.user = world.staff
    inert = [f for f in _filtersets() if _inert_when_empty(f)]
    assert inert
    for filterset_class in inert:
        rows = filterset_class._meta.model._default_manager.all()
        filterset = filterset_class(data=QueryDict(), queryset=rows, request=request)
        assert filterset.is_valid(), filterset_class
        assert str(filterset.qs.query) == str(rows.query), filterset_class


def test_a_filter_or_a_part_of_its_widget_named_in_the_request_is_asked_for():
    from notifications.api import NotificationFilter

    assert _asks_for(NotificationFilter, QueryDict("unread=true"))
    assert _asks_for(NotificationFilter, QueryDict("kind_0=x"))
    assert not _asks_for(NotificationFilter, QueryDict("page_size=100&ordering=due&search=x"))

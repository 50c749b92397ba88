"""The API's router groups each viewset's routes under its prefix (``core.api_router``): every route resolves to
the same view, name and arguments, and reverses to the same path, as through DRF's flat list of routes."""

import re

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse
from rest_framework.routers import DefaultRouter

from core.api_router import Router
from cppcc_portal.api_urls import router

SAMPLES = {"pk": "12", "format": "json"}


def _flat_routes():
    """DRF's own routes of the same viewsets, in its order."""
    flat = DefaultRouter()
    for prefix, viewset, basename in router.registry:
        flat.register(prefix, viewset, basename=basename)
    return flat.urls


def _sample_path(regex: str) -> str:
    """A path the route's regular expression matches, each named group filled in."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES.get(m[1], "7"), regex)
    return path.lstrip("^").rstrip("$").replace("/?", "").replace("\\.", ".")


def test_every_route_resolves_and_reverses_as_through_drfs_flat_router():
    routes = [url for url in _flat_routes() if str(url.pattern).startswith("^")]
    assert len(routes) > 300
    for url in routes:
        path = _sample_path(str(url.pattern))
        first, found = next((u, u.pattern.regex.search(path)) for u in routes if u.pattern.regex.search(path))
        match = resolve(f"/api/v1/{path}")
        assert (match.url_name, match.func.cls, match.kwargs) == (first.name, first.callback.cls, found.groupdict())
        assert reverse(f"api:{url.name}", kwargs=url.pattern.regex.search(path).groupdict()) == f"/api/v1/{path}"


def test_the_routes_of_each_viewset_sit_under_its_prefix():
    api = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "api")
    grouped = [p for p in api.url_patterns if isinstance(p, URLResolver) and not p.namespace]
    routers = [p for p in grouped if any(isinstance(q, URLResolver) for q in p.url_patterns)]
    assert routers and len(routers[0].url_patterns) < 2 * len(router.registry) + 2  # the prefixes and the API root
    assert isinstance(router, Router)


@pytest.mark.parametrize("path", ["/api/v1/notificationsx/", "/api/v1/activities/12/nothing/", "/api/v1/x/"])
def test_a_path_of_no_route_is_not_found(path):
    from django.urls import Resolver404

    with pytest.raises(Resolver404):
        resolve(path)

"""The API's router: DRF's ``DefaultRouter`` with each viewset's routes grouped under its prefix."""

from django.urls import URLPattern, include, re_path
from django.urls.resolvers import RegexPattern
from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    """DRF's router with each viewset's routes grouped under its prefix.

    Django tries a URL's patterns one by one: the flat list of the API's 374 routes (each with its ``.json``
    twin) cost the lists registered last 375 failed regular expressions per request (``/api/v1/notifications/``
    2.9 ms to resolve at load 12, ``/health/`` 0.07 ms). Grouped, a request is matched against the prefixes,
    then against its own viewset's few routes. The routes, their order, names and reversed paths are DRF's
    (``tests/core/test_api_router.py`` resolves every route through both)."""

    def get_urls(self):
        return grouped_by_prefix(super().get_urls(), [prefix for prefix, _viewset, _basename in self.registry])


def grouped_by_prefix(urls: list, prefixes: list[str]) -> list:
    """``urls`` (a router's patterns) with each run of regex routes of one of ``prefixes`` moved into two includes,
    the routes after the prefix and a slash and those after it and a dot (the ``.json`` twins of list routes);
    anything else (the API root) left as it is, in place. A path matches routes of at most one of a prefix's two
    includes, and the runs keep their order: the first route to match is the one the flat list gave."""
    heads = sorted(((p, sep) for p in prefixes for sep in ("/", "\\.")), key=lambda h: len(h[0]), reverse=True)

    def head_of(url) -> tuple[str, str] | None:
        regex = str(url.pattern) if isinstance(url, URLPattern) and isinstance(url.pattern, RegexPattern) else ""
        return next((h for h in heads if regex[1:].startswith(h[0] + h[1])), None)

    out: list = []
    run: dict[str, list] = {}
    run_prefix = None
    for url in [*urls, None]:
        head = head_of(url) if url is not None else None
        if run and (head is None or head[0] != run_prefix):
            out += [re_path(f"^{run_prefix}{sep}", include(routes)) for sep, routes in run.items()]
            run = {}
        if head is None:
            if url is not None:
                out.append(url)
            continue
        run_prefix, sep = head
        rest = str(url.pattern)[1 + len(run_prefix) + len(sep) :]
        run.setdefault(sep, []).append(re_path(f"^{rest}", url.callback, kwargs=url.default_args, name=url.name))
    return out

"""API parity (#15): every public service function — every write the pages, admin or worker can make — is either
the service behind an API operation (``core.api.exposes`` on the view method) or marked
``core.services.not_an_api_action("why")``. A new service without either fails here, as a new URL without a rule
fails the permission matrix."""

import importlib
import inspect
import pkgutil

import pytest
from django.urls import get_resolver

from core.api import EXPOSED
from tests.conftest import project_modules

SERVICE_PACKAGES = project_modules("services")


def _modules():
    for name in SERVICE_PACKAGES:
        module = importlib.import_module(name)
        yield module
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            yield importlib.import_module(f"{name}.{info.name}")


def _service_functions():
    for module in _modules():
        for name, func in vars(module).items():
            if inspect.isfunction(func) and not name.startswith("_") and func.__module__ == module.__name__:
                yield f"{module.__name__}.{func.__qualname__}", func


SERVICES = sorted(_service_functions(), key=lambda pair: pair[0])


def _routed_view_classes() -> set[str]:
    get_resolver()  # imports every api module, filling EXPOSED
    from cppcc_portal.api_urls import router, urlpatterns

    views = [viewset for _prefix, viewset, _basename in router.registry]
    views += [getattr(p.callback, "cls", p.callback) for p in urlpatterns if getattr(p, "callback", None)]
    # a door written once in a mixin (the organisation's writes) is routed through every view that has it
    return {klass.__name__ for view in views for klass in getattr(view, "__mro__", [view])}


@pytest.mark.parametrize("name,func", SERVICES, ids=[name for name, _ in SERVICES])
def test_every_service_has_an_api_operation_or_a_reason_why_not(name, func):
    routed = _routed_view_classes()
    doors = EXPOSED.get(name, [])
    reason = getattr(func, "not_an_api_action", "")
    assert doors or reason, (
        f"{name} changes data but no API operation calls it (core.api.exposes) and it is not "
        "marked core.services.not_an_api_action('why')"
    )
    assert not (doors and reason), f"{name} is exposed by {doors} and also marked as not an API action"
    for door in doors:
        assert door.split(".")[0] in routed, f"{name} is exposed by {door}, whose view is not routed in /api/v1/"


def test_the_parity_list_covers_the_services_of_every_app():
    assert len(SERVICES) > 100
    apps = {name.split(".")[0] for name, _ in SERVICES}
    assert apps == {package.split(".")[0] for package in SERVICE_PACKAGES} and "activities" in apps

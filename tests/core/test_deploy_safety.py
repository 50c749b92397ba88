"""Settings and routes that must be safe however the portal is started (issue 14)."""

import importlib
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import clear_url_caches

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def _settings_in_a_fresh_process(code: str, **env) -> str:
    """Run ``code`` after loading ``cppcc_portal.settings`` from ``env`` alone, as a server would."""
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cppcc_portal.settings'; django.setup()\n" + code
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_unless_the_environment_asks_for_it():
    assert (
        _settings_in_a_fresh_process("from django.conf import settings; print(settings.DEBUG)", SECRET_KEY="x" * 50)
        == "False"
    )


@pytest.fixture
def urls_built_with_debug_on(settings, tmp_path):
    """cppcc_portal.urls as `make run` builds it: the module reads DEBUG (and MEDIA_ROOT) when imported."""
    import cppcc_portal.urls

    settings.MEDIA_ROOT = str(tmp_path)
    settings.DEBUG = True
    importlib.reload(cppcc_portal.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(cppcc_portal.urls)
    clear_url_caches()


def test_uploads_are_not_served_from_media_even_with_debug_on(
    urls_built_with_debug_on, tmp_path, client, client_for, world
):
    name = default_storage.save("proposals/replies/2026/signed.pdf", ContentFile(b"%PDF-1.4 private"))
    assert (tmp_path / name).exists()
    assert client.get(f"/media/{name}").status_code == 404
    assert client_for(world.member).get(f"/media/{name}").status_code == 404


def test_health_is_not_redirected_to_https_with_production_settings():
    """A load balancer probes over plain HTTP; a 301 to https:// would mark every host as down."""
    code = (
        "from django.http import HttpResponse; from django.test import RequestFactory\n"
        "from django.middleware.security import SecurityMiddleware\n"
        "mw = SecurityMiddleware(lambda r: HttpResponse('ok'))\n"
        "print(*[mw(RequestFactory().get(p)).status_code for p in ('/health/', '/accounts/login/')])"
    )
    statuses = _settings_in_a_fresh_process(code, DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="testserver")
    assert statuses == "200 301"


def test_nginx_accepts_the_largest_request_the_portal_accepts_and_no_more(settings):
    """nginx said 12 MB while signed replies may be 20 MB: the upload failed with nginx's 413 page."""
    import math
    import re

    from core.uploads import KINDS

    largest_upload = max(getattr(settings, kind.max_bytes_setting) for kind in KINDS.values())

    conf = (ROOT / "deploy" / "nginx" / "cppcc-portal.conf").read_text()
    limits = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", conf, flags=re.MULTILINE)
    assert len(limits) == 1
    assert largest_upload + settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.REQUEST_MAX_BYTES
    assert int(limits[0]) == math.ceil(settings.REQUEST_MAX_BYTES / (1024 * 1024))

"""The client's address behind the documented nginx and without it: lockouts and audit rows use the real one."""

import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from core.models import AuditEvent
from core.net import client_ip
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PROXY = "10.0.0.10"  # the nginx host of docs/deploy.md


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.TRUSTED_PROXY_COUNT = 1


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def _try(client, username, password, remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=remote, **extra)


def test_a_direct_client_is_its_own_address_and_its_forwarded_header_is_ignored(behind_nginx):
    assert client_ip(_request("198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_without_trusted_proxies_the_forwarded_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request(PROXY, "203.0.113.1")) == PROXY


def test_behind_nginx_the_address_nginx_appended_is_the_client_and_what_the_client_sent_is_not(behind_nginx):
    assert client_ip(_request(PROXY, "203.0.113.5")) == "203.0.113.5"
    # the client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw
    assert client_ip(_request(PROXY, "1.2.3.4, 203.0.113.5")) == "203.0.113.5"


def test_with_a_load_balancer_before_nginx_the_entry_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = [PROXY, "10.0.0.2"], 2
    assert client_ip(_request(PROXY, "1.2.3.4, 203.0.113.5, 10.0.0.2")) == "203.0.113.5"


def test_with_a_load_balancer_a_client_that_reaches_nginx_directly_is_nginxs_entry(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = [PROXY, "10.0.0.2"], 2
    assert client_ip(_request(PROXY, "10.0.0.2, 203.0.113.5")) == "203.0.113.5"


def test_a_proxy_entry_is_never_read_past_the_proxy_count(behind_nginx):
    assert client_ip(_request(PROXY, "203.0.113.5, 10.0.0.10")) == PROXY


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_or_garbled_forwarded_header_falls_back_to_the_proxy(behind_nginx, forwarded):
    assert client_ip(_request(PROXY, forwarded)) == PROXY


def test_trusted_proxies_may_be_networks(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    assert client_ip(_request("10.0.0.77", "203.0.113.5")) == "203.0.113.5"
    assert client_ip(_request("fd00::1", "2001:db8::5")) == "2001:db8::5"
    assert client_ip(_request("10.0.1.1", "203.0.113.5")) == "10.0.1.1"


def test_behind_nginx_failures_from_one_client_do_not_lock_the_user_out_from_another(client, settings, behind_nginx):
    f.UserFactory(username="staff-li", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "staff-li", "wrong-password", PROXY, "203.0.113.66")
    assert _try(client, "staff-li", "demo-pass-2026", PROXY, "203.0.113.66").status_code == 429
    assert _try(client, "staff-li", "demo-pass-2026", PROXY, "198.51.100.7").status_code == 302


def test_behind_nginx_a_client_cannot_escape_its_lockout_by_sending_its_own_forwarded_header(
    client, settings, behind_nginx
):
    f.UserFactory(username="li")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "li", "wrong-password", PROXY, f"192.0.2.{n}, 203.0.113.66")
    assert _try(client, "li", "demo-pass-2026", PROXY, "198.51.100.1, 203.0.113.66").status_code == 429


def test_a_direct_client_cannot_escape_its_lockout_with_a_spoofed_forwarded_header(client, settings, behind_nginx):
    f.UserFactory(username="li")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "li", "wrong-password", "203.0.113.66", f"192.0.2.{n}")
    assert _try(client, "li", "demo-pass-2026", "203.0.113.66", "198.51.100.1").status_code == 429


def test_the_audit_trail_records_the_client_behind_nginx_not_the_proxy(client, behind_nginx):
    user = f.UserFactory(username="wang")
    _try(client, "wang", "wrong-password", PROXY, "203.0.113.5")
    _try(client, "wang", "demo-pass-2026", PROXY, "203.0.113.5")
    rows = AuditEvent.objects.filter(object_id=str(user.pk), verb__in=["login_failed", "logged_in"])
    assert sorted(r.data["ip"] for r in rows) == ["203.0.113.5", "203.0.113.5"]


def test_the_audit_trail_records_a_direct_clients_own_address_whatever_it_forwards(client, behind_nginx):
    user = f.UserFactory(username="wang")
    _try(client, "wang", "demo-pass-2026", "198.51.100.7", "203.0.113.5")
    assert AuditEvent.objects.get(object_id=str(user.pk), verb="logged_in").data["ip"] == "198.51.100.7"


def test_the_lockout_records_the_clients_address(client, settings, behind_nginx):
    from axes.models import AccessAttempt

    f.UserFactory(username="li")
    _try(client, "li", "wrong-password", PROXY, "203.0.113.5")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


@pytest.mark.parametrize("env", [{"TRUSTED_PROXIES": "nginx.internal"}, {"TRUSTED_PROXY_COUNT": "0"}])
def test_bad_trusted_proxy_settings_fail_loudly(env):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "cppcc_portal.settings"},
    )
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr

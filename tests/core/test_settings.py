import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT


def test_chinese_and_shanghai_are_the_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def _check_with_env(**env):
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = _check_with_env(**env, DEBUG="false", ALLOWED_HOSTS="portal.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("path", ["/health/"])
def test_health_endpoint_answers(client, db, path):
    assert client.get(path).json() == {"status": "ok"}


def test_production_settings_pass_check_deploy_without_warnings():
    import os
    import secrets

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.gov.cn",
        PORTAL_BASE_URL="https://portal.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000", "https://localhost", "http://portal.example.gov.cn"])
def test_check_deploy_warns_while_links_would_point_at_a_local_or_plain_http_address(base):
    import os
    import secrets

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="portal.example.gov.cn", PORTAL_BASE_URL=base
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "portal.W001" in result.stderr + result.stdout


@pytest.mark.parametrize("base", ["portal.example.gov.cn", "ftp://portal.example.gov.cn", "https://x.gov.cn/portal"])
def test_a_portal_base_url_that_is_not_a_scheme_and_host_stops_the_start(base):
    import os

    env = {**os.environ, "DEBUG": "true", "PORTAL_BASE_URL": base}
    result = _check_with_env(**env)
    assert result.returncode != 0 and "PORTAL_BASE_URL" in result.stderr


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in policy

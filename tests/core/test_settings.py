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

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = _check_with_env(**env, DEBUG="false", ALLOWED_HOSTS="portal.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("path", ["/health/"])
def test_health_endpoint_answers(client, db, path):
    assert client.get(path).json() == {"status": "ok"}

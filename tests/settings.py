"""The settings the tests run with: the project's, with DEBUG on at import, as in development.

DEBUG is off by default (production must never get it by accident); the tests ask for it here, before
the settings module reads the environment. Subprocesses the tests start (a Celery worker, manage.py)
inherit it. pytest-django still runs each test with ``settings.DEBUG = False``.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DEBUG", "true")


def _own_database(url: str, db: str) -> str:
    """``url`` pointed at Redis database ``db``: the tests' broker, results and cache never share the database of
    a running ``make run`` (db 0 by default), so nothing a test does can drop the portal's queued tasks."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Set in the environment, before the settings read it, so the Celery workers and servers the tests start
# inherit the same database.
TEST_REDIS_DB = os.environ.get("TEST_REDIS_DB", "15")
for _name in ("REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    if os.environ.get(_name, "").startswith(("redis://", "rediss://")):
        os.environ[_name] = _own_database(os.environ[_name], TEST_REDIS_DB)

from cppcc_portal.settings import *  # noqa: E402,F403

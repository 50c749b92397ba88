"""The settings the tests run with: the project's, with DEBUG on at import, as in development.

DEBUG is off by default (production must never get it by accident); the tests ask for it here, before
the settings module reads the environment. Subprocesses the tests start (a Celery worker, manage.py)
inherit it. pytest-django still runs each test with ``settings.DEBUG = False``.
"""
import os

os.environ.setdefault("DEBUG", "true")

from cppcc_portal.settings import *  # noqa: E402,F403

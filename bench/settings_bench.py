"""Production-like settings for a loopback benchmark: DEBUG off, plain HTTP, static files unhashed."""

from cppcc_portal.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

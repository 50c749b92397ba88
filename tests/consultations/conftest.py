import uuid

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """A fresh in-process cache per test: cached public pages never leak between tests, and nothing here
    flushes a shared Redis (where the Celery broker may live)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"consultations-{uuid.uuid4()}",
        }
    }

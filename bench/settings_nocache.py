"""The benchmark settings with a cache that stores nothing: the public page is rebuilt on every request."""

from bench.settings_bench import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

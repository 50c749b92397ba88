"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Django's ``RedisCache`` raises ``redis.ConnectionError`` into the request when Redis is down, so every
page that touches the cache answers 500. Nothing we cache is the only copy of anything (rendered public
pages, version counters), so while Redis is away reads miss, writes are dropped, a warning is logged once,
and the pages are computed from the database. After a failure the cache stays bypassed for
``RETRY_SECONDS`` (option ``RETRY_SECONDS``, default 5), so a dead or slow Redis costs one timeout per
process every few seconds rather than one per call.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

_lock = threading.Lock()
_down_until: dict[str, float] = {}  # location -> monotonic time until which Redis is not tried


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._location = ",".join(self._servers)
        import redis

        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    # --- the breaker ------------------------------------------------------------------------------

    def _available(self) -> bool:
        return time.monotonic() >= _down_until.get(self._location, 0.0)

    def _failed(self, exc: Exception, operation: str) -> None:
        with _lock:
            was_up = _down_until.get(self._location, 0.0) == 0.0
            _down_until[self._location] = time.monotonic() + self.retry_seconds
        if was_up:
            log.warning(
                "cache unavailable (%s failed: %s); serving without cache, retrying every %ss",
                operation,
                exc,
                self.retry_seconds,
            )

    def _succeeded(self) -> None:
        if _down_until.get(self._location):
            with _lock:
                if _down_until.pop(self._location, None):
                    log.warning("cache available again")

    def _try(self, operation: str, call, fallback):
        if not self._available():
            return fallback()
        try:
            result = call()
        except self._errors as exc:
            self._failed(exc, operation)
            return fallback()
        self._succeeded()
        return result

    # --- the cache API ----------------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), lambda: False
        )

    def get(self, key, default=None, version=None):
        return self._try("get", lambda: super(ResilientRedisCache, self).get(key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), lambda: None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), lambda: False)

    def delete(self, key, version=None):
        return self._try("delete", lambda: super(ResilientRedisCache, self).delete(key, version), lambda: False)

    def get_many(self, keys, version=None):
        return self._try("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key, version=None):
        return self._try("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():  # as for a key that is not there: callers fall back to set(), itself a no-op now
            raise ValueError(f"Key '{key}' not found (cache unavailable)")

        return self._try("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(
            "set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), lambda: list(data)
        )

    def delete_many(self, keys, version=None):
        return self._try(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), lambda: None
        )

    def clear(self):
        return self._try("clear", lambda: super(ResilientRedisCache, self).clear(), lambda: False)

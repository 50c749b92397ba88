"""ResilientRedisCache: an unreachable Redis means "no cache" (logged once), never an exception in a request."""

import logging
import time

import pytest

from core import cache as resilient
from tests.conftest import free_port


@pytest.fixture
def dead_redis(monkeypatch):
    """A cache whose Redis address has nothing listening (a free port, closed again)."""
    port = free_port()
    monkeypatch.setattr(resilient, "_down_until", {})
    return resilient.ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_SECONDS": 0.3}},
    )


def test_reads_miss_and_writes_are_dropped_while_redis_is_unreachable(dead_redis, caplog):
    caplog.set_level(logging.WARNING, logger="core.cache")  # whatever level an earlier test left the root at
    assert dead_redis.get("k", "fallback") == "fallback"
    assert dead_redis.set("k", 1) is None
    assert dead_redis.add("k", 1) is False
    assert dead_redis.get_or_set("k", lambda: "computed") == "computed"
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.delete("k") is False
    with pytest.raises(ValueError):  # as for a missing key: callers fall back to set()
        dead_redis.incr("k")
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert len(warnings) == 1 and "cache unavailable" in warnings[0].getMessage()


def test_after_a_failure_redis_is_left_alone_for_a_while_then_tried_again(dead_redis, monkeypatch):
    calls = []
    real = dead_redis._cache.get

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dead_redis._cache, "get", counting)
    dead_redis.get("k")
    dead_redis.get("k")
    dead_redis.get("k")
    assert len(calls) == 1  # the breaker is open: no connection attempt per call
    time.sleep(0.35)
    dead_redis.get("k")
    assert len(calls) == 2

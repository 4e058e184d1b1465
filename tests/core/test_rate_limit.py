"""The public entry's rate limit: a moving window per gemeente and client address, in
memory (one process) or in Redis (shared by every replica)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from gateway.rate_limit import RateLimiter

REDIS = os.environ.get("KANSRIJK_TEST_REDIS_URL", "async+redis://127.0.0.1:6379")


def redis_reachable() -> bool:
    host, _, port = REDIS.split("://", 1)[1].partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "async+memory://"
    if not redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS}")
    return REDIS


async def test_window_per_gemeente_and_client(storage: str) -> None:
    limiter = RateLimiter("2/minute", storage)
    gemeente, other = f"utrecht-{uuid.uuid4().hex}", f"bosch-{uuid.uuid4().hex}"
    assert [await limiter.hit(gemeente, "192.0.2.1") for _ in range(3)] == [True, True, False]
    assert 1 <= await limiter.retry_after(gemeente, "192.0.2.1") <= 60
    assert await limiter.hit(gemeente, "192.0.2.2")  # another client
    assert await limiter.hit(other, "192.0.2.1")  # another gemeente


async def test_redis_window_is_shared_by_replicas() -> None:
    if not redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS}")
    first, second = RateLimiter("2/minute", REDIS), RateLimiter("2/minute", REDIS)
    gemeente = f"utrecht-{uuid.uuid4().hex}"
    assert await first.hit(gemeente, "192.0.2.1") and await second.hit(gemeente, "192.0.2.1")
    assert not await first.hit(gemeente, "192.0.2.1")

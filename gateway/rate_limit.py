"""Rate limiting (the `limits` library): a moving window per tenant and client address,
kept in memory (one process) or in Redis (shared by every replica)."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence
from typing import Any

import limits
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


class RateLimiter:
    """A moving-window limit of `rate` (limits syntax, e.g. "60/minute") per key, counted
    under its own `namespace` (the public API, logins, ...)."""

    def __init__(self, rate: str, storage_uri: str, namespace: str = "public") -> None:
        self.item = limits.parse(rate)
        self.namespace = namespace
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def hit(self, tenant: str, client: str) -> bool:
        """Count a request; False when the client is over the limit."""
        return await self.limiter.hit(self.item, self.namespace, tenant, client)

    async def retry_after(self, tenant: str, client: str) -> int:
        stats = await self.limiter.get_window_stats(self.item, self.namespace, tenant, client)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def refusal(self, scope: str, request: Any, trusted_proxies: Sequence[str]) -> int | None:
        """Count the request against its client address within `scope`; when over the limit,
        the seconds to wait (for Retry-After), else None."""
        client = client_key(request.client.host if request.client else None, request.headers.get("x-forwarded-for"), trusted_proxies)
        if await self.hit(scope, client):
            return None
        return await self.retry_after(scope, client)


def client_key(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]) -> str:
    """Whom to count a request against: the peer address, or, when the peer is a trusted
    proxy (`KANSRIJK_TRUSTED_PROXIES`), the nearest address in X-Forwarded-For that is not
    one (the leftmost entries are the client's own to write, so they are never believed).
    IPv6 clients are counted per /64, the block one subscriber usually has."""
    networks = [ipaddress.ip_network(item, strict=False) for item in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in networks)

    client = peer or "unknown"
    if trusted(client) and forwarded_for:
        for hop in reversed([item.strip() for item in forwarded_for.split(",") if item.strip()]):
            client = hop
            if not trusted(hop):
                break
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)

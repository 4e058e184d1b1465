"""Requests per second of one app process, in-process through the ASGI app (no network),
on the embedded SQLite database and, when reachable, on PostgreSQL (as the app role, with
row-level security). Prints absolute numbers and ratios against `/health` measured in the
same run (these machines are noisy: compare ratios between runs, not raw numbers).

    uv run python benchmarks/throughput.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from core.testing import (
    TEST_SECRET,
    fresh_database,
    migrate_platform,
    postgres_unavailable_reason,
    settings_for_database,
    token_for,
)
from gateway.app import create_app
from gateway.logging import configure_logging
from core.platform import Platform
from gateway.demo import seed_demo

READ = "{ partners(first: 20) { edges { node { name type members { displayName } } } } wijken(first: 20) { totalCount } }"
WRITE = 'mutation($id: ID!, $phone: String) { updatePartner(input: {id: $id, phone: $phone}) { partner { phone } } }'


async def rate(client: httpx.AsyncClient, seconds: float, request: Any, concurrency: int = 8) -> tuple[float, float]:
    """(requests per second, median latency in ms) of `request` for `seconds`."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await request(client)
            assert response.status_code == 200, response.text
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), statistics.median(latencies)


async def measure(backend: str, seconds: float) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET)
        configure_logging(settings)  # the access log would cost as much as it measures
        platform = Platform.create(settings)
        try:
            await migrate_platform(platform)
            await platform.start()
            await seed_demo(platform)
            token = await token_for(platform, "utrecht", "verloskundige@utrecht.example")
            admin = await token_for(platform, "utrecht", "regisseur@utrecht.example")
            app = create_app(platform=platform)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
                partners = await client.post(
                    "/t/utrecht/graphql", json={"query": "{ partners(first: 1) { nodes { id } } }"}, headers={"Authorization": f"Bearer {token}"}
                )
                partner_id = partners.json()["data"]["partners"]["nodes"][0]["id"]
                counter = iter(range(10**9))
                return {
                    "health": await rate(client, seconds, lambda c: c.get("/health")),
                    "graphql read": await rate(
                        client, seconds, lambda c: c.post("/t/utrecht/graphql", json={"query": READ}, headers={"Authorization": f"Bearer {token}"})
                    ),
                    "graphql write": await rate(
                        client,
                        seconds,
                        lambda c: c.post(
                            "/t/utrecht/graphql",
                            json={"query": WRITE, "variables": {"id": partner_id, "phone": f"030 {next(counter):07d}"}},
                            headers={"Authorization": f"Bearer {admin}"},
                        ),
                    ),
                }
        finally:
            await platform.dispose()
            await database.drop()


async def main(seconds: float) -> None:
    backends = ["sqlite"]
    if await postgres_unavailable_reason() is None:
        backends.append("postgresql")
    for backend in backends:
        results = await measure(backend, seconds)
        baseline = results["health"][0]
        print(f"\n{backend}")
        for name, (per_second, median_ms) in results.items():
            print(f"  {name:<14} {per_second:8.0f} req/s  median {median_ms:6.1f} ms  ratio to /health {per_second / baseline:5.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to measure each request kind")
    asyncio.run(main(parser.parse_args().seconds))

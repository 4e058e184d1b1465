"""Webhooks never slow a request down, and one worker sends them fast.

Prints, per database (SQLite, and PostgreSQL when reachable), from one run (these machines
are noisy: compare the ratio, not raw numbers):

1. `moveReferral` (accepteren) through the ASGI app, one request at a time, in a gemeente
   whose referral steps five webhook subscriptions follow, against the same mutation in a
   gemeente with none; interleaved (one of each in turn, the order alternating per round),
   the median latency of each and the ratio none / five (target >= 0.9: delivery is never
   on the request path, a request only writes the delivery rows, in one statement).
2. The delivery throughput of one worker (`Platform.deliver_webhooks`, the job engine's
   round) sending those deliveries, signed, to a receiver on a loopback port (in a process
   of its own, as a real receiver would be): deliveries per second.

    uv run python benchmarks/webhooks.py [--rounds 10] [--per-round 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concurrency import MOVE, Gemeente, prepare  # noqa: E402  (benchmarks/concurrency.py)
from core.platform import Platform  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, migrate_platform, postgres_unavailable_reason, settings_for_database  # noqa: E402
from core.webhooks import service  # noqa: E402
from core.webhooks.models import WebhookDelivery  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from tests.core.test_webhooks import REFERRAL_STEPS, Receiver  # noqa: E402

SUBSCRIBERS = 5


def serve(port: Any, received: Any) -> None:
    """The receiver, in a process of its own: answers 204 and counts what it got."""
    receiver = Receiver()

    class Counting(list):  # type: ignore[type-arg]
        def append(self, item: Any) -> None:
            with received.get_lock():
                received.value += 1

    receiver.received = Counting()
    receiver.start()
    port.value = int(receiver.url.split(":")[2].split("/")[0])
    threading.Event().wait()


def start_receiver() -> tuple[multiprocessing.Process, str, Any]:
    context = multiprocessing.get_context("spawn")
    port, received = context.Value("i", 0), context.Value("i", 0)
    process = context.Process(target=serve, args=(port, received), daemon=True)
    process.start()
    while not port.value:
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port.value}/hooks/kansrijk", received


async def move(client: httpx.AsyncClient, gemeente: Gemeente) -> float:
    """One moveReferral; its latency in ms."""
    referral = gemeente.stock.pop()
    started = time.perf_counter()
    response = await gemeente.post(client, "schuldhulp", MOVE, {"i": {"id": referral, "transition": "ACCEPTEREN"}})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return elapsed


async def pending(platform: Platform, slug: str) -> int:
    async with platform.work_as_system(slug, "benchmark") as work:
        return (await work.session.execute(select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status != "delivered"))).scalar_one()


async def measure(backend: str, rounds: int, per_round: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        # Debug (http to the loopback receiver) and loopback targets allowed: the receiver is local.
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET, webhook_allow_private_targets=True)
        configure_logging(settings)
        platform = Platform.create(settings)
        receiver, url, received = start_receiver()
        try:
            await migrate_platform(platform)
            await platform.start()
            app = create_app(platform=platform)
            warmup = 5
            stock = rounds * per_round + warmup
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=60) as client:
                five = await prepare(platform, client, "utrecht", "GM0344", stock)
                none = await prepare(platform, client, "s-hertogenbosch", "GM0796", stock)
                async with platform.work_as_system("utrecht", "benchmark") as work:
                    for number in range(SUBSCRIBERS):
                        await service.create_subscription(work, url=url, event_types=[REFERRAL_STEPS], description=f"Systeem {number}")
                    await work.commit()
                for gemeente in (five, none):
                    for _ in range(warmup):
                        await move(client, gemeente)
                latencies: dict[str, list[float]] = {"five": [], "none": []}
                rounds_ratio = []
                for number in range(rounds):
                    order = [("five", five), ("none", none)]
                    if number % 2:
                        order.reverse()
                    this_round: dict[str, list[float]] = {"five": [], "none": []}
                    for _ in range(per_round):
                        for name, gemeente in order:
                            this_round[name].append(await move(client, gemeente))
                    rounds_ratio.append(statistics.median(this_round["none"]) / statistics.median(this_round["five"]))
                    for name in latencies:
                        latencies[name] += this_round[name]
                with_five, without = statistics.median(latencies["five"]), statistics.median(latencies["none"])
                print(f"{backend}: moveReferral, {rounds} interleaved rounds of {per_round} per gemeente")
                print(f"  no subscribers:   median {without:.1f} ms")
                print(f"  five subscribers: median {with_five:.1f} ms")
                print(
                    f"  ratio none / five: {without / with_five:.2f}  (rounds: {', '.join(f'{ratio:.2f}' for ratio in rounds_ratio)}; target >= 0.9)"
                )

            waiting = await pending(platform, "utrecht")
            started = time.perf_counter()
            attempts = 0
            while await pending(platform, "utrecht"):
                attempts += await platform.deliver_webhooks()
            elapsed = time.perf_counter() - started
            assert received.value == waiting == attempts, (received.value, waiting, attempts)
            print(
                f"  one worker: {waiting} deliveries to a loopback receiver in {elapsed:.2f} s = {waiting / elapsed:.0f} deliveries/s "
                f"(concurrency {settings.webhook_concurrency}, signed, one processing-log record each)\n"
            )
        finally:
            receiver.terminate()
            await platform.dispose()
            await database.drop()


async def main(rounds: int, per_round: int) -> None:
    await measure("sqlite", rounds, per_round)
    reason = await postgres_unavailable_reason()
    if reason is None:
        await measure("postgresql", rounds, per_round)
    else:
        print(f"postgresql: skipped ({reason})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--per-round", type=int, default=10, help="mutations per gemeente and round")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.per_round))

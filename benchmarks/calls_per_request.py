"""Python function calls per request, for the platform and its baseline: a measure that does
not move with the machine's speed (the suite's ratios do, by up to a tenth between runs), to
compare two versions of the code by, before the suite judges them.

    uv run python benchmarks/calls_per_request.py families [--backend sqlite] [--requests 50] [--stats FILE]

Builds the database as benchmarks/run.py does (the demo, and for `families` its 40 families),
then calls each ASGI app in this process (no sockets, no HTTP client: only the app's own
calls are counted) with the case's request: a few times to warm it, then `--requests` times
under cProfile. Prints the calls per request of each side and whether both answered the same.
`--stats FILE` keeps the platform's profile (`python -m pstats FILE`). cProfile counts each
resumption of a coroutine as a call, so compare counts of this script only."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import CASES, FAMILIES_COUNT, LISTS_TENANT, seed_families, settings_env  # noqa: E402
from core.platform import Platform  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, migrate_platform, settings_for_database, token_for  # noqa: E402
from gateway.demo import seed_demo  # noqa: E402


async def call(app: Any, path: str, body: dict[str, Any], token: str) -> tuple[int, bytes]:
    """One POST to the ASGI app, as a server would make it; (status, body)."""
    payload = json.dumps(body).encode()
    headers = [
        (b"host", b"bench"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        return {}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages[0]["status"], b"".join(message.get("body", b"") for message in messages[1:])


async def started(app: Any) -> tuple[asyncio.Queue[dict[str, Any]], asyncio.Task[Any]]:
    """The app's lifespan started; the queue stops it."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    ready = asyncio.Event()
    await queue.put({"type": "lifespan.startup"})

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup"):
            ready.set()

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, send))
    await ready.wait()
    return queue, task


async def measure(case_name: str, backend: str, requests: int, stats: Path | None) -> None:
    case = next(case for case in CASES if case.name == case_name)
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="WARNING", secret_key=TEST_SECRET)
        platform = Platform.create(settings)
        await migrate_platform(platform)
        await platform.start()
        await seed_demo(platform)
        if case.name == "families":
            await seed_families(platform, LISTS_TENANT, FAMILIES_COUNT)
        token = await token_for(platform, case.tenant, case.login)
        await platform.dispose()
        os.environ.update(settings_env(settings) | {"KANSRIJK_LOG_JSON": "false"})
        from benchmarks.baseline.app import create_app
        from gateway.asgi import app_factory

        answers = {}
        sides = (
            ("platform", app_factory(), f"/t/{case.tenant}/graphql", {"query": case.query}),
            ("baseline", create_app(), f"/t/{case.tenant}/{case.baseline_path}", {}),
        )
        for side, app, path, body in sides:
            queue, lifespan = await started(app)
            for _ in range(5):
                status, answer = await call(app, path, body, token)
                if status != 200:
                    raise RuntimeError(f"{side}: {status} {answer[:300]!r}")
            answers[side] = json.loads(answer)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                await call(app, path, body, token)
            profile.disable()
            counted = pstats.Stats(profile)
            print(f"{backend} {case.name} {side}: {counted.total_calls / requests:,.0f} calls per request")  # type: ignore[attr-defined]
            if stats is not None and side == "platform":
                counted.dump_stats(stats)
            await queue.put({"type": "lifespan.shutdown"})
            await lifespan
        if case.same_answer:
            print("the same answer:", answers["platform"] == answers["baseline"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=[case.name for case in CASES])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--stats", type=Path)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.case, arguments.backend, arguments.requests, arguments.stats))


if __name__ == "__main__":
    main()

"""Where a request's time goes, from py-spy's collapsed stacks (`benchmarks/run.py --profile
DIR`): the share of samples in which each function is on the stack (inclusive) and at the
top (self), for the functions of the platform and the libraries it calls; or, with
`--layers`, the platform's and the baseline's time by layer side by side.

    uv run python benchmarks/profile_summary.py DIR/sqlite-trivial.txt [--top 40] [--match core/]
    uv run python benchmarks/profile_summary.py --layers DIR/postgresql-partners.txt

`--layers` counts each sample once, for the innermost frame that belongs to a known layer
(the code that was running, not its callers), in the platform's samples and in the
baseline's (`…-baseline.txt` beside it), in milliseconds of CPU per request when the run
noted the servers' CPU time (`cpu.json`), else in percent."""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

#: A layer and the frames that belong to it, first match wins (a frame reads
#: `function (path/of/file.py:line)`).
LAYERS = (
    # orjson is C: its time shows under the Python frame that calls it.
    ("JSON (answers, JSON columns)", r"json/|orjson|GraphQLAnswer[.]render"),
    ("database driver", r"asyncpg/|aiosqlite|sqlite3|core/sqlite_driver"),
    ("SQLAlchemy (ORM, Core, compiled cache)", r"sqlalchemy/"),
    ("GraphQL (strawberry, graphql-core, core/graphql)", r"[(]graphql/|[(]strawberry/|core/graphql/"),
    ("platform core (request context, tenancy, processing log)", r"[(]core/"),
    ("modules (services, types)", r"[(]plugins/"),
    ("token verification", r"joserfc|cryptography"),
    # uvloop's loop is C: its time shows under the Python frame that started it.
    ("event loop (uvloop, asyncio, contextlib)", r"asyncio/|selectors|contextlib|Runner[.]run|asyncio_run [(]uvicorn/_compat"),
    ("HTTP and middleware (uvicorn, Starlette, FastAPI, gateway)", r"[(]gateway/|fastapi/|starlette/|asgi_correlation_id|uvicorn/|httptools|h11"),
    ("the baseline's own code", r"[(]baseline/|benchmarks/baseline"),
)


def _stacks(path: Path):
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack.strip() and count_text.isdigit():
            yield stack.split(";"), int(count_text)


def summarise(path: Path, top: int, match: str) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for frames, count in _stacks(path):
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    rows = [f"{total} samples; inclusive % / self % / function"]
    for frame, count in inclusive.most_common():
        if match and match not in frame:
            continue
        rows.append(f"{100 * count / total:6.1f} {100 * own[frame] / total:6.1f}  {frame}")
        if len(rows) > top:
            break
    return "\n".join(rows)


def layer_shares(path: Path) -> dict[str, float]:
    """The share of each layer (and "other") in the samples of one process."""
    counts: Counter[str] = Counter()
    for frames, count in _stacks(path):
        for frame in reversed(frames):
            layer = next((name for name, pattern in LAYERS if re.search(pattern, frame)), None)
            if layer is not None:
                counts[layer] += count
                break
        else:
            counts["other"] += count
    total = sum(counts.values()) or 1
    return {name: counts[name] / total for name in [*(name for name, _ in LAYERS), "other"]}


def layers(platform_path: Path) -> str:
    if platform_path.name.endswith("-baseline.txt"):
        raise SystemExit("--layers takes the platform's samples (DIR/BACKEND-CASE.txt); the baseline's are read beside them")
    baseline_path = platform_path.with_name(platform_path.stem + "-baseline.txt")
    cpu_path = platform_path.with_name("cpu.json")
    cpu = json.loads(cpu_path.read_text()) if cpu_path.exists() else {}
    sides = [(platform_path, cpu.get(platform_path.name))]
    if baseline_path.exists():
        sides.append((baseline_path, cpu.get(baseline_path.name)))
    in_ms = all(ms is not None for _, ms in sides)
    shares = [layer_shares(path) for path, _ in sides]
    unit = "ms of CPU per request" if in_ms else "% of samples"
    rows = [f"| layer ({unit}) | platform |" + (" baseline |" if len(sides) > 1 else ""), "|---|---|" + ("---|" if len(sides) > 1 else "")]
    for name in shares[0]:
        cells = [f"{share[name] * ms:.2f}" if in_ms else f"{100 * share[name]:.1f}" for share, (_, ms) in zip(shares, sides, strict=True)]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    if in_ms:
        rows.append("| all | " + " | ".join(f"{ms:.2f}" for _, ms in sides) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose frame contains this text")
    parser.add_argument("--layers", action="store_true", help="the platform's and the baseline's time by layer")
    arguments = parser.parse_args()
    print(layers(arguments.path) if arguments.layers else summarise(arguments.path, arguments.top, arguments.match))

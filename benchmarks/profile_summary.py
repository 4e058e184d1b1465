"""Where a platform request's time goes, from py-spy's collapsed stacks (`benchmarks/run.py
--profile DIR`): the share of samples in which each function is on the stack (inclusive)
and at the top (self), for the functions of the platform and the libraries it calls.

    uv run python benchmarks/profile_summary.py DIR/sqlite-trivial.txt [--top 40] [--match core/]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path, top: int, match: str) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose frame contains this text")
    arguments = parser.parse_args()
    print(summarise(arguments.path, arguments.top, arguments.match))

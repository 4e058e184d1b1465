"""Importing a national-size CBS *Kerncijfers wijken en buurten* file (handvat 1).

A synthetic file in the shape of the national table (about 17 000 regions: 342 gemeenten,
about 3 300 wijken and 13 400 buurten, about 120 fields each, some cells '.'), written as
the CSV export and as the OData JSON. For each format, from one run (compare the ratios,
not raw numbers: these machines are noisy):

1. parsing the file alone (`kwb.parse_file`),
2. the whole import (`services.cbs.import_file`: parsing, with each batch of figures
   written while the next is read, then the deletion of what the file no longer has, one
   transaction), first into an empty table and then again over itself (nothing changed,
   nothing written),

and the ratio import / parse (target <= 3): medians of `--rounds` interleaved rounds (each
a parse, an import into an emptied table and one over itself), with each round's ratios.

    uv run python benchmarks/cbs_import.py [--backend sqlite|postgresql] [--rounds 3]

The numbers are synthetic (they only give the file its size and shape), never CBS figures.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.platform import Platform  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, migrate_platform, settings_for_database  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from plugins.handvat1_zicht import kwb  # noqa: E402
from plugins.handvat1_zicht.services import cbs  # noqa: E402

TABLE = "85984NED"
GEMEENTEN, WIJKEN_PER_GEMEENTE, BUURTEN_PER_WIJK = 342, 10, 4  # 342 + 3 420 + 13 680 = 17 442 regions
FIELDS = 120


def field_keys() -> list[str]:
    catalogue = [indicator.key for indicator in kwb.catalogue().indicators]
    keys = ["ID", "WijkenEnBuurten", "Gemeentenaam_1", "SoortRegio_2", "Codering_3"]
    keys += [f"{key}_{position}" for position, key in enumerate(catalogue, start=5)]
    keys += [f"OverigVeld{n}_{n + 5 + len(catalogue)}" for n in range(FIELDS - len(keys))]
    return keys


def regions() -> list[tuple[str, str]]:
    out = [("NL00", "Land")]
    for g in range(1, GEMEENTEN + 1):
        out.append((f"GM{g:04d}", "Gemeente"))
        for w in range(1, WIJKEN_PER_GEMEENTE + 1):
            out.append((f"WK{g:04d}{w:02d}", "Wijk"))
            out += [(f"BU{g:04d}{w:02d}{b:02d}", "Buurt") for b in range(1, BUURTEN_PER_WIJK + 1)]
    return out


def write_files(directory: Path) -> tuple[Path, Path]:
    rng = random.Random(13)
    keys = field_keys()
    values = keys[5:]
    rows = []
    for number, (code, kind) in enumerate(regions()):
        cells: list[Any] = [None if rng.random() < 0.08 else round(rng.random() * 1000, 1) for _ in values]
        rows.append((number, code, kind, cells))
    csv_path = directory / f"{TABLE}_UntypedDataSet.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(keys)
        for number, code, kind, cells in rows:
            writer.writerow([number, code.ljust(10), "Gemeente".ljust(40), kind.ljust(10), code.ljust(10)] + [f"{cell:>10}" if cell is not None else "         ." for cell in cells])
    json_path = directory / f"{TABLE}_TypedDataSet.json"
    typed = [
        {"ID": number, "WijkenEnBuurten": code.ljust(10), "Gemeentenaam_1": "Gemeente".ljust(40), "SoortRegio_2": kind.ljust(10), "Codering_3": code.ljust(10), **dict(zip(values, cells, strict=True))}
        for number, code, kind, cells in rows
    ]
    properties = [{"ID": n, "Key": key, "Type": "Topic", "Title": key, "Unit": "aantal", "Description": ""} for n, key in enumerate(keys)]
    json_path.write_text(json.dumps({"TableInfos": {"value": [{"Identifier": TABLE}]}, "DataProperties": {"value": properties}, "TypedDataSet": {"value": typed}}), encoding="utf-8")
    return csv_path, json_path


def timed(rounds: int, function: Callable[[], Any]) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def timed_async(function: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await function()
    return time.perf_counter() - started


async def clear_figures(platform: Platform) -> None:
    """Every imported figure removed (so the next import writes into an empty table)."""
    from sqlalchemy import delete

    from plugins.handvat1_zicht.models import CbsFigure

    async with platform.work_as_platform("benchmark") as work:
        await work.session.execute(delete(CbsFigure))
        await work.commit()


async def measure(backend: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        csv_path, json_path = write_files(Path(directory))
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET)
        configure_logging(settings)
        platform = Platform.create(settings)
        try:
            await migrate_platform(platform)
            print(f"backend {backend}: {len(regions())} regions x {FIELDS} fields; CSV {csv_path.stat().st_size / 1e6:.1f} MB, JSON {json_path.stat().st_size / 1e6:.1f} MB")
            for label, path in (("csv", csv_path), ("odata", json_path)):
                results: list[cbs.ImportResult] = []

                async def run(path: Path = path) -> None:
                    async with platform.work_as_platform("benchmark") as work:
                        results.append(await cbs.import_file(work, path))
                        await work.commit()

                # Interleaved rounds: the parse, the import into an empty table (the table's
                # figures are removed first, untimed) and the import over itself, each round.
                parses, firsts, agains = [], [], []
                for _ in range(rounds):
                    parses.append(timed(1, lambda path=path: kwb.parse_file(path)))
                    await clear_figures(platform)
                    firsts.append(await timed_async(run))
                    agains.append(await timed_async(run))
                parse, first, again = (statistics.median(samples) for samples in (parses, firsts, agains))
                spread_first, spread_again = ([round(value / base, 2) for value, base in zip(samples, parses, strict=True)] for samples in (firsts, agains))
                result = results[-1]
                print(
                    f"  {label:5}: parse {parse:6.2f} s | import {first:6.2f} s (ratio {first / parse:4.2f}; rounds {spread_first}) | "
                    f"again {again:6.2f} s (ratio {again / parse:4.2f}; rounds {spread_again}) | {result.figures} figures of {result.regions} regions"
                )
        finally:
            await platform.dispose()
            await database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.backend, arguments.rounds))


if __name__ == "__main__":
    main()

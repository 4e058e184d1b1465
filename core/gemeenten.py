"""The reference list of Dutch gemeenten (CBS gemeentecode and name).

Shipped as `core/data/gemeenten.csv`; where it comes from and the date it is valid for are
in `core/data/gemeenten.source.json`. New tenants are checked against it; an operator can
override for a code that is not (yet) in the list, e.g. after a herindeling.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
GEMEENTECODE_PATTERN = re.compile(r"^GM\d{4}$")
WIJKCODE_PATTERN = re.compile(r"^WK\d{6}$")


@dataclass(frozen=True)
class Gemeente:
    code: str
    name: str


@lru_cache(maxsize=1)
def reference_list() -> dict[str, Gemeente]:
    with (DATA_DIR / "gemeenten.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Gemeente(code=row["code"], name=row["name"]) for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def reference_source() -> dict[str, Any]:
    return json.loads((DATA_DIR / "gemeenten.source.json").read_text(encoding="utf-8"))


def lookup(code: str) -> Gemeente | None:
    return reference_list().get(code)


def wijk_belongs_to(wijkcode: str, gemeentecode: str) -> bool:
    """A CBS wijkcode is WK + the 4 digits of its gemeentecode + 2 digits."""
    return wijkcode[2:6] == gemeentecode[2:6]

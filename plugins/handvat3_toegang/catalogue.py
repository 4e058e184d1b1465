"""The national seed: regelingen and versioned parameters shipped with the module
(`data/national_catalogue.yaml`, `data/national_parameters.yaml`, sources in
`data/SOURCES.md`), read once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"

CATEGORIES = (
    "inkomen", "toeslagen", "zorgverzekering", "spullen", "voedsel", "schulden",
    "opvoeden", "kinderopvang", "kennis", "vrije_tijd", "verlof", "zorg", "wonen",
)  # fmt: skip
LEVELS = ("landelijk", "gemeente", "partner")
UNITS = ("euro", "euro_per_maand", "euro_per_jaar", "procent", "maanden")


@dataclass(frozen=True)
class ParameterVersion:
    valid_from: dt.date
    value: float
    source_url: str


@dataclass(frozen=True)
class ParameterDefinition:
    key: str
    name: str
    unit: str
    legal_basis_url: str
    overridable: bool
    versions: tuple[ParameterVersion, ...]  # oldest first
    #: When the amount is next expected to change (e.g. the bijstandsnormen on 1 January and
    #: 1 July): from then on, until a newer value is added, its value may be outdated.
    next_change: dt.date | None = None

    def possibly_outdated(self, version: ParameterVersion, day: dt.date) -> bool:
        return self.next_change is not None and version.valid_from < self.next_change <= day

    def version_on(self, day: dt.date) -> ParameterVersion | None:
        found = None
        for version in self.versions:
            if version.valid_from <= day:
                found = version
        return found


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@lru_cache(maxsize=1)
def national_parameters() -> dict[str, ParameterDefinition]:
    raw = yaml.safe_load((DATA / "national_parameters.yaml").read_text(encoding="utf-8"))
    definitions = {}
    for item in raw["parameters"]:
        if item.get("unit", "") not in UNITS:
            raise ValueError(f"parameter {item['key']}: unknown unit {item.get('unit')!r} (known: {', '.join(UNITS)})")
        versions = tuple(
            sorted(
                (ParameterVersion(_date(value["valid_from"]), float(value["value"]), value.get("source_url", "")) for value in item["values"]),
                key=lambda version: version.valid_from,
            )
        )
        definitions[item["key"]] = ParameterDefinition(
            key=item["key"],
            name=item.get("name", item["key"]),
            unit=item["unit"],
            legal_basis_url=item.get("legal_basis_url", ""),
            overridable=bool(item.get("overridable", False)),
            versions=versions,
            next_change=_date(item["next_change"]) if item.get("next_change") else None,
        )
    return definitions


@lru_cache(maxsize=1)
def first_complete_date() -> dt.date:
    """The first day on which every national parameter has a value: checks start there."""
    return max(definition.versions[0].valid_from for definition in national_parameters().values())


@lru_cache(maxsize=1)
def national_regelingen() -> list[dict[str, Any]]:
    raw = yaml.safe_load((DATA / "national_catalogue.yaml").read_text(encoding="utf-8"))
    return list(raw["regelingen"])

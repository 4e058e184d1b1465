"""Test files in the exact shape CBS publishes KWB tables (OData v3 JSON with TableInfos,
DataProperties and TypedDataSet; the semicolon CSV export with quoted, padded cells).
The numbers are SYNTHETIC test values, not CBS figures: they only exercise the format
(the real extract of the demo gemeenten is in plugins/handvat1_zicht/data, see SOURCES.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

REGION_KEYS = ["ID", "WijkenEnBuurten", "Gemeentenaam_1", "SoortRegio_2", "Codering_3"]

#: The field keys of the tables, with their yearly suffix (2023 and 2024 differ).
KEYS = {
    "85618NED": {
        "AantalInwoners": "AantalInwoners_5",
        "GeboorteTotaal": "GeboorteTotaal_24",
        "GeboorteRelatief": "GeboorteRelatief_25",
        "HuishoudensMetKinderen": "HuishoudensMetKinderen_31",
        "HuishOnderOfRondSociaalMinimum": "HuishOnderOfRondSociaalMinimum_85",
        "Mannen": "Mannen_6",
    },
    "85984NED": {
        "AantalInwoners": "AantalInwoners_5",
        "GeboorteTotaal": "GeboorteTotaal_25",
        "GeboorteRelatief": "GeboorteRelatief_26",
        "HuishoudensMetKinderen": "HuishoudensMetKinderen_32",
        "HuishOnderOfRondSociaalMinimum": "HuishOnderOfRondSociaalMinimum_86",
        "Mannen": "Mannen_6",
    },
    "86165NED": {
        "AantalInwoners": "AantalInwoners_5",
        "HuishoudensMetKinderen": "HuishoudensMetKinderen_33",
        "HuishOnderOfRondSociaalMinimum": "HuishOnderOfRondSociaalMinimum_88",
    },
}

GEMEENTEN = {"GM0344": "Utrecht", "GM0796": "'s-Hertogenbosch"}


def regions(wijken: int = 3) -> list[tuple[str, str, str]]:
    """(code, soort, gemeente) for both demo gemeenten, `wijken` wijken each, a buurt each, and the country."""
    out = [("NL00", "Land", "Nederland")]
    for gm, name in GEMEENTEN.items():
        out.append((gm, "Gemeente", name))
        for index in range(1, wijken + 1):
            out.append((f"WK{gm[2:]}{index:02d}", "Wijk", name))
        out.append((f"BU{gm[2:]}0100", "Buurt", name))
    return out


def value(table: str, code: str, base: str) -> Any:
    """A synthetic value; '.' (suppressed) for births in the first wijk, 0 for a real zero."""
    if base == "GeboorteTotaal" and code.endswith("01") and code.startswith("WK"):
        return "."
    if base == "GeboorteRelatief" and code.endswith("02") and code.startswith("WK"):
        return 0
    digits = sum(ord(char) for char in code + table + base) % 500
    return round(digits / 10, 1) if base.startswith(("GeboorteRelatief", "Huish")) else digits * 10


def odata(table: str, *, wijken: int = 3, identifier: str | None = None) -> str:
    keys = KEYS[table]
    rows = []
    for number, (code, kind, gemeente) in enumerate(regions(wijken)):
        row: dict[str, Any] = {"ID": number, "WijkenEnBuurten": code.ljust(10), "Gemeentenaam_1": gemeente.ljust(40), "SoortRegio_2": kind.ljust(10), "Codering_3": code.ljust(10)}
        for base, key in keys.items():
            raw = value(table, code, base)
            row[key] = None if raw == "." else raw
        rows.append(row)
    properties = [{"ID": n, "Key": key, "Type": "Topic", "Title": key, "Unit": "aantal", "Description": f"Omschrijving van {key}."} for n, key in enumerate(REGION_KEYS + list(keys.values()))]
    properties[1]["Type"] = "GeoDimension"
    return json.dumps(
        {
            "TableInfos": {"value": [{"Identifier": identifier or table, "Title": "Kerncijfers wijken en buurten"}]},
            "DataProperties": {"value": properties},
            "TypedDataSet": {"odata.metadata": f"https://opendata.cbs.nl/ODataApi/odata/{identifier or table}/$metadata", "value": rows},
        }
    )


def csv_text(table: str, *, wijken: int = 3) -> str:
    keys = KEYS[table]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(REGION_KEYS + list(keys.values()))
    for number, (code, kind, gemeente) in enumerate(regions(wijken)):
        cells = [value(table, code, base) for base in keys]
        writer.writerow([number, code.ljust(10), gemeente.ljust(40), kind.ljust(10), code.ljust(10)] + [f"{cell:>10}" if cell != "." else "       ." for cell in cells])
    return out.getvalue()


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path

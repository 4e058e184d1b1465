"""Reading CBS's *Kerncijfers wijken en buurten* (KWB) as CBS publishes them: the OData v3
JSON (`TypedDataSet` rows with the table's `DataProperties`) and the CSV export
(semicolon-separated, one column per field key). Pure functions, no database: the import
service (`services.cbs`) writes what `parse_file` returns, the benchmark times both.

What it knows of the format:

* Field keys carry a numeric suffix that CBS renumbers in every yearly table
  (`HuishoudensMetKinderen_32`): a field is matched to an indicator by its key without the
  suffix (`base_key`), through the catalogue in `data/indicators.yaml`.
* `.` (CBS's sign for "unknown, too unreliable or secret") and `null` in the typed JSON
  are a *suppressed* cell, an empty CSV cell an *unknown* one: never zero.
* Region codes (`WijkenEnBuurten`, e.g. `WK034401  `) are space-padded; the first two
  letters say what the region is: GM gemeente, WK wijk, BU buurt, NL the country. The
  gemeente and its wijken are kept; buurten and the country row are counted as skipped.
* A file that is not a KWB table (no `WijkenEnBuurten`), of another table than asked, or
  mangled (a row with too few fields, a value that is no number) is refused as a whole
  with a `KwbError` naming the line (CSV, JSON syntax) or record and the field.

A parse can hand its figures over in batches while it reads (`on_batch`), so the import
writes one batch while the next is read; the figures are kept in the result as well.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
CATALOGUE_FILE = DATA / "indicators.yaml"

AVAILABLE = "available"
SUPPRESSED = "suppressed"
UNKNOWN = "unknown"
STATUSES = (AVAILABLE, SUPPRESSED, UNKNOWN)

GEMEENTE = "gemeente"
WIJK = "wijk"
BUURT = "buurt"
REGION_TYPES = {"GM": GEMEENTE, "WK": WIJK, "BU": BUURT}
KEPT_REGION_TYPES = (GEMEENTE, WIJK)

ODATA = "odata"
CSV = "csv"
FORMATS = (ODATA, CSV)

REGION_KEY = "WijkenEnBuurten"
_SUFFIX = re.compile(r"^(?P<base>.+?)_\d+$")
_TABLE_ID = re.compile(r"(\d{5}[A-Z]{3})")
_REGION_CODE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")


class KwbError(ValueError):
    """A file that cannot be imported: what is wrong, and where (`line` of the file or
    record number of the JSON, `field` the field key or option)."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        where = []
        if line is not None:
            where.append(f"regel {line}")
        if field is not None:
            where.append(f"veld {field}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Indicator:
    """An indicator of the catalogue: which CBS field (key without suffix) it is."""

    code: str
    key: str
    name: str
    unit: str
    definition: str
    break_before: tuple[int, ...] = ()
    break_note: str | None = None
    first_period: int | None = None

    def series_of(self, period: int) -> int:
        """The series a period belongs to: 1, plus one for every break at or before it."""
        return 1 + sum(1 for year in self.break_before if period >= year)


@dataclass(frozen=True)
class Catalogue:
    tables: dict[str, int]
    indicators: tuple[Indicator, ...]
    region_fields: frozenset[str]

    @property
    def by_key(self) -> dict[str, Indicator]:
        return {indicator.key: indicator for indicator in self.indicators}

    @property
    def by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in self.indicators}


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    indicators = tuple(
        Indicator(
            code=item["code"],
            key=item["key"],
            name=item["name"],
            unit=str(item["unit"]),
            definition=" ".join(str(item["definition"]).split()),
            break_before=tuple(int(year) for year in item.get("break_before", ())),
            break_note=" ".join(str(item["break_note"]).split()) if item.get("break_note") else None,
            first_period=item.get("first_period"),
        )
        for item in raw["indicators"]
    )
    return Catalogue(
        tables={str(key): int(value) for key, value in raw["tables"].items()},
        indicators=indicators,
        region_fields=frozenset(raw["region_fields"]),
    )


def base_key(key: str) -> str:
    """`HuishoudensMetKinderen_32` -> `HuishoudensMetKinderen` (a key without suffix stays)."""
    match = _SUFFIX.match(key)
    return match.group("base") if match else key


@dataclass
class FieldInfo:
    """A field of the table as its DataProperties describe it (or the catalogue, for CSV)."""

    indicator: str
    key: str
    title: str
    unit: str
    description: str


@dataclass
class Figure:
    region_code: str
    region_type: str
    gemeente_code: str
    indicator: str
    value: float | None
    status: str


@dataclass
class Skipped:
    """What the import left out, and why."""

    unknown_fields: list[str] = field(default_factory=list)  # keys not in the catalogue
    missing_indicators: list[str] = field(default_factory=list)  # catalogue indicators the table does not have
    regions_without_code: int = 0
    buurten: int = 0
    other_regions: int = 0  # the country row, codes that are no GM/WK/BU code
    suppressed_cells: int = 0
    unknown_cells: int = 0

    def lines(self) -> list[str]:
        out = [
            f"buurten overgeslagen (alleen gemeente en wijken worden bewaard): {self.buurten}",
            f"regio's zonder code overgeslagen: {self.regions_without_code}",
            f"andere regio's overgeslagen (Nederland, onbekende code): {self.other_regions}",
            f"geheime of onbekende cellen ('.'), bewaard als onderdrukt: {self.suppressed_cells}",
            f"lege cellen, bewaard als onbekend: {self.unknown_cells}",
            f"velden niet in de indicatorcatalogus ({len(self.unknown_fields)}): {', '.join(self.unknown_fields) or '-'}",
        ]
        if self.missing_indicators:
            out.append(f"indicatoren die deze tabel niet heeft: {', '.join(self.missing_indicators)}")
        return out


@dataclass
class ParsedTable:
    table_id: str
    period: int
    format: str
    fields: dict[str, FieldInfo]  # indicator code -> field
    figures: list[Figure]
    regions: int  # regions kept
    rows: int  # rows read
    skipped: Skipped


def table_of(path: str | Path | None) -> str | None:
    """The table id in a file name (`85984NED_TypedDataSet.json`), if any."""
    if path is None:
        return None
    match = _TABLE_ID.search(Path(path).name.upper())
    return match.group(1) if match else None


def _period_of(table_id: str) -> int:
    tables = catalogue().tables
    if table_id not in tables:
        known = ", ".join(f"{key} ({year})" for key, year in sorted(tables.items(), key=lambda item: item[1]))
        raise KwbError(f"Tabel {table_id} is geen bekende tabel Kerncijfers wijken en buurten; bekend: {known}", field="table")
    return tables[table_id]


def _resolve_table(found: str | None, asked: str | None) -> str:
    if found and asked and found != asked.upper():
        raise KwbError(f"Het bestand is van tabel {found}, niet van {asked.upper()}", field="table")
    table = (asked or found or "").upper()
    if not table:
        raise KwbError("Welke CBS-tabel is dit? Geef --table (bijvoorbeeld 85984NED)", field="table")
    return table


def _number(raw: str, line: int, key: str) -> tuple[float | None, str]:
    text = raw.strip()
    if not text:
        return None, UNKNOWN
    if text == ".":
        return None, SUPPRESSED
    try:
        value = float(text)
    except ValueError:
        value = math.nan
        if text.count(",") == 1 and "." not in text:
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                pass
    if not math.isfinite(value):  # also "nan", "inf" and 1e999: no figure of CBS
        raise KwbError("Dit is geen getal, geen '.' en geen lege cel", line=line, field=key)
    return value, AVAILABLE


def _region(code: str) -> tuple[str | None, str]:
    """(region type or None, gemeente code) of a stripped region code."""
    kind = REGION_TYPES.get(code[:2])
    if kind is None or not _REGION_CODE.match(code):
        return None, ""
    return kind, "GM" + code[2:6]


#: Called with the table id, its period and the next figures read (at least `BATCH_SIZE`
#: of them, whole regions, the rest at the end).
BatchHandler = Callable[[str, int, list[Figure]], None]
BATCH_SIZE = 5000


class _Collector:
    """Turns rows (key -> raw value) into figures and the skip report."""

    def __init__(
        self, table_id: str, fmt: str, keys: Iterable[str], properties: dict[str, dict[str, Any]], on_batch: BatchHandler | None = None
    ) -> None:
        cat = catalogue()
        by_key = cat.by_key
        self.table_id = table_id
        self.period = _period_of(table_id)
        self.format = fmt
        self.skipped = Skipped()
        self.columns: list[tuple[str, str]] = []  # (field key, indicator code)
        self.fields: dict[str, FieldInfo] = {}
        keys = list(keys)
        if REGION_KEY not in keys:
            raise KwbError(
                "Dit is geen tabel Kerncijfers wijken en buurten (een andere CBS-tabel?): het veld ontbreekt",
                line=1 if fmt == CSV else None,
                field=REGION_KEY,
            )
        for key in keys:
            base = base_key(key)
            indicator = by_key.get(base)
            if indicator is None:
                if base not in cat.region_fields and key not in cat.region_fields:
                    self.skipped.unknown_fields.append(key)
                continue
            if indicator.code in self.fields:
                # Two fields of one indicator (a table of the wrong shape): which one counts?
                raise KwbError(
                    f"De velden {self.fields[indicator.code].key} en {key} zijn allebei {indicator.code}",
                    line=1 if fmt == CSV else None,
                    field=key,
                )
            meta = properties.get(key, {})
            self.columns.append((key, indicator.code))
            self.fields[indicator.code] = FieldInfo(
                indicator=indicator.code,
                key=key,
                title=str(meta.get("Title") or indicator.name).strip(),
                unit=str(meta.get("Unit") or indicator.unit).strip(),
                description=" ".join(str(meta.get("Description") or indicator.definition).split()),
            )
        if not self.columns:
            raise KwbError("Het bestand heeft geen enkel veld van de indicatorcatalogus (een andere CBS-tabel?)", field=REGION_KEY)
        self.skipped.missing_indicators = [indicator.code for indicator in cat.indicators if indicator.code not in self.fields]
        self.figures: list[Figure] = []
        self.rows = 0
        self.lines: dict[str, int] = {}  # region code kept -> its line (or row) number
        self.on_batch = on_batch
        self.handed = 0  # figures handed to on_batch so far

    def _hand_over(self) -> None:
        if self.on_batch is not None and len(self.figures) > self.handed:
            batch = self.figures[self.handed :]
            self.handed = len(self.figures)
            self.on_batch(self.table_id, self.period, batch)

    def region(self, raw_code: Any, line: int) -> tuple[str, str, str] | None:
        self.rows += 1
        code = str(raw_code or "").strip()
        if not code:
            self.skipped.regions_without_code += 1
            return None
        kind, gemeente = _region(code)
        if kind is None:
            self.skipped.other_regions += 1
            return None
        if kind == BUURT:
            self.skipped.buurten += 1
            return None
        if len(self.figures) - self.handed >= BATCH_SIZE:
            self._hand_over()
        earlier = self.lines.setdefault(code, line)
        if earlier != line:
            raise KwbError(f"Regio {code} staat twee keer in het bestand (ook op regel {earlier})", line=line, field=REGION_KEY)
        return code, kind, gemeente

    def add(self, region: tuple[str, str, str], indicator: str, value: float | None, status: str) -> None:
        if status == SUPPRESSED:
            self.skipped.suppressed_cells += 1
        elif status == UNKNOWN:
            self.skipped.unknown_cells += 1
        self.figures.append(Figure(region[0], region[1], region[2], indicator, value, status))

    def result(self) -> ParsedTable:
        self._hand_over()
        return ParsedTable(
            table_id=self.table_id,
            period=self.period,
            format=self.format,
            fields=self.fields,
            figures=self.figures,
            regions=len(self.lines),
            rows=self.rows,
            skipped=self.skipped,
        )


def _values(container: Any, name: str) -> list[Any]:
    """An OData collection: `{"value": [...]}` as the API answers, or a bare list."""
    if isinstance(container, dict) and isinstance(container.get("value"), list):
        return container["value"]
    if isinstance(container, list):
        return container
    raise KwbError("Dit is geen OData-collectie (verwacht {\"value\": [...]})", field=name)


def parse_odata(
    text: str | bytes, *, table: str | None = None, file_table: str | None = None, on_batch: BatchHandler | None = None
) -> ParsedTable:
    """The OData v3 JSON: an object with `TypedDataSet` (and `DataProperties`, `TableInfos`
    when saved beside it), or the bare answer of `/TypedDataSet` (`odata.metadata`, `value`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KwbError(f"Geen geldige JSON: {error.msg}", line=error.lineno) from None
    if not isinstance(data, dict):
        raise KwbError("Verwacht een JSON-object met TypedDataSet", field="TypedDataSet")
    found = None
    infos = data.get("TableInfos")
    if infos is not None:
        listed = _values(infos, "TableInfos")
        if listed and isinstance(listed[0], dict) and listed[0].get("Identifier"):
            found = str(listed[0]["Identifier"]).strip().upper()
    typed = data.get("TypedDataSet")
    metadata = data.get("odata.metadata") or (typed.get("odata.metadata") if isinstance(typed, dict) else None)
    if not found and isinstance(metadata, str):
        match = _TABLE_ID.search(metadata.upper())
        found = match.group(1) if match else None
    found = found or file_table
    table_id = _resolve_table(found, table)
    if "TypedDataSet" in data:
        rows = _values(data["TypedDataSet"], "TypedDataSet")
    elif "value" in data:
        rows = _values(data, "value")
    else:
        raise KwbError("Het veld TypedDataSet ontbreekt", field="TypedDataSet")
    properties: dict[str, dict[str, Any]] = {}
    if "DataProperties" in data:
        for item in _values(data["DataProperties"], "DataProperties"):
            if isinstance(item, dict) and item.get("Key"):
                properties[str(item["Key"])] = item
    if properties:
        keys: list[str] = list(properties)
    elif rows and isinstance(rows[0], dict):
        keys = list(rows[0])
    else:
        keys = []
    collector = _Collector(table_id, ODATA, keys, properties, on_batch)
    columns = collector.columns
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise KwbError("Een rij van TypedDataSet is geen object", line=number, field="TypedDataSet")
        region = collector.region(row.get(REGION_KEY), number)
        if region is None:
            continue
        for key, indicator in columns:
            raw = row.get(key)
            if raw is None:
                value, status = None, (SUPPRESSED if key in row else UNKNOWN)
            elif isinstance(raw, bool):
                raise KwbError("Dit is geen getal", line=number, field=key)
            elif isinstance(raw, (int, float)):
                value, status = float(raw), AVAILABLE
                if not math.isfinite(value):  # NaN or Infinity in the JSON
                    raise KwbError("Dit is geen getal", line=number, field=key)
            else:
                value, status = _number(str(raw), number, key)
            collector.add(region, indicator, value, status)
    return collector.result()


def _csv_rows(text: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text), delimiter=";", quotechar='"')


def parse_csv(text: str, *, table: str | None = None, file_table: str | None = None, on_batch: BatchHandler | None = None) -> ParsedTable:
    """The CSV export: a header of field keys, semicolon-separated, values quoted and
    padded as CBS writes them; `.` for a secret or unknown cell."""
    if text.startswith("\ufeff"):
        text = text[1:]
    table_id = _resolve_table(file_table, table)
    try:
        reader = _csv_rows(text)
        header = next(reader, None)
        if not header or len(header) < 2:
            raise KwbError("Geen kopregel met veldnamen gescheiden door ';'", line=1)
        keys = [key.strip() for key in header]
        collector = _Collector(table_id, CSV, keys, {}, on_batch)
        width = len(keys)
        region_index = keys.index(REGION_KEY)
        columns = [(keys.index(key), key, indicator) for key, indicator in collector.columns]
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != width:
                raise KwbError(f"Verwacht {width} velden, gevonden {len(row)}", line=number)
            region = collector.region(row[region_index], number)
            if region is None:
                continue
            for index, key, indicator in columns:
                value, status = _number(row[index], number, key)
                collector.add(region, indicator, value, status)
    except csv.Error as error:
        raise KwbError(f"Onleesbare CSV: {error}") from None
    return collector.result()


def detect_format(path: str | Path, text: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return ODATA
    if suffix == ".csv":
        return CSV
    return ODATA if text.lstrip().startswith("{") else CSV


def read_text(path: str | Path) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # an export opened and saved in Excel


def parse_text(
    text: str, *, fmt: str, table: str | None = None, file_table: str | None = None, on_batch: BatchHandler | None = None
) -> ParsedTable:
    if fmt not in FORMATS:
        raise KwbError(f"Onbekend formaat {fmt}: kies odata of csv", field="format")
    if fmt == ODATA:
        return parse_odata(text, table=table, file_table=file_table, on_batch=on_batch)
    return parse_csv(text, table=table, file_table=file_table, on_batch=on_batch)


def parse_file(path: str | Path, *, fmt: str | None = None, table: str | None = None, on_batch: BatchHandler | None = None) -> ParsedTable:
    """Read and parse a KWB file; the format from `fmt` or the file, the table from
    `table`, the file's content (OData) or its name (`85984NED_...`)."""
    text = read_text(path)
    return parse_text(text, fmt=fmt or detect_format(path, text), table=table, file_table=table_of(path), on_batch=on_batch)

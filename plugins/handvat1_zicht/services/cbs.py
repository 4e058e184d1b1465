"""Importing a CBS *Kerncijfers wijken en buurten* table: national reference data, written
in the system context only (the operator's command runs it in a `PlatformWork`).

One import is one transaction: a file that does not parse writes nothing, and a file that
does replaces the figures of its table: they are deleted and the file's figures inserted
in batches (core's `bulk_upsert`: COPY into a staging table on PostgreSQL, then one
INSERT), which is several times faster than updating them row by row. Importing the same
file twice leaves the same figures; readers see the old table until the import commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from core.plugin import PlatformWork, ValidationFailed, bulk_upsert, dialect_insert, utcnow
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsField, CbsFigure, CbsImport

#: Rows per bulk upsert (the progress bar advances per batch).
BATCH = 10000
FIGURE_COLUMNS = ("region_code", "region_type", "gemeente_code", "indicator", "value", "status", "series")
#: A figure's key within a table (its unique constraint).
FIGURE_KEY = ("table_id", "region_code", "indicator", "period")


@dataclass
class ImportResult:
    table_id: str
    period: int
    format: str
    regions: int
    figures: int
    skipped: kwb.Skipped

    def lines(self) -> list[str]:
        return [
            f"Tabel {self.table_id} ({self.period}, {self.format}): {self.regions} regio's, {self.figures} cijfers geïmporteerd.",
            *(f"  {line}" for line in self.skipped.lines()),
        ]


def parse(path: str | Path, *, fmt: str | None = None, table: str | None = None) -> kwb.ParsedTable:
    try:
        return kwb.parse_file(path, fmt=fmt, table=table)
    except kwb.KwbError as error:
        # The file is no KWB table of the kind asked for, or it is mangled: nothing is imported.
        raise ValidationFailed(str(error), field=error.field or ("line" if error.line is not None else "file")) from None


async def import_parsed(
    work: PlatformWork, parsed: kwb.ParsedTable, *, source_name: str, progress: Callable[[int], Any] | None = None
) -> ImportResult:
    """Write a parsed table (in the caller's transaction; `run_command` commits it)."""
    session = work.session
    insert = dialect_insert(session)
    catalogue = kwb.catalogue().by_code
    import_id = uuid.uuid4()
    figures = parsed.figures
    series = {code: indicator.series_of(parsed.period) for code, indicator in catalogue.items()}
    constants = {"table_id": parsed.table_id, "period": parsed.period, "import_id": import_id}
    # Figures already there are updated in place (an import over itself changes few values:
    # an update that leaves the indexed columns as they were writes no index), new ones
    # inserted; then what this import did not write (a region or indicator the file no
    # longer has) goes.
    for start in range(0, len(figures), BATCH):
        rows = [
            (figure.region_code, figure.region_type, figure.gemeente_code, figure.indicator, figure.value, figure.status, series[figure.indicator])
            for figure in figures[start : start + BATCH]
        ]
        await bulk_upsert(session, CbsFigure, FIGURE_COLUMNS, rows, constants=constants, conflict=FIGURE_KEY)
        if progress is not None:
            progress(len(rows))
    await session.execute(delete(CbsFigure).where(CbsFigure.table_id == parsed.table_id, CbsFigure.import_id != import_id))
    await session.execute(delete(CbsField).where(CbsField.table_id == parsed.table_id))
    if parsed.fields:
        await session.execute(
            insert(CbsField).values(
                [
                    {
                        "id": uuid.uuid4(),
                        "table_id": parsed.table_id,
                        "period": parsed.period,
                        "indicator": info.indicator,
                        "cbs_key": info.key,
                        "title": info.title[:300],
                        "unit": info.unit[:60],
                        "description": info.description,
                    }
                    for info in parsed.fields.values()
                ]
            )
        )
    skipped = parsed.skipped
    session.add(
        CbsImport(
            table_id=parsed.table_id,
            period=parsed.period,
            format=parsed.format,
            source_name=source_name[:300],
            figures=len(figures),
            report={
                "regions": parsed.regions,
                "rows": parsed.rows,
                "buurten": skipped.buurten,
                "regions_without_code": skipped.regions_without_code,
                "other_regions": skipped.other_regions,
                "suppressed_cells": skipped.suppressed_cells,
                "unknown_cells": skipped.unknown_cells,
                "unknown_fields": skipped.unknown_fields,
                "missing_indicators": skipped.missing_indicators,
            },
            imported_by=work.actor,
            imported_at=utcnow(),
        )
    )
    await session.flush()
    return ImportResult(parsed.table_id, parsed.period, parsed.format, parsed.regions, len(figures), skipped)


async def import_file(
    work: PlatformWork,
    path: str | Path,
    *,
    fmt: str | None = None,
    table: str | None = None,
    progress: Callable[[int], Any] | None = None,
    on_parsed: Callable[[kwb.ParsedTable], Any] | None = None,
) -> ImportResult:
    """Parse and import one file; a refused file raises `ValidationFailed` before anything is written."""
    parsed = parse(path, fmt=fmt, table=table)
    if on_parsed is not None:
        on_parsed(parsed)
    return await import_parsed(work, parsed, source_name=Path(path).name, progress=progress)

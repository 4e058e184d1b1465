"""Importing a CBS *Kerncijfers wijken en buurten* table: national reference data, written
in the system context only (the operator's command runs it in a `PlatformWork`).

One import is one transaction: a file that does not parse writes nothing, and a file that
does is upserted in batches (by table, region, indicator and period), after which the
figures of that table the file no longer holds are deleted. Importing the same file twice
leaves the same rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from core.plugin import PlatformWork, ValidationFailed, dialect_insert, utcnow
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsField, CbsFigure, CbsImport

#: Rows per executemany (one compiled statement; the progress bar advances per batch).
BATCH = 10000


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
    table = CbsFigure.__table__
    upsert = insert(table)
    upsert = upsert.on_conflict_do_update(
        index_elements=["table_id", "region_code", "indicator", "period"],
        set_={
            "region_type": upsert.excluded.region_type,
            "gemeente_code": upsert.excluded.gemeente_code,
            "value": upsert.excluded.value,
            "status": upsert.excluded.status,
            "series": upsert.excluded.series,
            "import_id": upsert.excluded.import_id,
        },
    )
    series = {code: indicator.series_of(parsed.period) for code, indicator in catalogue.items()}
    for start in range(0, len(figures), BATCH):
        chunk = figures[start : start + BATCH]
        random_bytes = os.urandom(16 * len(chunk))  # one call for the batch's ids (uuid4 per row costs more)
        rows = [
            {
                "id": uuid.UUID(bytes=random_bytes[16 * index : 16 * index + 16], version=4),
                "table_id": parsed.table_id,
                "period": parsed.period,
                "region_code": figure.region_code,
                "region_type": figure.region_type,
                "gemeente_code": figure.gemeente_code,
                "indicator": figure.indicator,
                "value": figure.value,
                "status": figure.status,
                "series": series[figure.indicator],
                "import_id": import_id,
            }
            for index, figure in enumerate(chunk)
        ]
        await session.execute(upsert, rows)  # executemany: one compiled statement, batched by the driver
        if progress is not None:
            progress(len(chunk))
    # What an earlier import of this table had and this file no longer has.
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

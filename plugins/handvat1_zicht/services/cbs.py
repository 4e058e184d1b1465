"""Importing a CBS *Kerncijfers wijken en buurten* table: national reference data, written
in the system context only (the operator's command runs it in a `PlatformWork`).

One import is one transaction: a file that does not parse writes nothing, and a file that
does makes the figures of its table exactly the file's: new figures are inserted, changed
ones updated, unchanged ones left as they are, and those of a region or indicator the file
no longer has deleted. The figures go in batches through core's `bulk_upsert` (COPY into a
staging table on PostgreSQL, then one INSERT … ON CONFLICT that rewrites only changed
rows), several times faster than row by row; a re-import of the same file writes nothing.
Readers see the old table until the import commits."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_

from core.plugin import PlatformWork, ValidationFailed, bulk_upsert, dialect_insert, utcnow
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsField, CbsFigure, CbsImport

FIGURE_COLUMNS = ("region_code", "region_type", "gemeente_code", "indicator", "value", "status", "series")
#: A figure's key within a table (its unique constraint).
FIGURE_KEY = ("table_id", "region_code", "indicator", "period")
#: What a figure says: a re-import rewrites a figure only when one of these changed (so its
#: `import_id` names the import that last changed it).
FIGURE_CONTENT = ("region_type", "gemeente_code", "value", "status", "series")


@dataclass
class ImportResult:
    table_id: str
    period: int
    format: str
    regions: int
    figures: int
    skipped: kwb.Skipped
    written: int = 0  # figures inserted or changed
    removed: int = 0  # figures of regions or indicators the file no longer has

    def lines(self) -> list[str]:
        return [
            f"Tabel {self.table_id} ({self.period}, {self.format}): {self.regions} regio's, {self.figures} cijfers geïmporteerd"
            f" ({self.written} nieuw of gewijzigd, {self.figures - self.written} ongewijzigd, {self.removed} verwijderd).",
            *(f"  {line}" for line in self.skipped.lines()),
        ]


def parse(path: str | Path, *, fmt: str | None = None, table: str | None = None, on_batch: kwb.BatchHandler | None = None) -> kwb.ParsedTable:
    try:
        return kwb.parse_file(path, fmt=fmt, table=table, on_batch=on_batch)
    except kwb.KwbError as error:
        # The file is no KWB table of the kind asked for, or it is mangled: nothing is imported.
        raise ValidationFailed(str(error), field=error.field or ("line" if error.line is not None else "file")) from None


class _FigureWriter:
    """Writes the figures of one import, batch by batch, then removes what the file no
    longer has and records the import (in the caller's transaction; `run_command` commits)."""

    def __init__(self, work: PlatformWork, progress: Callable[[int], Any] | None) -> None:
        self.work = work
        self.progress = progress
        self.import_id = uuid.uuid4()
        self.written = 0

    async def write(self, table_id: str, period: int, figures: list[kwb.Figure]) -> None:
        """One batch as the parse hands it over (about `kwb.BATCH_SIZE` figures). New figures
        are inserted and changed ones updated; a figure that is already so is not rewritten
        (an import over itself writes nothing)."""
        series = {code: indicator.series_of(period) for code, indicator in kwb.catalogue().by_code.items()}
        rows = [
            (figure.region_code, figure.region_type, figure.gemeente_code, figure.indicator, figure.value, figure.status, series[figure.indicator])
            for figure in figures
        ]
        constants = {"table_id": table_id, "period": period, "import_id": self.import_id}
        self.written += await bulk_upsert(
            self.work.session, CbsFigure, FIGURE_COLUMNS, rows, constants=constants, conflict=FIGURE_KEY, when_changed=FIGURE_CONTENT
        )
        if self.progress is not None:
            self.progress(len(rows))

    async def finish(self, parsed: kwb.ParsedTable, source_name: str) -> ImportResult:
        session = self.work.session
        # The file holds every indicator of every region it keeps, so what it no longer has
        # is a figure of another region, indicator or period: that goes.
        regions = sorted({figure.region_code for figure in parsed.figures})
        removed = await session.execute(
            delete(CbsFigure).where(
                CbsFigure.table_id == parsed.table_id,
                or_(CbsFigure.period != parsed.period, CbsFigure.region_code.not_in(regions), CbsFigure.indicator.not_in(sorted(parsed.fields))),
            )
        )
        await session.execute(delete(CbsField).where(CbsField.table_id == parsed.table_id))
        if parsed.fields:
            await session.execute(
                dialect_insert(session)(CbsField).values(
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
                id=self.import_id,  # the figures this import wrote or changed carry it
                table_id=parsed.table_id,
                period=parsed.period,
                format=parsed.format,
                source_name=source_name[:300],
                figures=len(parsed.figures),
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
                    "written": self.written,
                    "removed": removed.rowcount,
                },
                imported_by=self.work.actor,
                imported_at=utcnow(),
            )
        )
        await session.flush()
        return ImportResult(
            parsed.table_id, parsed.period, parsed.format, parsed.regions, len(parsed.figures), skipped, written=self.written, removed=removed.rowcount
        )


class _WriterStopped(Exception):
    """Raised in the reading thread when the writer gave up (the import fails anyway)."""


async def import_file(
    work: PlatformWork,
    path: str | Path,
    *,
    fmt: str | None = None,
    table: str | None = None,
    progress: Callable[[int], Any] | None = None,
    on_parsed: Callable[[kwb.ParsedTable], Any] | None = None,
) -> ImportResult:
    """Parse and import one file (in the caller's transaction). The file is read in a thread
    that hands its figures over in batches, and each batch is written while the next is
    read: the database works on its own core meanwhile, so the import takes little more
    than the parse. `on_parsed` is called when the reading ends (the figures may still be
    being written). A refused file raises `ValidationFailed`; what was written of it goes
    with the transaction, which the caller then does not commit."""
    loop = asyncio.get_running_loop()
    batches: asyncio.Queue[tuple[str, int, list[kwb.Figure]] | None] = asyncio.Queue()
    writer_stopped = threading.Event()

    def hand_over(table_id: str, period: int, figures: list[kwb.Figure]) -> None:
        if writer_stopped.is_set():
            raise _WriterStopped
        loop.call_soon_threadsafe(batches.put_nowait, (table_id, period, figures))

    def refused(reading: asyncio.Future[kwb.ParsedTable]) -> bool:
        return reading.done() and not reading.cancelled() and reading.exception() is not None

    def reading_ended(reading: asyncio.Future[kwb.ParsedTable]) -> None:
        # After the batches the thread handed over (they were queued before the thread's
        # end reached the loop), also when the thread failed or never ran.
        batches.put_nowait(None)
        if on_parsed is not None and not reading.cancelled() and not refused(reading):
            on_parsed(reading.result())

    reading = asyncio.ensure_future(asyncio.to_thread(parse, path, fmt=fmt, table=table, on_batch=hand_over))
    reading.add_done_callback(reading_ended)
    writer = _FigureWriter(work, progress)
    try:
        while (batch := await batches.get()) is not None:
            if refused(reading):
                break  # what is still queued need not be written
            await writer.write(*batch)
    except BaseException:
        writer_stopped.set()
        # The thread stops at its next batch; its outcome no longer matters.
        with contextlib.suppress(BaseException):
            await reading
        raise
    parsed = await reading
    return await writer.finish(parsed, Path(path).name)

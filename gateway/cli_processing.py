"""`kansrijk audit export`: a gemeente's processing log of a period, in the Logboek
Dataverwerkingen shape, as JSON lines (core.logboek), for the privacy officer or a central
collector. Registered in the `audit` group of gateway/cli.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from core.logboek import export_lines, log_export, parse_period
from core.platform import Platform


def audit_export(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The gemeente (slug).")],
    start: Annotated[str, typer.Option("--from", help="First day (2026-01-01, Dutch time) or an ISO 8601 moment with its offset.")],
    end: Annotated[str, typer.Option("--to", help="Last day (inclusive) or an ISO 8601 moment (exclusive) with its offset.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this new file (readable by you only) instead of standard output.")] = None,
) -> None:
    """Export a gemeente's processing log of a period as JSON lines in the shape of the
    Logboek Dataverwerkingen standard. The export is itself logged (one record)."""
    from gateway.cli import CLI_ACTOR, run  # gateway.cli imports this module to register the command

    if output is not None and output.exists():
        raise typer.BadParameter(f"{output} exists; choose a new file (an export is never overwritten).", param_hint="--output")
    if output is not None and not output.parent.is_dir():
        raise typer.BadParameter(f"{output.parent} is not a directory.", param_hint="--output")

    async def action(platform: Platform) -> int:
        period = parse_period(start, end)
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            log_export(work)
            await work.commit()
            gemeente = work.tenant
        await platform.seal_processing_logs([gemeente.id])
        sink: TextIO = sys.stdout if output is None else os.fdopen(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8")
        written = 0
        try:
            async for line in export_lines(platform, gemeente, period):
                sink.write(line)
                written += 1
        finally:
            if output is not None:
                sink.close()
        return written

    written: Any = run(action)
    typer.echo(f"{written} record{'' if written == 1 else 's'} of {tenant} exported{f' to {output}' if output else ''}", err=True)

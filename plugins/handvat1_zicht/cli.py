"""The commands of handvat 1, mounted by the platform under the module key:
`kansrijk zicht import-cbs FILE [--format odata|csv] [--table 85984NED]` (also `kansrijk handvat1_zicht import-cbs`).

The import is the operator's: it runs without a gemeente (`run_command` without `tenant=`,
a `PlatformWork` in the system context), the only place CBS's national figures are written.
One file is one transaction: a refused file imports nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.plugin import PlatformWork, run_command
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.services import cbs

COMMANDS = typer.Typer(help="Zicht op armoede: CBS-kerncijfers per wijk.", no_args_is_help=True)


@COMMANDS.command("import-cbs")
def import_cbs(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Een KWB-bestand van CBS: OData-JSON of CSV.")],
    format: Annotated[str | None, typer.Option("--format", help="odata of csv (standaard: naar de extensie of de inhoud).")] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Het CBS-tabelnummer, bijvoorbeeld 85984NED (standaard: uit het bestand of de bestandsnaam).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Geen voortgangsbalk.")] = False,
) -> None:
    """Importeer een tabel Kerncijfers wijken en buurten (landelijke referentiegegevens)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if format is not None and format not in kwb.FORMATS:
        raise typer.BadParameter("kies odata of csv", param_hint="--format")

    async def action(work: PlatformWork) -> cbs.ImportResult:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, disable=quiet
        ) as progress:
            # The file is read and its figures written at the same time: the count of figures
            # written runs while the file is read, its total known when the reading ends.
            reading = progress.add_task(f"{file.name} lezen", total=None)
            writing = progress.add_task("cijfers schrijven", total=None)

            def parsed(table_read: kwb.ParsedTable) -> None:
                progress.update(reading, total=1, completed=1)
                progress.update(writing, total=len(table_read.figures), description=f"{table_read.table_id} schrijven")

            return await cbs.import_file(
                work,
                file,
                fmt=format,
                table=table,
                on_parsed=parsed,
                progress=lambda count: progress.advance(writing, count),
            )

    result = run_command(action)
    for line in result.lines():
        typer.echo(line)

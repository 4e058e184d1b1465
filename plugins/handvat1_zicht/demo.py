"""Demo data of handvat 1.

CBS's figures are national reference data: only the system context writes them, and the
`seed_demo_data` hook runs per demo gemeente in a tenant's unit of work, where writing them
is refused (`REFERENCE_DATA_READ_ONLY`). So the tenant seed (`seed`) writes nothing, and
`seed_platform` imports the shipped extract (`data/`, see data/SOURCES.md) in a
`PlatformWork`; until the platform's demo calls it, load the extract with the operator's
command (idempotent):

    uv run kansrijk handvat1_zicht import-cbs plugins/handvat1_zicht/data/85618NED_demo_extract.csv
    uv run kansrijk handvat1_zicht import-cbs plugins/handvat1_zicht/data/85984NED_demo_extract.json
"""

from __future__ import annotations

from core.plugin import PlatformWork, Work
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.services import cbs

EXTRACTS = ("85618NED_demo_extract.csv", "85984NED_demo_extract.json")


async def seed(work: Work) -> None:
    """Per demo gemeente: nothing of its own yet (the figures are national, see above)."""


async def seed_platform(work: PlatformWork) -> list[cbs.ImportResult]:
    """Import the shipped extracts of the demo gemeenten (idempotent: an upsert)."""
    return [await cbs.import_file(work, kwb.DATA / name) for name in EXTRACTS]

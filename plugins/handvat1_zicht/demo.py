"""Demo data of handvat 1.

CBS's figures are national reference data: only the system context writes them. So
`seed_platform` (the `seed_platform_demo_data` hook, run once by `kansrijk serve --demo`
before the gemeenten are seeded) imports the shipped extract (`data/`, see
data/SOURCES.md) in the platform's unit of work, and `seed` (per demo gemeente) builds on
it: a fixed startfoto, a plan with goals and actions, and a session with the voice of
parents. Both are idempotent.
"""

from __future__ import annotations

import datetime as dt
import zlib

from sqlalchemy import select

from core.plugin import PlatformWork, Work, all_wijken
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsImport, Startfoto
from plugins.handvat1_zicht.services import cbs, own, plan, startfoto, voices

EXTRACTS = ("85618NED_demo_extract.csv", "85984NED_demo_extract.json")

#: The demo's own indicator: values made up for the demo (its source says so), so that
#: the plan has goals with a baseline; the CBS figures of the extract are real or empty.
DEMO_INDICATOR = {
    "code": "jgz_geldzorgen_besproken",
    "name": "Geldzorgen besproken bij de JGZ",
    "definition": (
        "Aandeel van de gezinnen met een kind van 0 tot 1 jaar met wie de jeugdgezondheidszorg in het jaar "
        "geldzorgen besprak, van alle gezinnen met een kind van die leeftijd die zij zag."
    ),
    "source": "Demo: verzonnen waarden om het platform te laten zien, geen echte cijfers",
    "unit": "%",
    "period": 2024,
}
DEMO_REFERENCE_DATE = dt.date(2025, 3, 1)


def demo_value(code: str) -> float:
    """A stable made-up percentage per region (30-70%), the same on every run."""
    return 30 + zlib.crc32(code.encode()) % 400 / 10


async def seed(work: Work) -> None:
    """Per demo gemeente, once: the demo's own indicator, a fixed startfoto of 1 March
    2025 (with the CBS figures of 2023 and 2024 of its wijken), a plan van aanpak with
    goals on the own indicator and actions of its partners, and a session with the voice
    of parents."""
    if (await work.session.execute(select(Startfoto.id).limit(1))).first() is not None:
        return
    regions = [work.tenant.code, *(wijk.code for wijk in await all_wijken(work.session))]
    lines = "\n".join(f"{code};{demo_value(code):.1f}".replace(".", ",") for code in regions)
    await own.import_own_indicator(work, {**DEMO_INDICATOR, "csv": f"wijkcode;waarde\n{lines}\n"})
    taken = await startfoto.create_startfoto(
        work,
        {
            "title": f"Startfoto Kansrijke Start {work.tenant.name}",
            "reference_date": DEMO_REFERENCE_DATE,
            "went_well": "Verloskundigen, JGZ en het sociaal wijkteam kennen elkaar en verwijzen naar elkaar door.",
            "gaps": "Geldzorgen komen vaak pas laat ter sprake; voor aanstaande ouders zonder huisarts is er weinig zicht.",
            "ambitions": "Iedere professional in de eerste 1000 dagen vraagt naar geldzorgen en weet waar een gezin terecht kan.",
            "voices": "Ouders uit de spiegelgroep: 'Ik durfde er niet over te beginnen, tot de verloskundige ernaar vroeg.'",
        },
    )
    await startfoto.fix_startfoto(work, taken.id)
    goals = await plan.seed_demo_plan(work)
    await voices.seed_demo_voices(work, [goal.id for goal in goals])


async def seed_platform(work: PlatformWork) -> list[cbs.ImportResult]:
    """Import the shipped extracts of the demo gemeenten (idempotent: an import replaces
    the figures of its table). A table the operator imported from another file (the whole
    national table, say) is left alone: the demo never replaces real figures by its extract."""
    imported_from = dict(
        (await work.session.execute(select(CbsImport.table_id, CbsImport.source_name).order_by(CbsImport.imported_at))).all()
    )
    results = []
    for name in EXTRACTS:
        table = kwb.table_of(name)
        if table in imported_from and imported_from[table] != name:
            continue
        results.append(await cbs.import_file(work, kwb.DATA / name))
    return results

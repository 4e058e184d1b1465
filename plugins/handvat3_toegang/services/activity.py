"""What handvat 3 tells handvat 1 about the coalition's work and offer, through core's
tenant hooks: the year's checks, matches and referrals to regelingen and how many
regelingen members know (`wijk_activity`; for the whole gemeente, this module keeps no
wijk), and the regelingen the gemeente offers families now (`coalition_offer`).

Counts come from `UsageCount` (per regeling and month) and `Knowledge`, summed in the
database (two statements), plus the counts this process holds in memory and has not
written yet (at most a minute, see `UsageTally`). The figures need handvat 3's own
permission to read (`USAGE_READ`), also where another module shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import distinct, func, or_, select

from core.plugin import ActivityCell, ActivityFigure, OfferItem, TenantInfo
from plugins.handvat3_toegang import MODULE_KEY
from plugins.handvat3_toegang.models import Knowledge, Regeling, UsageCount
from plugins.handvat3_toegang.permissions import USAGE_READ
from plugins.handvat3_toegang.services.check import usage_tally

#: The kind of a regeling in a coalition's offer (as other modules refer to it).
REGELING_KIND = f"{MODULE_KEY}.regeling"

CHECKED = f"{MODULE_KEY}.checked"
MATCHED = f"{MODULE_KEY}.matched"
REFERRED = f"{MODULE_KEY}.referred"
KNOWN = f"{MODULE_KEY}.known"

#: usage kind -> (figure key, name, description)
USAGE_FIGURES = {
    "checked": (
        CHECKED,
        "Regelingen gecheckt",
        "Hoe vaak in het jaar is nagegaan of een huishouden recht heeft op een regeling (checks van professionals "
        "en ouders samen, per regeling geteld), voor de hele gemeente.",
    ),
    "matched": (
        MATCHED,
        "Regelingen waar recht op lijkt te zijn",
        "Hoe vaak een check in het jaar uitkwam op 'heeft waarschijnlijk recht', voor de hele gemeente.",
    ),
    "referred": (
        REFERRED,
        "Verwijzingen naar regelingen",
        "Hoe vaak professionals in het jaar een gezin naar een regeling verwezen, voor de hele gemeente.",
    ),
}
KNOWN_FIGURE = (
    KNOWN,
    "Regelingen die leden kennen",
    "Het aantal keren dat een lid van de coalitie aangaf een regeling te kennen en te kunnen uitleggen (stand aan "
    "het eind van het jaar, of nu); onderdrukking kijkt naar het aantal verschillende leden.",
)


async def wijk_activity(session: Any, tenant: TenantInfo, year: int) -> list[ActivityFigure]:
    """The year's checks, matches and referrals (from the monthly counts) and the knowledge
    marks standing at the end of the year, each one cell for the whole gemeente."""
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    usage = dict(
        (
            await session.execute(
                select(UsageCount.kind, func.sum(UsageCount.count)).where(UsageCount.month >= first, UsageCount.month <= last).group_by(UsageCount.kind)
            )
        ).all()
    )
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    marks, members = (
        await session.execute(select(func.count(), func.count(distinct(Knowledge.membership_id))).where(Knowledge.marked_at < end))
    ).one()
    for (_regeling_id, kind, month), count in usage_tally.pending(tenant.id).items():
        if first <= month <= last:
            usage[kind] = int(usage.get(kind) or 0) + count
    region = tenant.code

    def figure(key: str, name: str, description: str, count: int, subjects: int) -> ActivityFigure:
        # A zero is a cell too: it says the figure is the whole gemeente's, also in a year
        # without any checks.
        # One cell, so its subjects are the gemeente's too.
        return ActivityFigure(
            key=key,
            name=name,
            description=description,
            cells=(ActivityCell(region_code=region, count=count, subjects=subjects),),
            permission=USAGE_READ,
            total_subjects=subjects,
        )

    # Checks are anonymous: who did them is not known, so every check counts as one subject
    # (a small number is hidden like a small number of families).
    figures = [figure(key, name, description, int(usage.get(kind) or 0), int(usage.get(kind) or 0)) for kind, (key, name, description) in USAGE_FIGURES.items()]
    figures.append(figure(*KNOWN_FIGURE, int(marks), int(members)))
    return figures


async def coalition_offer(session: Any) -> list[OfferItem]:
    """The regelingen the gemeente offers families today: published, not hidden and
    current (what parents find in the public catalogue), in the gemeente's order."""
    today = dt.date.today()
    rows = (
        await session.execute(
            select(Regeling.key, Regeling.name, Regeling.summary)
            .where(
                Regeling.published.is_(True),
                Regeling.hidden.is_(False),
                or_(Regeling.valid_from.is_(None), Regeling.valid_from <= today),
                or_(Regeling.valid_to.is_(None), Regeling.valid_to >= today),
            )
            .order_by(Regeling.position, Regeling.name, Regeling.key)
        )
    ).all()
    return [OfferItem(kind=REGELING_KIND, code=key, name=name, description=summary) for key, name, summary in rows]

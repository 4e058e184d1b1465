"""Demo data: the coalition's partner "Stichting Babyspullen" is the foundation (the demo
coalitions of the platform have one, with a volunteer who is a member in both demo
gemeenten). Requests are made in the walkthrough: a request needs a family's consent,
which handvat 2 records."""

from __future__ import annotations

from core.plugin import Work, all_partners

from kansrijk_babyspullen import MODULE_KEY

FOUNDATION_NAME = "Stichting Babyspullen"


async def seed(work: Work) -> None:
    config = await work.module_config(MODULE_KEY)
    if config.foundation_partner_id is not None:
        return  # configured before
    foundation = next((partner for partner in await all_partners(work.session) if partner.name.startswith(FOUNDATION_NAME)), None)
    if foundation is None:
        return
    await work.configure_module(MODULE_KEY, {"foundation_partner_id": str(foundation.id), "pickup_points": ["Uitgiftepunt Centrum", "Uitgiftepunt Noord"]})

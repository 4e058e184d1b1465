"""Demo data of handvat 3: each demo gemeente's own income limit and a sociale kaart.
The catalogue itself comes from the national seed when the module is enabled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.plugin import Partner
from plugins.handvat3_toegang.models import ParameterOverride, Service
from plugins.handvat3_toegang.search import index_item
from plugins.handvat3_toegang.services import sync_national_into

#: Demo values (not the gemeenten's real policy): 's-Hertogenbosch uses 130 % of the social
#: minimum for its minimaregelingen but only 100 % for bijzondere bijstand, Utrecht 120 % and
#: 110 %: the same household gets different answers in the two demo gemeenten.
INCOME_LIMITS = {
    "GM0344": {"minima_inkomensgrens_pct": 120.0, "bijzondere_bijstand_inkomensgrens_pct": 110.0},
    "GM0796": {"minima_inkomensgrens_pct": 130.0, "bijzondere_bijstand_inkomensgrens_pct": 100.0},
}

SERVICES = {
    "voedselbank": ("Voedselpakket", "Elke week een pakket met eten en verzorgingsproducten, ook voor baby's.", "Gezinnen die niet genoeg geld hebben voor eten.", "Woensdag 13.00-16.00 uur"),
    "schuldhulpverlening": ("Gratis hulp bij geldzaken en schulden", "Samen orde op zaken: post, rekeningen, betalingsregelingen en zo nodig schuldhulp.", "Iedereen met geldzorgen of schulden.", "Maandag tot en met vrijdag 9.00-17.00 uur"),
    "jgz": ("Consultatiebureau", "Gratis controles, vaccinaties en advies over groei, voeding en opvoeding voor kinderen van 0 tot 4 jaar.", "Alle ouders met jonge kinderen.", "Op afspraak"),
    "wijkteam": ("Spreekuur wijkteam", "Een vast aanspreekpunt voor vragen over geld, opvoeden, wonen en zorg; de medewerker zoekt met u uit wat past.", "Iedereen in de wijk.", "Dinsdag en donderdag 9.00-12.00 uur"),
}


async def seed(tenant: Any, session: Any) -> None:
    await sync_national_into(session, tenant)
    present = set((await session.execute(select(ParameterOverride.key))).scalars())
    for key, value in INCOME_LIMITS.get(tenant.code, {}).items():
        if key not in present:
            session.add(
                ParameterOverride(
                    key=key,
                    valid_from=dt.date(2025, 1, 1),
                    value=value,
                    legal_basis_url="https://lokaleregelgeving.overheid.nl/",
                    set_by="demo",
                )
            )
    partners = {partner.type: partner for partner in (await session.execute(select(Partner))).scalars()}
    existing = set((await session.execute(select(Service.name))).scalars())
    for partner_type, (name, description, audience, hours) in SERVICES.items():
        partner = partners.get(partner_type)
        if partner is None or name in existing:
            continue
        service = Service(
            partner_id=partner.id,
            name=name,
            description=description,
            audience=audience,
            opening_hours=hours,
            contact=partner.phone or partner.email or partner.website,
        )
        session.add(service)
        await session.flush()
        await index_item(session, "service", service.id, service.name, f"{service.description}\n{service.audience}", public=True)
    await session.flush()

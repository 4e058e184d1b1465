"""Demo data of handvat 3: each demo gemeente's own income limit and a sociale kaart.
The catalogue itself comes from the national seed when the module is enabled."""

from __future__ import annotations

import datetime as dt

from core.plugin import PartnerInfo, Work, all_partners
from plugins.handvat3_toegang.services import catalogue, parameters, rules, sociale_kaart

#: Demo values (not the gemeenten's real policy): 's-Hertogenbosch uses 130 % of the social
#: minimum for its minimaregelingen but only 100 % for bijzondere bijstand, Utrecht 120 % and
#: 110 %: the same household gets different answers in the two demo gemeenten.
INCOME_LIMITS = {
    "GM0344": {"minima_inkomensgrens_pct": 120.0, "bijzondere_bijstand_inkomensgrens_pct": 110.0},
    "GM0796": {"minima_inkomensgrens_pct": 130.0, "bijzondere_bijstand_inkomensgrens_pct": 100.0},
}
LIMITS_FROM = dt.date(2025, 1, 1)
LEGAL_BASIS = "https://lokaleregelgeving.overheid.nl/"

#: Per partner type (the first partner of that type offers it): name, description, audience, opening hours.
SERVICES = {
    "voedselbank": ("Voedselpakket", "Elke week een pakket met eten en verzorgingsproducten, ook voor baby's.", "Gezinnen die niet genoeg geld hebben voor eten.", "Woensdag 13.00-16.00 uur"),
    "schuldhulpverlening": ("Gratis hulp bij geldzaken en schulden", "Samen orde op zaken: post, rekeningen, betalingsregelingen en zo nodig schuldhulp.", "Iedereen met geldzorgen of schulden.", "Maandag tot en met vrijdag 9.00-17.00 uur"),
    "jgz": ("Consultatiebureau", "Gratis controles, vaccinaties en advies over groei, voeding en opvoeding voor kinderen van 0 tot 4 jaar.", "Alle ouders met jonge kinderen.", "Op afspraak"),
    "wijkteam": ("Spreekuur wijkteam", "Een vast aanspreekpunt voor vragen over geld, opvoeden, wonen en zorg; de medewerker zoekt met u uit wat past.", "Iedereen in de wijk.", "Dinsdag en donderdag 9.00-12.00 uur"),
}


async def seed(work: Work) -> None:
    """Idempotent: what exists (a parameter the gemeente set, a service by name) is kept."""
    await catalogue.sync_national(work)
    present = (await rules.parameters_of(work)).overrides
    for key, value in INCOME_LIMITS.get(work.tenant.code, {}).items():
        if key not in present:
            await parameters.set_parameter(work, {"key": key, "valid_from": LIMITS_FROM, "value": value, "legal_basis_url": LEGAL_BASIS})
    partners: dict[str, PartnerInfo] = {}
    for partner in await all_partners(work.session, active_only=False):
        partners.setdefault(partner.type, partner)
    existing = {row.name for row in await sociale_kaart.services(work, public=False)}
    for partner_type, (name, description, audience, hours) in SERVICES.items():
        if partner_type in partners and name not in existing:
            partner = partners[partner_type]
            data = {
                "partner_id": str(partner.id),
                "name": name,
                "description": description,
                "audience": audience,
                "opening_hours": hours,
                "contact": partner.phone or partner.email or partner.website,
            }
            await sociale_kaart.save_service(work, data)

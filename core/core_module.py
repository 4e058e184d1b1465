"""Core's own hook implementations: core is registered as a plugin that is always on."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.access import (
    COALITION_ADMIN,
    PARTNER_WORKER,
    PLATFORM_OPERATOR,
    PRIVACY_OFFICER,
    PROFESSIONAL,
    TENANT_ROLES,
)
from core.feeds import FEED_LINK_MANAGE, FEED_MODELS
from core.step_links import STEP_LINK_MODELS, STEP_LINK_PROCESSING, STEP_LINK_SEND
from core.gemeenten import DATA_DIR
from core.graphql.privacy_schema import LOG_INSPECTION
from core.identity.models import IDENTITY_MODELS
from core.processing import PROCESSING_MODELS, ProcessingActivity
from core.models import CORE_MODELS, Membership, Partner, Person, Wijk
from core.hookspecs import hookimpl
from core.module_types import EventType, GraphQLContribution, Permission, TenantInfo
from core.webhooks.models import WEBHOOK_ACTIVITY, WEBHOOK_MODELS, WEBHOOK_PAUSED
from core.workflows import WORKFLOW_TRANSITIONED

CORE_MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "versions"

_ALL = (*TENANT_ROLES, PLATFORM_OPERATOR)
_ADMIN = (COALITION_ADMIN,)

CORE_PERMISSIONS = [
    Permission("core.me.read", "De eigen rollen en rechten zien.", _ALL),
    Permission("core.tenant.read", "De gegevens van de gemeente zien.", _ALL),
    Permission("core.module.read", "Zien welke modules aan staan (zonder hun configuratie).", _ALL),
    Permission(
        "core.module.manage",
        "Modules aan- en uitzetten, hun configuratie zien en wijzigen.",
        (COALITION_ADMIN, PLATFORM_OPERATOR),
    ),
    Permission("core.partner.read", "Partnerorganisaties van de coalitie zien.", TENANT_ROLES),
    Permission("core.partner.manage", "Partnerorganisaties toevoegen, wijzigen en deactiveren.", _ADMIN),
    Permission(
        "core.member.read",
        "De leden van de coalitie zien (namen, e-mailadressen, rollen): wie werkt met wie samen.",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, PRIVACY_OFFICER),
    ),
    Permission("core.member.manage", "Leden toevoegen, rollen wijzigen en lidmaatschappen beëindigen.", _ADMIN),
    Permission("core.wijk.read", "De wijken van de gemeente zien.", TENANT_ROLES),
    Permission("core.wijk.manage", "Wijken toevoegen, wijzigen en importeren.", _ADMIN),
    Permission("core.client.manage", "API-clients (systemen) toegang geven tot de gemeente en die intrekken.", _ADMIN),
    Permission("core.identity.manage", "De inlogvoorziening en het inlogbeleid van de gemeente instellen.", _ADMIN),
    Permission(
        "core.processing_log.read",
        "Het verwerkingenlogboek lezen: wie de gegevens van een gezin verwerkte, wanneer en waarom.",
        (PRIVACY_OFFICER,),
    ),
    Permission(
        "core.processing_register.read",
        "Het register van verwerkingsactiviteiten van de gemeente lezen.",
        (COALITION_ADMIN, PRIVACY_OFFICER),
    ),
    Permission(
        "core.webhook.read",
        "De webhook-abonnementen van de gemeente zien (welke systemen welke meldingen krijgen) en hun afleverlog.",
        (COALITION_ADMIN, PRIVACY_OFFICER),
    ),
    Permission(
        "core.webhook.manage",
        "Systemen van de gemeente abonneren op meldingen (webhooks), hun secret wisselen, pauzeren en afleveringen opnieuw versturen.",
        _ADMIN,
    ),
    Permission(
        STEP_LINK_SEND,
        "Eenmalige links versturen, zien en intrekken waarmee een partner zonder account een stap beantwoordt "
        "(de module van de workflow vraagt daarnaast haar eigen recht).",
        TENANT_ROLES,
        for_clients=False,
    ),
    Permission(
        FEED_LINK_MANAGE,
        "Eigen persoonlijke feedlinks maken, zien en intrekken (een agenda-app haalt er een download mee op, met de eigen rechten).",
        TENANT_ROLES,
        for_clients=False,
    ),
]


@hookimpl
def register_processing_activities() -> list[ProcessingActivity]:
    return [
        ProcessingActivity(
            key=LOG_INSPECTION,
            name="Inzage in het verwerkingenlogboek",
            purpose="Betrokkenen en toezicht laten zien wie hun gegevens verwerkte (recht op inzage, verantwoording).",
            legal_basis="AVG art. 5 lid 2 (verantwoordingsplicht) en art. 15 (recht op inzage); NEN 7513.",
            data_categories=("logregels over de betrokkene",),
            retention="Zolang het logboek zelf wordt bewaard.",
        ),
        ProcessingActivity(
            key=WEBHOOK_ACTIVITY,
            name="Meldingen (webhooks) aan systemen van de gemeente",
            purpose=(
                "Systemen van de gemeente (portaal, dashboard, datawarehouse) laten weten dat er iets gebeurde, zodat zij met "
                "hun eigen toegang ophalen wat zij mogen zien."
            ),
            legal_basis=(
                "De grondslag van de verwerking waarover de melding gaat (de taak van de gemeente en haar partners); de melding "
                "zelf bevat alleen ids en codes (dataminimalisatie en privacy by design, AVG art. 5 lid 1 sub c en art. 25)."
            ),
            data_categories=("ids en codes van een gebeurtenis, geen persoonsgegevens in de melding",),
            retention="De afleverlog: 30 dagen na aflevering; dit logboek zolang het zelf wordt bewaard.",
        ),
        STEP_LINK_PROCESSING,
    ]


@hookimpl
def register_models() -> list[type]:
    return [*CORE_MODELS, *IDENTITY_MODELS, *PROCESSING_MODELS, *WEBHOOK_MODELS, *FEED_MODELS, *STEP_LINK_MODELS]


@hookimpl
def register_migrations() -> str:
    return str(CORE_MIGRATIONS_DIR)


@hookimpl
def register_permissions() -> list[Permission]:
    return CORE_PERMISSIONS


@hookimpl
def register_event_types() -> list[EventType]:
    return [
        EventType(
            WORKFLOW_TRANSITIONED,
            "Een workflow (van welke module ook) deed een stap. Eén workflow volgen: abonneer op `<workflow>.transitioned`.",
            payload={
                "workflow": ("string", "De workflow, bijv. handvat2_signaleren.referral."),
                "subject_id": ("uuid", "Het record dat de stap deed (bijv. de verwijzing)."),
                "transition": ("string", "De stap."),
                "from_state": ("string", "De toestand ervoor."),
                "to_state": ("string", "De toestand erna."),
            },
            data_subject="subject_id",
        ),
        EventType(
            WEBHOOK_PAUSED,
            "Een webhook-abonnement is gepauzeerd omdat het bleef mislukken (FAILING) of de ontvanger 410 Gone antwoordde (GONE).",
            payload={"subscription_id": ("uuid", "Het abonnement."), "reason": ("string", "failing of gone.")},
        ),
    ]


@hookimpl
def register_graphql() -> GraphQLContribution:
    from core.graphql.access_schema import AccessMutation, AccessQuery
    from core.graphql.core_schema import CoreMutation, CoreQuery
    from core.graphql.feed_schema import FeedMutation, FeedQuery
    from core.graphql.step_link_schema import StepLinkMutation, StepLinkQuery
    from core.graphql.privacy_schema import PrivacyQuery
    from core.graphql.webhook_schema import WebhookMutation, WebhookQuery

    return GraphQLContribution(
        query=(CoreQuery, AccessQuery, PrivacyQuery, WebhookQuery, FeedQuery, StepLinkQuery),
        mutation=(CoreMutation, AccessMutation, WebhookMutation, FeedMutation, StepLinkMutation),
    )


def demo_coalition(code: str) -> dict[str, Any] | None:
    data = json.loads((DATA_DIR / "demo" / "coalition.json").read_text(encoding="utf-8"))
    return data["tenants"].get(code)


def demo_member_email(member: dict[str, Any], mail_domain: str) -> str:
    return member.get("email") or f"{member['local']}@{mail_domain}"


_DEMO_FIRST_NAMES = ("Lotte", "Noor", "Sem", "Yara", "Daan", "Ilse", "Milan", "Sara", "Bram", "Fenna", "Ayoub", "Lieke", "Thijs", "Zeynep", "Jesse")
_DEMO_LAST_NAMES = ("de Boer", "Vermeulen", "Hendriks", "van Dijk", "Kaya", "Peters", "Bakker", "Yilmaz", "Mertens", "Willems", "Koster")


def demo_colleagues(coalition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(partner key, e-mail, invented name) of the demo coalition's further professionals:
    members without a login who make the coalition as large as a real one."""
    result = []
    for partner_key, count in coalition.get("colleagues", {}).items():
        for index in range(1, count + 1):
            seed = len(result)
            name = f"{_DEMO_FIRST_NAMES[seed % len(_DEMO_FIRST_NAMES)]} {_DEMO_LAST_NAMES[(seed * 7) % len(_DEMO_LAST_NAMES)]}"
            result.append((partner_key, f"{partner_key}.collega{index}@{coalition['mail_domain']}", name))
    return result


@hookimpl(tryfirst=True)
async def seed_demo_data(tenant: TenantInfo, session: Any) -> None:
    """Partners, members (one per role, and colleagues without a login) and the CBS wijken of a demo gemeente."""
    coalition = demo_coalition(tenant.code)
    if coalition is None:
        return
    partners = {row.name: row for row in (await session.execute(select(Partner))).scalars()}
    partner_ids = {}
    for item in coalition["partners"]:
        values = {key: value for key, value in item.items() if key != "key"}
        partner = partners.get(values["name"])
        if partner is None:
            partner = Partner(**values)
            session.add(partner)
        partner_ids[item["key"]] = partner.id
    await session.flush()
    members = {row.email for row in (await session.execute(select(Membership))).scalars()}
    for item in coalition["members"]:
        email = demo_member_email(item, coalition["mail_domain"])
        if email in members:
            continue
        person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
        if person is None:
            person = Person(email=email)
            session.add(person)
            await session.flush()
        session.add(
            Membership(
                person_id=person.id,
                email=email,
                display_name=item["display_name"],
                job_title=item.get("job_title"),
                roles=item["roles"],
                partner_id=partner_ids.get(item.get("partner", "")),
            )
        )
    for partner_key, email, display_name in demo_colleagues(coalition):
        if email in members:
            continue
        person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
        if person is None:
            person = Person(email=email)
            session.add(person)
            await session.flush()
        session.add(
            Membership(
                person_id=person.id, email=email, display_name=display_name, job_title="Collega (demo)",
                roles=["professional"], partner_id=partner_ids[partner_key],
            )
        )
    wijken_file = DATA_DIR / "demo" / f"wijken_{tenant.code}.csv"
    if wijken_file.exists():
        existing = {row.code for row in (await session.execute(select(Wijk))).scalars()}
        with wijken_file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["wijkcode"] not in existing:
                    session.add(Wijk(code=row["wijkcode"], name=row["naam"]))
    await session.flush()

"""Armoede signaleren en gezinnen ondersteunen (handvat 2 van Kansrijke Start).

Professionals recognise money worries, discuss them stress-sensitively (a conversation
guide per worry), classify the family's situation as a dated snapshot (A-D), record the
parent's consent and refer the family warmly to a partner organisation, which reports
back on every step. Families are pseudonymous, seen only by the organisations involved,
anonymised after the retention period, and every access is in the processing log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.plugin import EventType, GraphQLContribution, ModuleMeta, ProcessingActivity, ScheduledJob, hookimpl

MODULE_KEY = "handvat2_signaleren"


class GuideContent(BaseModel):
    intro: str = Field(min_length=1, max_length=1000)
    questions: list[str] = Field(min_length=1, max_length=12)
    tips: list[str] = Field(default_factory=list, max_length=12)
    avoid: list[str] = Field(default_factory=list, max_length=12)


class FactorItem(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    label: str = Field(min_length=2, max_length=200)
    kind: str | None = Field(default=None, pattern=r"^(sociaal|psychisch|medisch)$")


class SignalerenConfig(BaseModel):
    """Per gemeente (a coalition admin sets it when enabling the module or later)."""

    response_days: int = Field(default=5, ge=1, le=30, description="Werkdagen waarin een organisatie op een verwijzing reageert.")
    retention_months: int = Field(default=12, ge=1, le=120, description="Maanden na het afsluiten waarna een gezin wordt geanonimiseerd.")
    min_cell_size: int = Field(default=10, ge=5, le=100, description="Kleinste aantal dat in de cijfers wordt getoond.")
    several_risk_factors: int = Field(default=3, ge=2, le=10, description="Vanaf zoveel risicofactoren (zonder voldoende bescherming): D.")
    guides: dict[str, GuideContent] = Field(default_factory=dict, description="Eigen gesprekshulp per zorg (anders de meegeleverde).")
    risk_factors: list[FactorItem] | None = Field(default=None, description="Eigen lijst met risicofactoren (anders de meegeleverde).")
    protective_factors: list[FactorItem] | None = Field(default=None, description="Eigen lijst met beschermende factoren.")

    @field_validator("guides")
    @classmethod
    def _known_worries(cls, guides: dict[str, GuideContent]) -> dict[str, GuideContent]:
        from plugins.handvat2_signaleren.domain import shipped_content

        known = {worry["key"] for worry in shipped_content()["worries"]}
        unknown = sorted(set(guides) - known)
        if unknown:
            raise ValueError(f"onbekende zorg: {', '.join(unknown)} (bekend: {', '.join(sorted(known))})")
        return guides


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(
        key=MODULE_KEY,
        name="Armoede signaleren en gezinnen ondersteunen",
        description="Geldzorgen herkennen en bespreekbaar maken, toestemming vastleggen, warm doorverwijzen en terugkoppeling krijgen.",
        category="handvat",
        plugin_api=">=1.0",
    )


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_models() -> list[type]:
    from plugins.handvat2_signaleren.models import MODELS

    return list(MODELS)


@hookimpl
def register_permissions() -> list[Any]:
    from plugins.handvat2_signaleren.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def register_workflows() -> list[Any]:
    from plugins.handvat2_signaleren.workflow import REFERRAL_WORKFLOW

    return [REFERRAL_WORKFLOW]


@hookimpl
def register_graphql() -> GraphQLContribution:
    from plugins.handvat2_signaleren.schema import SignalerenMutation, SignalerenQuery

    return GraphQLContribution(query=(SignalerenQuery,), mutation=(SignalerenMutation,))


@hookimpl
def register_event_types() -> list[EventType]:
    from plugins.handvat2_signaleren import services as svc

    return [
        EventType(svc.EVENT_FEEDBACK, "Terugkoppeling over een verwijzing voor een professional (notification_id, referral_id, recipient_id, transition)."),
        EventType(svc.EVENT_OVERDUE, "Een verwijzing is niet op tijd beantwoord (referral_id, to_partner_id, respond_by)."),
        EventType(svc.EVENT_CONSENT_REVOKED, "Een ouder trok toestemming in (consent_id, family_id)."),
        EventType(svc.EVENT_REGELING_LINKED, "Een onderdeel van een ondersteuningsplan verwijst naar een regeling (regeling_id, plan_item_id)."),
        EventType(svc.EVENT_FAMILY_ERASED, "Een gezin is op verzoek gewist (family_id)."),
    ]


@hookimpl
def register_processing_activities() -> list[ProcessingActivity]:
    from plugins.handvat2_signaleren.services import ACTIVITY

    return [
        ProcessingActivity(
            key=ACTIVITY,
            name="Signaleren van geldzorgen en warm doorverwijzen",
            purpose=(
                "Gezinnen in de eerste 1000 dagen met geldzorgen tijdig de juiste steun bieden: signaleren, met toestemming "
                "van de ouder doorverwijzen naar een partnerorganisatie en terugkoppelen."
            ),
            legal_basis=(
                "Toestemming van de ouder (AVG art. 6 lid 1 sub a) voor het delen met andere organisaties; "
                "de wettelijke taak van de professional (Wet publieke gezondheid, Jeugdwet, Wmo 2015) voor het eigen dossier."
            ),
            data_categories=(
                "pseudoniem gezinskenmerk",
                "fase (maand)",
                "wijk",
                "zorgen, risico- en beschermende factoren (mogelijk gezondheid)",
                "toestemming",
                "verwijzingen en uitkomst",
            ),
            retention="Tot het gezin is afgesloten, daarna de bewaartermijn van de gemeente (standaard 12 maanden); dan geanonimiseerd.",
        )
    ]


@hookimpl
def register_scheduled_jobs() -> list[ScheduledJob]:
    from plugins.handvat2_signaleren.permissions import REFERRAL_SEND
    from plugins.handvat2_signaleren.services import apply_retention, report_overdue, withdraw_expired

    return [
        ScheduledJob(f"{MODULE_KEY}.retention", "Gezinnen na de bewaartermijn anonimiseren.", 24 * 3600, apply_retention),
        ScheduledJob(f"{MODULE_KEY}.overdue_referrals", "Te laat beantwoorde verwijzingen melden.", 3600, report_overdue),
        ScheduledJob(
            f"{MODULE_KEY}.expired_consents",
            "Verwijzingen waarvan de toestemming verlopen is terugtrekken.",
            3600,
            withdraw_expired,
            permissions=(REFERRAL_SEND,),  # withdrawing is the referrer's step; the job takes it for them
        ),
    ]


@hookimpl
def module_config_model() -> type[BaseModel]:
    return SignalerenConfig


@hookimpl
async def seed_demo_data(tenant: Any, session: Any) -> None:
    from plugins.handvat2_signaleren.demo import seed

    await seed(tenant, session)

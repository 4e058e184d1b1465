"""Bekendheid en toegankelijkheid van regelingen (handvat 3 van Kansrijke Start).

A catalogue of regelingen and voorzieningen (a national seed every gemeente starts with,
adapted and extended by the gemeente), eligibility as data (JSON Logic conditions over
facts of a household, with versioned parameters), an explainable check for professionals
and a public one for parents, the sociale kaart, bekendheid and Dutch full-text search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.plugin import EventType, GraphQLContribution, ModuleMeta, ScheduledJob, hookimpl

MODULE_KEY = "handvat3_toegang"
REFERRED_EVENT = f"{MODULE_KEY}.regeling.referred"


class ToegangConfig(BaseModel):
    """Per gemeente."""

    readability_min_score: float = Field(
        default=60, ge=0, le=100, description="Laagste leesbaarheid (Flesch-Douma) van een samenvatting zonder waarschuwing."
    )


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(
        key=MODULE_KEY,
        name="Bekendheid en toegankelijkheid van regelingen",
        description="Een catalogus van regelingen en voorzieningen, met een uitlegbare check wie er recht op heeft.",
        category="handvat",
        plugin_api=">=1.0",
    )


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_models() -> list[type]:
    from plugins.handvat3_toegang.models import MODELS

    return list(MODELS)


@hookimpl
def register_permissions() -> list[Any]:
    from plugins.handvat3_toegang.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def register_graphql() -> GraphQLContribution:
    from plugins.handvat3_toegang.schema import ToegangMutation, ToegangPublicQuery, ToegangQuery

    return GraphQLContribution(query=(ToegangQuery,), mutation=(ToegangMutation,), public_query=(ToegangPublicQuery,))


@hookimpl
def register_event_types() -> list[EventType]:
    return [EventType(REFERRED_EVENT, "Een professional verwees naar een regeling (regeling_id).")]


@hookimpl
def register_scheduled_jobs() -> list[ScheduledJob]:
    from plugins.handvat3_toegang.services import write_usage_job

    return [ScheduledJob(f"{MODULE_KEY}.write_usage", "Het gebruik van regelingen (geteld in het geheugen) wegschrijven.", 60, write_usage_job, per_process=True)]


@hookimpl
def module_config_model() -> type[BaseModel]:
    return ToegangConfig


@hookimpl
async def module_enabled(tenant: Any, session: Any, config: Any, actor: Any) -> None:
    """A gemeente that switches handvat 3 on starts with the national catalogue."""
    from plugins.handvat3_toegang.services import sync_national_into

    await sync_national_into(session, tenant)


@hookimpl
async def on_domain_event(event: Any, session: Any) -> None:
    """Referrals to a regeling (from this module or another, e.g. a support plan in
    handvat 2) count towards its use."""
    if event.type == REFERRED_EVENT or (event.payload.get("regeling_id") and event.type.endswith(".regeling_linked")):
        from plugins.handvat3_toegang.services import count_referral

        await count_referral(session, event)


@hookimpl
async def reference_exists(kind: str, id: Any, session: Any) -> bool | None:
    """Other modules may name a regeling (e.g. handvat 2's support plan)."""
    if kind != f"{MODULE_KEY}.regeling":
        return None
    from plugins.handvat3_toegang.services import regeling_exists

    return await regeling_exists(session, id)


@hookimpl
async def seed_demo_data(tenant: Any, session: Any) -> None:
    from plugins.handvat3_toegang.demo import seed

    await seed(tenant, session)

"""A second tiny test module that depends on tiny_notes (for dependency checks)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from core.plugin import GraphQLContribution, ModuleMeta, Permission, TENANT_ROLES, field, hookimpl, subscribes_to

KEY = "tiny_extra"
#: The events delivered to this module's subscriber (tests clear it).
EVENTS: list[Any] = []


@strawberry.type
class ExtraQuery:
    @field(permission=f"{KEY}.ping.read")
    async def tiny_extra_ping(self, info: Info) -> str:
        return "pong"


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(key=KEY, name="Tiny extra", description="Depends on tiny_notes.", category="test", depends_on=("tiny_notes",))


@hookimpl
def register_graphql() -> GraphQLContribution:
    return GraphQLContribution(query=(ExtraQuery,))


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission(f"{KEY}.ping.read", "Ping.", TENANT_ROLES)]


@hookimpl
@subscribes_to("tiny_notes.*")
async def on_domain_event(event: Any, session: Any) -> None:
    """A second subscriber, to show that one module's failure does not touch another's; it
    takes only tiny notes' events (`subscribes_to`)."""
    EVENTS.append(event)
    if event.payload.get("extra_explode"):
        raise RuntimeError("tiny_extra failure (test)")

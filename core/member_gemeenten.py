"""One question over every gemeente where the caller is a member, for a person who works for
several coalitions (a volunteer of a foundation that serves many gemeenten: one inbox).

`in_member_gemeenten(work, module_key, read)` calls `read` once per gemeente where the
caller's person has an active membership and the module is on: first the gemeente of the
request, then the others, each in a session bound to that one gemeente, as that membership
(its own roles and organisation, so what `read` may see there is decided there), with its
own processing log records saved in that gemeente. Never another gemeente: one where the
person is not an active member, that is suspended, or that has the module off is not asked
and not named. A gemeente whose policy asks a second login step that this login did not do
is named with the problem `MFA_REQUIRED`; one where `read` raises a `DomainError` (the role
there lacks a permission) with that error's code. What `read` returns must be loaded before it
returns (plain values, or rows whose attributes it read): its session closes after it.

The token stays bound to the gemeente it was issued for; only this question looks further,
with the person's own memberships. It is for queries (a mutation's write transaction would
hold the lock the other gemeenten's log records need on SQLite: refused). Cost: one short
transaction per other active gemeente, one after the other (memberships are tenant data,
readable only gemeente by gemeente), each on a second pooled connection while the request
holds its own; an API client or the operator has no memberships and gets the request's
gemeente only.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import select

from core.db import WRITE_OPTION, begin_write
from core.errors import DomainError
from core.models import Membership
from core.module_types import TenantInfo
from core.processing import Trace
from core.tenancy import tenant_context
from core.work import Work

if TYPE_CHECKING:
    from core.platform import Platform

T = TypeVar("T")


async def active_membership(session: Any, person_id: uuid.UUID) -> Membership | None:
    """The person's active membership of the session's gemeente, if any."""
    statement = select(Membership).where(Membership.person_id == person_id, Membership.active.is_(True))
    return (await session.execute(statement)).scalar_one_or_none()


@dataclass(frozen=True)
class GemeenteAnswer(Generic[T]):
    """What `read` answered in one gemeente, or why it could not (`problem`: an error code)."""

    tenant: TenantInfo
    value: T | None = None
    problem: str | None = None


@dataclass(frozen=True)
class MemberGemeenten:
    """The person behind a request, for asking their other gemeenten (set on the request's
    unit of work by the platform; None for API clients)."""

    platform: Platform
    person_id: uuid.UUID
    subject: str
    amr: Collection[str] | None
    trace: Trace | None

    async def ask_others(self, here: uuid.UUID, module_key: str, read: Callable[[Work], Awaitable[T]]) -> list[GemeenteAnswer[T]]:
        from core.identity.login import lacks_second_factor
        from core.services.tenants import tenant_info

        answers: list[GemeenteAnswer[T]] = []
        for tenant in sorted(await self.platform.active_tenants("the other gemeenten of a member"), key=lambda row: row.slug):
            if tenant.id == here:
                continue
            with tenant_context(tenant.id):
                async with self.platform.session() as session:
                    membership = await active_membership(session, self.person_id)
                    if membership is None or module_key not in await self.platform.enabled_modules(session, tenant):
                        continue
                    principal = self.platform.member_principal(self.subject, self.person_id, membership)
                    if not principal.roles:
                        continue  # a membership without roles is no membership to ask (NOT_A_MEMBER there)
                    if lacks_second_factor(principal.roles, tenant, self.amr):
                        answers.append(GemeenteAnswer(tenant_info(tenant), problem="MFA_REQUIRED"))
                        continue
                    work = await self.platform.context_for(session, tenant, principal, request=None, request_id=None, trace=self.trace)
                    try:
                        value = await read(work)
                    except DomainError as error:
                        answers.append(GemeenteAnswer(work.tenant, problem=error.code))
                        continue
                    # What `read` returned outlives this session: rows stay as loaded (not
                    # expired by the rollback that starts the write of the log records).
                    session.expunge_all()
                    if work.journal.pending:  # what it read there is logged there
                        await begin_write(session)
                        await work.save()
                    answers.append(GemeenteAnswer(work.tenant, value=value))
        return answers


async def in_member_gemeenten(work: Work, module_key: str, read: Callable[[Work], Awaitable[T]]) -> list[GemeenteAnswer[T]]:
    """`read` in the request's gemeente and in every other gemeente where the caller is an
    active member with module `module_key` on (see the module docstring); the request's
    gemeente first, then the others by slug."""
    if work.session.in_transaction() and (await work.session.connection()).sync_connection.get_execution_options().get(WRITE_OPTION):
        # On SQLite the other gemeenten's log records would wait for this write lock.
        raise RuntimeError("in_member_gemeenten is for queries: call it before the unit of work writes")
    here: list[GemeenteAnswer[T]] = []
    if module_key in work.enabled_modules:
        try:
            here.append(GemeenteAnswer(work.tenant, value=await read(work)))
        except DomainError as error:
            here.append(GemeenteAnswer(work.tenant, problem=error.code))
    others: Any = work.member_gemeenten
    if others is None:
        return here
    return here + await others.ask_others(work.tenant.id, module_key, read)

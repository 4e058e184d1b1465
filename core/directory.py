"""What a module may read of core's data: partners, members and wijken of the current
tenant, as plain read-only values.

Modules never query core's tables themselves: a column rename in core would break them
without `PLUGIN_API_VERSION` noticing. Every function takes the unit of work's session
(already bound to the tenant) and answers for many ids at once, so a GraphQL resolver can
batch it through the request's loader registry:

    partner = await info.context.load(partners_by_id, referral.to_partner_id)
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from core.models import Membership, Partner, Wijk


@dataclass(frozen=True)
class PartnerInfo:
    """An organisation of the coalition (a partner), with its public contact details (the
    organisation's, not a person's)."""

    id: uuid.UUID
    name: str
    type: str
    domain: str
    active: bool
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class MemberInfo:
    """A member of the coalition: a person's membership of this tenant (no e-mail address)."""

    id: uuid.UUID
    display_name: str
    partner_id: uuid.UUID | None
    roles: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class WijkInfo:
    """A wijk (district) of the gemeente, by its CBS code."""

    id: uuid.UUID
    code: str
    name: str
    active: bool


# Read as rows of the columns the values hold, not as entities: a list's names and contacts
# are read on nearly every request, and an entity costs several times a row to make (and to
# expire at commit). The selects of model attributes are scoped to the tenant as entities are.
_PARTNER = (Partner.id, Partner.name, Partner.type, Partner.domain, Partner.active, Partner.email, Partner.phone, Partner.website)
_MEMBER = (Membership.id, Membership.display_name, Membership.partner_id, Membership.roles, Membership.active)
_WIJK = (Wijk.id, Wijk.code, Wijk.name, Wijk.active)
#: By id, built once (an expanding list of ids): the same statement object each time.
_PARTNERS_BY_ID = select(*_PARTNER).where(Partner.id.in_(bindparam("ids", expanding=True)))
_MEMBERS_BY_ID = select(*_MEMBER).where(Membership.id.in_(bindparam("ids", expanding=True)))
_WIJKEN_BY_ID = select(*_WIJK).where(Wijk.id.in_(bindparam("ids", expanding=True)))


def _partner(row: Any) -> PartnerInfo:
    return PartnerInfo(
        id=row.id, name=row.name, type=row.type, domain=row.domain, active=row.active, email=row.email, phone=row.phone, website=row.website
    )


def _member(row: Any) -> MemberInfo:
    return MemberInfo(id=row.id, display_name=row.display_name, partner_id=row.partner_id, roles=tuple(row.roles or ()), active=row.active)


def _wijk(row: Any) -> WijkInfo:
    return WijkInfo(id=row.id, code=row.code, name=row.name, active=row.active)


async def partners_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PartnerInfo]:
    """The tenant's partners with these ids (active or not); unknown ids are left out."""
    if not ids:
        return {}
    rows = await session.execute(_PARTNERS_BY_ID, {"ids": list(ids)})
    return {row.id: _partner(row) for row in rows}


async def all_partners(session: Any, *, active_only: bool = True) -> list[PartnerInfo]:
    """Every partner of the tenant, by name."""
    query = select(*_PARTNER).order_by(Partner.name, Partner.id)
    if active_only:
        query = query.where(Partner.active.is_(True))
    return [_partner(row) for row in await session.execute(query)]


async def members_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, MemberInfo]:
    """The tenant's memberships with these ids (active or not); unknown ids are left out."""
    if not ids:
        return {}
    rows = await session.execute(_MEMBERS_BY_ID, {"ids": list(ids)})
    return {row.id: _member(row) for row in rows}


async def members_by_partner(session: Any, partner_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[MemberInfo]]:
    """The active members of each partner, by name (an empty list for a partner without)."""
    grouped: dict[uuid.UUID, list[MemberInfo]] = {partner_id: [] for partner_id in partner_ids}
    if not grouped:
        return grouped
    rows = (
        await session.execute(
            select(*_MEMBER)
            .where(Membership.partner_id.in_(list(grouped)), Membership.active.is_(True))
            .order_by(Membership.display_name, Membership.id)
        )
    )
    for row in rows:
        grouped[row.partner_id].append(_member(row))  # type: ignore[index]
    return grouped


async def all_members(session: Any, *, active_only: bool = True) -> list[MemberInfo]:
    """Every membership of the tenant, by name."""
    query = select(*_MEMBER).order_by(Membership.display_name, Membership.id)
    if active_only:
        query = query.where(Membership.active.is_(True))
    return [_member(row) for row in await session.execute(query)]


async def wijken_by_code(session: Any, codes: Collection[str]) -> dict[str, WijkInfo]:
    """The tenant's wijken with these CBS codes (active or not); unknown codes are left out."""
    if not codes:
        return {}
    rows = await session.execute(select(*_WIJK).where(Wijk.code.in_(list(codes))))
    return {row.code: _wijk(row) for row in rows}


async def wijken_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, WijkInfo]:
    """The tenant's wijken with these ids; unknown ids are left out."""
    if not ids:
        return {}
    rows = await session.execute(_WIJKEN_BY_ID, {"ids": list(ids)})
    return {row.id: _wijk(row) for row in rows}


async def all_wijken(session: Any, *, active_only: bool = True) -> list[WijkInfo]:
    """Every wijk of the tenant, by code."""
    query = select(*_WIJK).order_by(Wijk.code)
    if active_only:
        query = query.where(Wijk.active.is_(True))
    return [_wijk(row) for row in await session.execute(query)]

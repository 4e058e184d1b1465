"""Core's part of the GraphQL schema: me, the tenant and its modules, partners, members, wijken."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import strawberry
from sqlalchemy import String, bindparam, cast, func, or_, select
from strawberry.scalars import JSON
from strawberry.types import Info

from core.access import validate_tenant_roles
from core.graphql.fields import container, field, input_data, mutation, readable_with, row_field, selected_columns, selected_node_fields, selected_node_subfields
from core.graphql.pagination import Connection, paginate
from core.graphql.roles import PartnerTypeEnum, RoleEnum, roles_of
from core.models import Membership, Partner, PartnerDomain, PartnerType, TenantStatus, Wijk
from core.services import coalition
from core.services import modules as module_service
from core.services.modules import ModuleState
from core.validation import parse_id

PartnerDomainEnum = strawberry.enum(PartnerDomain, name="PartnerDomain", description="Domein van een partnerorganisatie.")
TenantStatusEnum = strawberry.enum(TenantStatus, name="TenantStatus")


def given(input_object: Any, *, exclude: Sequence[str] = ("id",)) -> dict[str, Any]:
    """The fields of a patch input that were given (UNSET ones are left out)."""
    return input_data(input_object, exclude=exclude)


# -- types -----------------------------------------------------------------------------------


@readable_with("core.partner.read")
@strawberry.type(name="Partner", description="Partnerorganisatie van de coalitie.")
class PartnerNode:
    id: strawberry.ID
    name: str
    domain: PartnerDomainEnum  # type: ignore[valid-type]
    type: PartnerTypeEnum  # type: ignore[valid-type]
    contact_name: str | None
    email: str | None
    phone: str | None
    website: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    #: The partner's active members when they were read with its page (`partners`).
    member_rows: strawberry.Private[Sequence[Any] | None] = None

    @classmethod
    def from_row(cls, row: Partner, member_rows: Sequence[Any] | None = None) -> PartnerNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            domain=PartnerDomain(row.domain),
            type=PartnerType(row.type),
            contact_name=row.contact_name,
            email=row.email,
            phone=row.phone,
            website=row.website,
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
            member_rows=member_rows,
        )

    @field(permission="core.member.read", description="Actieve leden die bij deze organisatie werken.")
    def members(self, info: Info) -> list[Annotated[MemberNode, strawberry.lazy("core.graphql.core_schema")]]:
        # Read with the page: answered at once (no awaitable per partner). A partner answered
        # elsewhere (a member's partner, a payload) reads them batched: an awaitable.
        if self.member_rows is None:
            return self._loaded_members(info)  # type: ignore[return-value]
        return self._members(self.member_rows)

    async def _loaded_members(self, info: Info) -> list[MemberNode]:
        return self._members(await info.context.load(membership_rows_by_partner, uuid.UUID(self.id)))

    def _members(self, rows: Sequence[Any]) -> list[MemberNode]:
        # They work here: their partner is this one (`Member.partner` needs no read).
        return [MemberOfRow(row, self) for row in rows]


@readable_with("core.member.read")
@strawberry.type(name="Member", description="Lidmaatschap van een persoon bij deze gemeente.")
class MemberNode:
    id: strawberry.ID
    email: str
    display_name: str
    job_title: str | None
    roles: list[RoleEnum]
    active: bool
    created_at: dt.datetime
    partner_id: strawberry.Private[uuid.UUID | None]
    #: The node of the member's partner when the member was read through it.
    known_partner: strawberry.Private[PartnerNode | None] = None

    @classmethod
    def from_row(cls, row: Membership, partner: PartnerNode | None = None) -> MemberNode:
        """The node of a membership (an entity, or a row of its columns: `membership_rows_by_partner`)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            job_title=row.job_title,
            roles=roles_of(row.roles),
            active=row.active,
            created_at=row.created_at,
            partner_id=row.partner_id,
            known_partner=partner,
        )

    @field(permission="core.partner.read", description="De partnerorganisatie waar dit lid werkt.")
    def partner(self, info: Info) -> PartnerNode | None:
        # Read through its partner: that one. Else read batched: an awaitable.
        if self.partner_id is None:
            return None
        if self.known_partner is not None:
            return self.known_partner
        return self._loaded_partner(info)  # type: ignore[return-value]

    async def _loaded_partner(self, info: Info) -> PartnerNode | None:
        row = await info.context.load(partner_rows_by_id, self.partner_id)
        return PartnerNode.from_row(row) if row is not None else None


class PartnerOfRow(PartnerNode):
    """A `Partner` node over a row of a page: the columns its query asks for
    (`partner_columns`), each field read from the row when asked, nothing copied."""

    def __init__(self, row: Any, member_rows: Sequence[Any] | None = None) -> None:
        # Not the dataclass's __init__: the node holds its row (read only, it outlives no session).
        self.row = row
        self.member_rows = member_rows

    name = row_field("name")
    contact_name = row_field("contact_name")
    email = row_field("email")
    phone = row_field("phone")
    website = row_field("website")
    active = row_field("active")
    created_at = row_field("created_at")
    updated_at = row_field("updated_at")

    @property  # type: ignore[misc]
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @property  # type: ignore[misc]
    def domain(self) -> Any:
        return PartnerDomain(self.row.domain)

    @property  # type: ignore[misc]
    def type(self) -> Any:
        return PartnerType(self.row.type)


#: The columns each field of a `Partner` node reads; a page always reads the whole key and
#: its order (tenant_id, id, name). A field not listed here: the page reads whole entities.
PARTNER_COLUMNS: dict[str, tuple[Any, ...]] = {
    "__typename": (),
    "id": (),
    "name": (),
    "domain": (Partner.domain,),
    "type": (Partner.type,),
    "contactName": (Partner.contact_name,),
    "email": (Partner.email,),
    "phone": (Partner.phone,),
    "website": (Partner.website,),
    "active": (Partner.active,),
    "createdAt": (Partner.created_at,),
    "updatedAt": (Partner.updated_at,),
    "members": (),
}


@functools.lru_cache(maxsize=64)
def _partners_select(columns: tuple[Any, ...] | None) -> Any:
    """The select of a page of partners: of entities, or of `columns` (built once each: an
    unfiltered page's statement is then the same object every time, see `paginate`)."""
    return select(Partner) if columns is None else select(*columns)


@functools.lru_cache(maxsize=64)
def partner_columns(fields: frozenset[str] | None) -> tuple[Any, ...] | None:
    """The columns a page of partners reads for a query's `fields`, or None (whole entities)."""
    return selected_columns(fields, PARTNER_COLUMNS, always=(Partner.tenant_id, Partner.id, Partner.name))


class MemberOfRow(MemberNode):
    """A `Member` node over a row of `MEMBER_COLUMNS` (read only, it outlives no session):
    each field made from the row when the query asks for it, not all of them for every
    member of a page."""

    def __init__(self, row: Any, partner: PartnerNode | None = None) -> None:
        # Not the dataclass's __init__: the node holds its row, nothing is copied.
        self.row = row
        self.known_partner = partner

    email = row_field("email")
    display_name = row_field("display_name")
    job_title = row_field("job_title")
    active = row_field("active")
    created_at = row_field("created_at")
    partner_id = row_field("partner_id")

    @property  # type: ignore[misc]
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @property  # type: ignore[misc]
    def roles(self) -> list[Any]:
        return roles_of(self.row.roles)


@readable_with("core.wijk.read")
@strawberry.type(name="Wijk", description="Een CBS-wijk van de gemeente.")
class WijkNode:
    id: strawberry.ID
    code: str = strawberry.field(description="CBS-wijkcode, WK + 6 cijfers.")
    name: str
    active: bool

    @classmethod
    def from_row(cls, row: Wijk) -> WijkNode:
        return cls(id=strawberry.ID(str(row.id)), code=row.code, name=row.name, active=row.active)


@readable_with("core.module.read")
@strawberry.type(name="Module", description="Een module (handvat) en of die aan staat voor deze gemeente.")
class ModuleNode:
    key: str
    name: str
    description: str
    category: str
    version: str
    enabled: bool
    depends_on: list[str]
    enabled_at: dt.datetime | None
    stored_config: strawberry.Private[dict[str, Any]]
    stored_enabled_by: strawberry.Private[str | None]

    @field(permission="core.module.manage", description="De configuratie (alleen voor wie modules beheert).")
    def config(self) -> JSON | None:
        return self.stored_config

    @field(permission="core.module.manage", description="Wie de module aanzette (alleen voor wie modules beheert).")
    def enabled_by(self) -> str | None:
        return self.stored_enabled_by

    @classmethod
    def from_state(cls, state: ModuleState) -> ModuleNode:
        activation = state.activation
        return cls(
            key=state.module.key,
            name=state.module.meta.name,
            description=state.module.meta.description,
            category=state.module.meta.category,
            version=state.module.version,
            enabled=state.enabled,
            depends_on=list(state.module.meta.depends_on),
            enabled_at=activation.enabled_at if activation else None,
            stored_config=state.config,
            stored_enabled_by=activation.enabled_by if activation else None,
        )


@readable_with("core.tenant.read")
@strawberry.type(name="Tenant", description="De gemeente van dit endpoint.")
class TenantNode:
    id: strawberry.ID
    code: str = strawberry.field(description="CBS-gemeentecode, GM + 4 cijfers.")
    name: str
    slug: str
    status: TenantStatusEnum  # type: ignore[valid-type]
    created_at: dt.datetime

    @field(permission="core.module.read", description="Alle geïnstalleerde modules, aan of uit.")
    async def modules(self, info: Info) -> list[ModuleNode]:
        return [ModuleNode.from_state(state) for state in await module_service.module_states(info.context)]


@readable_with("core.me.read")
@strawberry.type(name="Me", description="Wie deze aanvraag doet.")
class MeNode:
    subject: str
    roles: list[RoleEnum]
    permissions: list[str]
    membership_id: strawberry.Private[uuid.UUID | None]

    @field(permission="core.me.read", description="Het eigen lidmaatschap bij deze gemeente (leeg voor een platformbeheerder).")
    async def member(self, info: Info) -> MemberNode | None:
        if self.membership_id is None:
            return None
        row = await coalition.get_member(info.context, self.membership_id)
        return MemberNode.from_row(row)


# -- DataLoaders (per request) -----------------------------------------------------------


#: What a `Member` node reads of a membership (`MemberNode.from_row`).
MEMBER_COLUMNS = (
    Membership.id, Membership.partner_id, Membership.email, Membership.display_name, Membership.job_title,
    Membership.roles, Membership.active, Membership.created_at,
)  # fmt: skip

#: The columns each field of a `Member` node over a row reads (`MemberOfRow`); its key and its
#: partner (by which a page's members are grouped) are always read.
MEMBER_FIELD_COLUMNS: dict[str, tuple[Any, ...]] = {
    "__typename": (),
    "id": (),
    "partner": (),
    "email": (Membership.email,),
    "displayName": (Membership.display_name,),
    "jobTitle": (Membership.job_title,),
    "roles": (Membership.roles,),
    "active": (Membership.active,),
    "createdAt": (Membership.created_at,),
}


@functools.lru_cache(maxsize=64)
def member_columns(fields: frozenset[str] | None) -> tuple[Any, ...]:
    """The columns the `Member` nodes of a query's `fields` read; all of `MEMBER_COLUMNS` for a
    selection that cannot be read or a field not listed."""
    return selected_columns(fields, MEMBER_FIELD_COLUMNS, always=(Membership.id, Membership.partner_id)) or MEMBER_COLUMNS


@functools.lru_cache(maxsize=64)
def member_rows_by_partner(columns: tuple[Any, ...]) -> Callable[[Any, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, list[Any]]]]:
    """The batch function (for `context.load`: one per set of columns, so one loader each)
    that reads the active members of partners, by name, as rows of `columns` (no entities:
    they are only read). Its statement is built once, the partners bound per call."""
    statement = (
        select(*columns)
        .where(Membership.partner_id.in_(bindparam("partner_ids", expanding=True)), Membership.active.is_(True))
        .order_by(Membership.display_name, Membership.id)
    )

    async def rows_by_partner(session: Any, partner_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
        rows = (await session.execute(statement, {"partner_ids": list(partner_ids)})).all()
        grouped: dict[uuid.UUID, list[Any]] = {partner_id: [] for partner_id in partner_ids}
        for row in rows:
            grouped[row.partner_id].append(row)
        return grouped

    return rows_by_partner


#: Every column of a member: for a partner whose members are read on their own.
membership_rows_by_partner = member_rows_by_partner(MEMBER_COLUMNS)


async def partner_rows_by_id(session: Any, partner_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Partner]:
    rows = (await session.execute(select(Partner).where(Partner.id.in_(partner_ids)))).scalars()
    return {row.id: row for row in rows}


# -- filters and inputs ------------------------------------------------------------------------


@strawberry.input
class PartnerFilter:
    active: bool | None = None
    domain: PartnerDomainEnum | None = None  # type: ignore[valid-type]
    type: PartnerTypeEnum | None = None  # type: ignore[valid-type]
    search: str | None = strawberry.field(default=None, description="Deel van de naam.")


@strawberry.input
class MemberFilter:
    active: bool | None = None
    partner_id: strawberry.ID | None = None
    role: RoleEnum | None = None
    search: str | None = strawberry.field(default=None, description="Deel van naam of e-mailadres.")


@strawberry.input
class WijkFilter:
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Deel van naam of code.")


@strawberry.input
class CreatePartnerInput:
    name: str
    domain: PartnerDomainEnum  # type: ignore[valid-type]
    type: PartnerTypeEnum  # type: ignore[valid-type]
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@strawberry.input
class UpdatePartnerInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    domain: PartnerDomainEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    type: PartnerTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    contact_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class IdInput:
    id: strawberry.ID


@strawberry.input
class CreateMemberInput:
    email: str
    display_name: str
    roles: list[RoleEnum]
    job_title: str | None = None
    partner_id: strawberry.ID | None = None


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    display_name: str | None = strawberry.UNSET
    roles: list[RoleEnum] | None = strawberry.UNSET
    job_title: str | None = strawberry.UNSET
    partner_id: strawberry.ID | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CreateWijkInput:
    code: str
    name: str


@strawberry.input
class UpdateWijkInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class ImportWijkenInput:
    csv: str = strawberry.field(description="CSV met de kolommen wijkcode en naam (komma of puntkomma).")


@strawberry.input
class EnableModuleInput:
    key: str
    config: JSON | None = strawberry.field(
        default=None,
        description="Configuratie; leeg: de standaardwaarden. Staat de module al aan, dan veranderen alleen de gegeven instellingen.",
    )


@strawberry.input
class ModuleKeyInput:
    key: str


@strawberry.input
class ConfigureModuleInput:
    key: str
    config: JSON = strawberry.field(description="De instellingen die veranderen; de andere blijven zoals ze zijn.")


@container
@strawberry.type
class PartnerPayload:
    partner: PartnerNode


@container
@strawberry.type
class MemberPayload:
    member: MemberNode


@container
@strawberry.type
class WijkPayload:
    wijk: WijkNode


@container
@strawberry.type
class ImportWijkenPayload:
    created: int
    updated: int
    unchanged: int
    wijken: list[WijkNode]


@container
@strawberry.type
class ModulePayload:
    module: ModuleNode


async def _partner_nodes(
    info: Info, rows: list[Any], fields: frozenset[str] | None, member_columns: tuple[Any, ...], *, as_rows: bool
) -> list[PartnerNode]:
    """A page of partners (entities, or rows of some columns: `as_rows`); their members (rows
    of `member_columns`) read with it, in one batch, when the query asks for them on the
    nodes (`fields`, None: it cannot be told, so read them) and may see them (`members`
    checks the permission itself, as always). When that read fails, each partner's
    `members` reads them itself and answers the error at its own path, as without this
    (the rest of the page keeps its data)."""
    members: dict[uuid.UUID, Any] = {}
    if (fields is None or "members" in fields) and info.context.principal.has("core.member.read"):
        ids = [row.id for row in rows]
        fetch = member_rows_by_partner(member_columns)
        try:
            members = dict(zip(ids, await info.context.load_many(fetch, ids), strict=True))
        except Exception:  # noqa: BLE001 - answered per partner, see above
            members = {}
    if as_rows:
        return [PartnerOfRow(row, members.get(row.id)) for row in rows]
    return [PartnerNode.from_row(row, members.get(row.id)) for row in rows]


def _search(term: str | None) -> str | None:
    term = (term or "").strip().lower()
    return f"%{term.replace('%', '').replace('_', '')}%" if term else None


# -- root fields -------------------------------------------------------------------------------


@strawberry.type
class CoreQuery:
    @field(permission="core.me.read", description="Wie deze aanvraag doet, met rollen en rechten.")
    async def me(self, info: Info) -> MeNode:
        principal = info.context.principal
        return MeNode(
            subject=principal.subject,
            roles=roles_of(sorted(principal.roles)),
            permissions=sorted(principal.permissions),
            membership_id=principal.membership_id,
        )

    @field(permission="core.tenant.read", description="De gemeente van dit endpoint.")
    async def tenant(self, info: Info) -> TenantNode:
        row = info.context.tenant_row
        return TenantNode(
            id=strawberry.ID(str(row.id)),
            code=row.code,
            name=row.name,
            slug=row.slug,
            status=TenantStatus(row.status),
            created_at=row.created_at,
        )

    @field(permission="core.partner.read", description="Partnerorganisaties, op naam.")
    async def partners(
        self, info: Info, first: int | None = None, after: str | None = None, filter: PartnerFilter | None = None
    ) -> Connection[PartnerNode]:
        # Only the columns the query asks for, as rows (nodes over them), when it can be told.
        fields = selected_node_fields(info, connection=True)
        member_fields = selected_node_subfields(info, "members", connection=True) if fields is not None and "members" in fields else None
        if member_fields is not None and "partner" in member_fields:
            # A member's `partner` is the page's own node, and its `members` the page's rows:
            # what a query asks there is read from them, so they hold every column.
            fields = member_fields = None
        columns = partner_columns(fields)
        statement = _partners_select(columns)
        if filter is not None:
            if filter.active is not None:
                statement = statement.where(Partner.active.is_(filter.active))
            if filter.domain is not None:
                statement = statement.where(Partner.domain == filter.domain.value)
            if filter.type is not None:
                statement = statement.where(Partner.type == filter.type.value)
            if pattern := _search(filter.search):
                statement = statement.where(func.lower(Partner.name).like(pattern))
        return await paginate(
            info.context.session,
            statement,
            order_by=[Partner.name, Partner.id],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_nodes=lambda rows: _partner_nodes(info, rows, fields, member_columns(member_fields), as_rows=columns is not None),
            as_rows=columns is not None,
        )

    @field(permission="core.partner.read")
    async def partner(self, info: Info, id: strawberry.ID) -> PartnerNode:
        return PartnerNode.from_row(await coalition.get_partner(info.context, id))

    @field(permission="core.member.read", description="Leden, op naam.")
    async def members(
        self, info: Info, first: int | None = None, after: str | None = None, filter: MemberFilter | None = None
    ) -> Connection[MemberNode]:
        statement = select(Membership)
        if filter is not None:
            if filter.active is not None:
                statement = statement.where(Membership.active.is_(filter.active))
            if filter.partner_id is not None:
                statement = statement.where(
                    Membership.partner_id == parse_id(filter.partner_id, "filter.partnerId")
                )
            if pattern := _search(filter.search):
                statement = statement.where(
                    or_(func.lower(Membership.display_name).like(pattern), Membership.email.like(pattern))
                )
            if filter.role:
                role = filter.role.value
                validate_tenant_roles([role], field_name="filter.role")
                # Roles are a JSON list of known names; its text holds each as "name".
                statement = statement.where(cast(Membership.roles, String).like(f'%"{role}"%'))
        return await paginate(
            info.context.session,
            statement,
            order_by=[Membership.display_name, Membership.id],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=MemberNode.from_row,
        )

    @field(permission="core.member.read")
    async def member(self, info: Info, id: strawberry.ID) -> MemberNode:
        return MemberNode.from_row(await coalition.get_member(info.context, id))

    @field(permission="core.wijk.read", description="Wijken, op code.")
    async def wijken(
        self, info: Info, first: int | None = None, after: str | None = None, filter: WijkFilter | None = None
    ) -> Connection[WijkNode]:
        statement = select(Wijk)
        if filter is not None:
            if filter.active is not None:
                statement = statement.where(Wijk.active.is_(filter.active))
            if pattern := _search(filter.search):
                statement = statement.where(or_(func.lower(Wijk.name).like(pattern), func.lower(Wijk.code).like(pattern)))
        return await paginate(
            info.context.session,
            statement,
            order_by=[Wijk.code, Wijk.id],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=WijkNode.from_row,
        )

    @field(permission="core.wijk.read")
    async def wijk(self, info: Info, id: strawberry.ID) -> WijkNode:
        return WijkNode.from_row(await coalition.get_wijk(info.context, id))


@strawberry.type
class CoreMutation:
    @mutation(permission="core.partner.manage", description="Een partnerorganisatie toevoegen.")
    async def create_partner(self, info: Info, input: CreatePartnerInput) -> PartnerPayload:
        row = await coalition.create_partner(info.context, given(input, exclude=()))
        return PartnerPayload(partner=PartnerNode.from_row(row))

    @mutation(permission="core.partner.manage", description="Een partnerorganisatie wijzigen (alleen de opgegeven velden).")
    async def update_partner(self, info: Info, input: UpdatePartnerInput) -> PartnerPayload:
        row = await coalition.update_partner(info.context, input.id, given(input))
        return PartnerPayload(partner=PartnerNode.from_row(row))

    @mutation(permission="core.partner.manage", description="Een partnerorganisatie op niet-actief zetten; de gegevens blijven.")
    async def deactivate_partner(self, info: Info, input: IdInput) -> PartnerPayload:
        row = await coalition.deactivate_partner(info.context, input.id)
        return PartnerPayload(partner=PartnerNode.from_row(row))

    @mutation(permission="core.member.manage", description="Iemand lid maken van deze gemeente, met rollen.")
    async def create_member(self, info: Info, input: CreateMemberInput) -> MemberPayload:
        row = await coalition.create_member(info.context, given(input, exclude=()))
        return MemberPayload(member=MemberNode.from_row(row))

    @mutation(permission="core.member.manage", description="Een lid wijzigen (alleen de opgegeven velden).")
    async def update_member(self, info: Info, input: UpdateMemberInput) -> MemberPayload:
        row = await coalition.update_member(info.context, input.id, given(input))
        return MemberPayload(member=MemberNode.from_row(row))

    @mutation(permission="core.member.manage", description="Een lidmaatschap beëindigen; de persoon kan niet meer inloggen bij deze gemeente.")
    async def deactivate_member(self, info: Info, input: IdInput) -> MemberPayload:
        row = await coalition.deactivate_member(info.context, input.id)
        return MemberPayload(member=MemberNode.from_row(row))

    @mutation(permission="core.wijk.manage", description="Een wijk toevoegen.")
    async def create_wijk(self, info: Info, input: CreateWijkInput) -> WijkPayload:
        row = await coalition.create_wijk(info.context, given(input, exclude=()))
        return WijkPayload(wijk=WijkNode.from_row(row))

    @mutation(permission="core.wijk.manage", description="Een wijk hernoemen of (de)activeren.")
    async def update_wijk(self, info: Info, input: UpdateWijkInput) -> WijkPayload:
        row = await coalition.update_wijk(info.context, input.id, given(input))
        return WijkPayload(wijk=WijkNode.from_row(row))

    @mutation(permission="core.wijk.manage", description="Een wijk op niet-actief zetten.")
    async def deactivate_wijk(self, info: Info, input: IdInput) -> WijkPayload:
        row = await coalition.deactivate_wijk(info.context, input.id)
        return WijkPayload(wijk=WijkNode.from_row(row))

    @mutation(permission="core.wijk.manage", description="Wijken importeren uit CSV (toevoegen of hernoemen). Eén foute regel: niets opgeslagen.")
    async def import_wijken(self, info: Info, input: ImportWijkenInput) -> ImportWijkenPayload:
        result = await coalition.import_wijken(info.context, input.csv)
        return ImportWijkenPayload(
            created=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
            wijken=[WijkNode.from_row(row) for row in result.created + result.updated],
        )

    @mutation(permission="core.module.manage", description="Een module aanzetten voor deze gemeente.")
    async def enable_module(self, info: Info, input: EnableModuleInput) -> ModulePayload:
        state = await module_service.enable_module(info.context, input.key, input.config)
        return ModulePayload(module=ModuleNode.from_state(state))

    @mutation(permission="core.module.manage", description="Een module uitzetten; de gegevens van de module blijven bewaard.")
    async def disable_module(self, info: Info, input: ModuleKeyInput) -> ModulePayload:
        state = await module_service.disable_module(info.context, input.key)
        return ModulePayload(module=ModuleNode.from_state(state))

    @mutation(permission="core.module.manage", description="De configuratie van een module wijzigen.")
    async def configure_module(self, info: Info, input: ConfigureModuleInput) -> ModulePayload:
        state = await module_service.configure_module(info.context, input.key, input.config)
        return ModulePayload(module=ModuleNode.from_state(state))

"""Core's GraphQL for access: invitations, API client grants, the gemeente's identity
provider and its login policy. All of it is for the coalition admin."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core.db import utcnow
from core.graphql.fields import container, field, input_data, mutation, readable_with
from core.graphql.pagination import Connection, paginate, paginate_list
from core.graphql.roles import RoleEnum, roles_of
from core.identity import clients as client_service
from core.identity import invitations as invitation_service
from core.identity import providers as provider_service
from core.identity.models import ApiClient, ClientGrant, IdentityProvider, Invitation
from core.models import Tenant


@strawberry.enum(name="InvitationStatus", description="Waar een uitnodiging staat.")
class InvitationStatus(enum.Enum):
    OPEN = strawberry.enum_value("open", description="Nog niet gebruikt en niet verlopen.")
    ACCEPTED = strawberry.enum_value("aangenomen", description="Aangenomen: de persoon is lid.")
    REVOKED = strawberry.enum_value("ingetrokken", description="Ingetrokken door een coalitieregisseur.")
    EXPIRED = strawberry.enum_value("verlopen", description="Verlopen zonder te zijn gebruikt.")


@readable_with("core.member.manage")
@strawberry.type(name="Invitation", description="Een uitnodiging om lid te worden van deze gemeente.")
class InvitationNode:
    id: strawberry.ID
    email: str
    display_name: str
    roles: list[RoleEnum]
    invited_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @strawberry.field(description="Waar de uitnodiging staat.")
    def status(self) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        return InvitationStatus.EXPIRED if self.expires_at <= utcnow() else InvitationStatus.OPEN

    @classmethod
    def from_row(cls, row: Invitation) -> InvitationNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            roles=roles_of(row.roles),
            invited_by=row.invited_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            accepted_at=row.accepted_at,
            revoked_at=row.revoked_at,
        )


@readable_with("core.client.manage")
@strawberry.type(name="ApiClientGrant", description="Toegang van een API-client (een systeem) tot deze gemeente.")
class ApiClientGrantNode:
    client_id: str
    client_name: str
    scopes: list[str]
    granted_by: str
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    client_active: bool

    @classmethod
    def from_rows(cls, grant: ClientGrant, client: ApiClient) -> ApiClientGrantNode:
        return cls(
            client_id=client.client_id,
            client_name=client.name,
            scopes=list(grant.scopes),
            granted_by=grant.granted_by,
            granted_at=grant.granted_at,
            revoked_at=grant.revoked_at,
            last_used_at=grant.last_used_at,
            client_active=client.active,
        )


@readable_with("core.identity.manage")
@strawberry.type(name="IdentityProvider", description="De eigen inlogvoorziening (OpenID Connect) van de gemeente.")
class IdentityProviderNode:
    issuer: str
    metadata_url: str
    client_id: str
    client_secret_env: str = strawberry.field(description="De omgevingsvariabele met het client secret (het secret zelf staat niet in de database).")
    scopes: str
    email_claim: str
    name_claim: str
    allowed_email_domains: list[str]
    jit_provisioning: bool
    enabled: bool
    login_url: str

    @classmethod
    def from_row(cls, row: IdentityProvider, login_url: str) -> IdentityProviderNode:
        return cls(
            issuer=row.issuer,
            metadata_url=row.metadata_url,
            client_id=row.client_id,
            client_secret_env=row.client_secret_env,
            scopes=row.scopes,
            email_claim=row.email_claim,
            name_claim=row.name_claim,
            allowed_email_domains=list(row.allowed_email_domains),
            jit_provisioning=row.jit_provisioning,
            enabled=row.enabled,
            login_url=login_url,
        )


@readable_with("core.identity.manage")
@strawberry.type(name="LoginPolicy", description="Hoe leden van deze gemeente inloggen.")
class LoginPolicyNode:
    mfa_required_for_all: bool = strawberry.field(description="Tweestapsverificatie voor iedereen (voor coalitieregisseurs altijd).")


@strawberry.input
class InviteMemberInput:
    email: str
    display_name: str
    roles: list[RoleEnum]
    job_title: str | None = None
    partner_id: strawberry.ID | None = None


@strawberry.input
class RevokeInvitationInput:
    id: strawberry.ID


@strawberry.input
class GrantApiClientInput:
    client_id: str
    scopes: list[str]


@strawberry.input
class RevokeApiClientInput:
    client_id: str


@strawberry.input
class ConfigureIdentityProviderInput:
    issuer: str
    metadata_url: str
    client_id: str
    client_secret_env: str
    scopes: str = "openid email profile"
    email_claim: str = "email"
    name_claim: str = "name"
    allowed_email_domains: list[str] = strawberry.field(default_factory=list)
    jit_provisioning: bool = False
    enabled: bool = True


@strawberry.input
class UpdateLoginPolicyInput:
    mfa_required_for_all: bool


@container
@strawberry.type
class InvitationPayload:
    invitation: InvitationNode


@container
@strawberry.type
class ApiClientGrantPayload:
    grant: ApiClientGrantNode


@container
@strawberry.type
class IdentityProviderPayload:
    identity_provider: IdentityProviderNode


@container
@strawberry.type
class LoginPolicyPayload:
    login_policy: LoginPolicyNode


def _login_url(info: Info) -> str:
    return f"{info.context.settings.issuer}/t/{info.context.tenant.slug}/auth/oidc/login"


@strawberry.type
class AccessQuery:
    @field(permission="core.member.manage", description="Uitnodigingen, nieuwste eerst.")
    async def invitations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[InvitationNode]:
        return await paginate(
            info.context.session,
            select(Invitation),
            order_by=[Invitation.created_at, Invitation.id],
            descending=True,
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=InvitationNode.from_row,
        )

    @field(permission="core.client.manage", description="API-clients met toegang tot deze gemeente.")
    async def api_client_grants(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiClientGrantNode]:
        grants = [ApiClientGrantNode.from_rows(grant, client) for grant, client in await client_service.grants(info.context)]
        return await paginate_list(grants, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size)

    @field(permission="core.identity.manage", description="De inlogvoorziening van de gemeente, als die is ingesteld.")
    async def identity_provider(self, info: Info) -> IdentityProviderNode | None:
        row = await provider_service.provider_of(info.context.session)
        return IdentityProviderNode.from_row(row, _login_url(info)) if row else None

    @field(permission="core.identity.manage", description="Het inlogbeleid van de gemeente.")
    async def login_policy(self, info: Info) -> LoginPolicyNode:
        tenant = await info.context.session.get(Tenant, info.context.tenant.id)
        return LoginPolicyNode(mfa_required_for_all=tenant.mfa_required_for_all)


@strawberry.type
class AccessMutation:
    @mutation(permission="core.member.manage", description="Iemand per e-mail uitnodigen voor een rol (de link is eenmalig en verloopt).")
    async def invite_member(self, info: Info, input: InviteMemberInput) -> InvitationPayload:
        data: dict[str, Any] = input_data(input)
        row = await invitation_service.invite(info.context, data)
        return InvitationPayload(invitation=InvitationNode.from_row(row))

    @mutation(permission="core.member.manage", description="Een openstaande uitnodiging intrekken.")
    async def revoke_invitation(self, info: Info, input: RevokeInvitationInput) -> InvitationPayload:
        row = await invitation_service.revoke(info.context, input.id)
        return InvitationPayload(invitation=InvitationNode.from_row(row))

    @mutation(permission="core.client.manage", description="Een API-client toegang geven tot deze gemeente, met scopes.")
    async def grant_api_client(self, info: Info, input: GrantApiClientInput) -> ApiClientGrantPayload:
        grant, client = await client_service.grant_client(info.context, info.context.registry, input.client_id, input.scopes)
        return ApiClientGrantPayload(grant=ApiClientGrantNode.from_rows(grant, client))

    @mutation(permission="core.client.manage", description="De toegang van een API-client intrekken (direct van kracht).")
    async def revoke_api_client(self, info: Info, input: RevokeApiClientInput) -> ApiClientGrantPayload:
        grant, client = await client_service.revoke_grant(info.context, input.client_id)
        return ApiClientGrantPayload(grant=ApiClientGrantNode.from_rows(grant, client))

    @mutation(permission="core.identity.manage", description="De inlogvoorziening (OpenID Connect) van de gemeente instellen.")
    async def configure_identity_provider(self, info: Info, input: ConfigureIdentityProviderInput) -> IdentityProviderPayload:
        row = await provider_service.configure(info.context, dict(vars(input)))
        return IdentityProviderPayload(identity_provider=IdentityProviderNode.from_row(row, _login_url(info)))

    @mutation(permission="core.identity.manage", description="Het inlogbeleid wijzigen (tweestapsverificatie voor iedereen).")
    async def update_login_policy(self, info: Info, input: UpdateLoginPolicyInput) -> LoginPolicyPayload:
        tenant = await info.context.session.get(Tenant, info.context.tenant.id)
        tenant.mfa_required_for_all = input.mfa_required_for_all
        await info.context.session.flush()
        return LoginPolicyPayload(login_policy=LoginPolicyNode(mfa_required_for_all=tenant.mfa_required_for_all))


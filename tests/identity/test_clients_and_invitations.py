"""Machines (client credentials, per-tenant grants with scopes) and invitations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.identity import clients as client_service
from core.identity.models import ApiClient
from core.platform import Platform
from tests.conftest import Api, World
from tests.support import mail

ADMIN = World.email("coalition_admin", "utrecht")
BOSCH_ADMIN = World.email("coalition_admin", "s-hertogenbosch")
SCOPES = ["core.partner.read", "core.wijk.read", "core.member.read"]
GRANT = "mutation($c: String!, $s: [String!]!) { grantApiClient(input: {clientId: $c, scopes: $s}) { grant { clientId scopes } } }"


@pytest.fixture
async def client(platform: Platform, world: World) -> tuple[str, str]:
    async with platform.session(None) as session:
        created = await client_service.create_client(session, platform.permissions, name="DWH", allowed_scopes=SCOPES)
        await session.commit()
    return created.client.client_id, created.secret


async def token(api: Api, client_id: str, secret: str, **form: str) -> tuple[int, dict]:
    response = await api.client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, auth=(client_id, secret)
    )
    return response.status_code, response.json()


async def test_client_credentials_for_the_granted_tenant_only(api: Api, world: World, client: tuple[str, str]) -> None:
    client_id, secret = client
    refused = await token(api, client_id, secret, tenant="utrecht")
    assert refused == (400, {"error": "invalid_target", "error_description": "This gemeente has not granted access to this client."})
    (await api.gql("utrecht", GRANT, {"c": client_id, "s": ["core.partner.read", "core.wijk.read"]}, user=ADMIN)).ok()

    status, body = await token(api, client_id, secret, tenant="utrecht")
    assert status == 200 and body["scope"] == "core.partner.read core.wijk.read" and "refresh_token" not in body
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    read = await api.client.post("/t/utrecht/graphql", json={"query": "{ partners { totalCount } wijken { totalCount } }"}, headers=headers)
    assert read.json() == {"data": {"partners": {"totalCount": 0}, "wijken": {"totalCount": 0}}}
    # Not granted: members (a scope the client may hold, but this tenant did not grant).
    members = await api.client.post("/t/utrecht/graphql", json={"query": "{ members { totalCount } }"}, headers=headers)
    assert members.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Never at another tenant.
    other = await api.client.post("/t/s-hertogenbosch/graphql", json={"query": "{ partners { totalCount } }"}, headers=headers)
    assert other.status_code == 403
    assert (await token(api, client_id, secret, tenant="s-hertogenbosch"))[1]["error"] == "invalid_target"
    # A narrower scope is fine; a wider one is invalid_scope.
    narrow = await token(api, client_id, secret, tenant="utrecht", scope="core.wijk.read")
    assert narrow[0] == 200 and narrow[1]["scope"] == "core.wijk.read"
    wide = await token(api, client_id, secret, tenant="utrecht", scope="core.wijk.read core.member.read")
    assert wide == (400, {"error": "invalid_scope", "error_description": "The requested scope exceeds what this gemeente granted."})


async def test_client_secrets_and_unknown_clients(api: Api, world: World, client: tuple[str, str], platform: Platform) -> None:
    client_id, secret = client
    (await api.gql("utrecht", GRANT, {"c": client_id, "s": ["core.partner.read"]}, user=ADMIN)).ok()
    assert (await token(api, client_id, "wrong", tenant="utrecht"))[1]["error"] == "invalid_client"
    assert (await token(api, "kc_unknown", secret, tenant="utrecht"))[1]["error"] == "invalid_client"
    posted = await api.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "tenant": "utrecht", "client_id": client_id, "client_secret": secret},
    )
    assert posted.status_code == 200
    missing_tenant = await token(api, client_id, secret)
    assert missing_tenant[1]["error"] == "invalid_request"
    async with platform.session(None) as session:
        stored = (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one()
    assert stored.secret_hash != secret and len(stored.secret_hash) == 64 and stored.last_used_at is not None


async def test_revoking_takes_effect_at_once(api: Api, world: World, client: tuple[str, str], platform: Platform) -> None:
    client_id, secret = client
    (await api.gql("utrecht", GRANT, {"c": client_id, "s": ["core.partner.read"]}, user=ADMIN)).ok()
    access = (await token(api, client_id, secret, tenant="utrecht"))[1]["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    revoke = 'mutation($c: String!) { revokeApiClient(input: {clientId: $c}) { grant { revokedAt } } }'
    (await api.gql("utrecht", revoke, {"c": client_id}, user=ADMIN)).ok()
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ partners { totalCount } }"}, headers=headers)
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "NOT_GRANTED"
    assert (await token(api, client_id, secret, tenant="utrecht"))[1]["error"] == "invalid_target"
    # The operator can revoke the client everywhere.
    (await api.gql("utrecht", GRANT, {"c": client_id, "s": ["core.partner.read"]}, user=ADMIN)).ok()
    async with platform.session(None) as session:
        await client_service.revoke_client(session, client_id)
        await session.commit()
    assert (await token(api, client_id, secret, tenant="utrecht"))[1]["error"] == "invalid_client"


async def test_grants_are_per_tenant_and_listed(api: Api, world: World, client: tuple[str, str]) -> None:
    client_id, secret = client
    (await api.gql("utrecht", GRANT, {"c": client_id, "s": ["core.partner.read"]}, user=ADMIN)).ok()
    (await api.gql("s-hertogenbosch", GRANT, {"c": client_id, "s": ["core.wijk.read"]}, user=BOSCH_ADMIN)).ok()
    assert (await token(api, client_id, secret, tenant="utrecht"))[1]["scope"] == "core.partner.read"
    assert (await token(api, client_id, secret, tenant="s-hertogenbosch"))[1]["scope"] == "core.wijk.read"
    listed = (await api.gql("utrecht", "{ apiClientGrants { nodes { clientId clientName scopes lastUsedAt } } }", user=ADMIN)).ok()
    assert listed["apiClientGrants"]["nodes"][0]["clientName"] == "DWH" and listed["apiClientGrants"]["nodes"][0]["lastUsedAt"]
    assert listed["apiClientGrants"]["nodes"][0]["scopes"] == ["core.partner.read"]


@pytest.mark.parametrize(
    ("scopes", "code"),
    [(["core.tenant.read"], "INVALID_SCOPE"), (["core.nothing.here"], "VALIDATION_FAILED"), ([], "VALIDATION_FAILED")],
)
async def test_grant_beyond_the_client_is_refused(api: Api, world: World, client: tuple[str, str], scopes: list[str], code: str) -> None:
    response = await api.gql("utrecht", GRANT, {"c": client[0], "s": scopes}, user=ADMIN)
    assert response.codes == [code] and response.errors[0]["extensions"]["field"] == "input.scopes"


async def test_only_admins_grant(api: Api, world: World, client: tuple[str, str]) -> None:
    response = await api.gql("utrecht", GRANT, {"c": client[0], "s": ["core.partner.read"]}, user=World.email("professional", "utrecht"))
    assert response.codes == ["FORBIDDEN"]


INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id email roles status expiresAt } } }"""


def sent_token(email: str) -> str:
    """The one-time token from the invitation mail (sent through the pluggable sender)."""
    for message in reversed(mail.OUTBOX):
        if message["To"] == email:
            match = re.search(r"#token=([A-Za-z0-9_\-]+)", message.get_content())
            assert match, message.get_content()
            assert message["Subject"] == "Uitnodiging: Kansrijke Start Utrecht"
            return match.group(1)
    raise AssertionError(f"no invitation mail to {email}")


async def test_invitation_lifecycle(api: Api, world: World) -> None:
    invited = await api.gql("utrecht", INVITE, {"input": {"email": "Nieuw@JGZ.example", "displayName": "Nieuwe", "roles": ["PROFESSIONAL"]}}, user=ADMIN)
    invitation = invited.ok()["inviteMember"]["invitation"]
    assert invitation["email"] == "nieuw@jgz.example" and invitation["status"] == "OPEN"
    secret = sent_token("nieuw@jgz.example")
    weak = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "password1234"})
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    accepted = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "lantaarnpaal-vlinder-koffie-8"})
    assert accepted.status_code == 200 and "access_token" in accepted.json()
    me = await api.client.post(
        "/t/utrecht/graphql", json={"query": "{ me { subject roles } }"}, headers={"Authorization": f"Bearer {accepted.json()['access_token']}"}
    )
    assert me.json()["data"]["me"] == {"subject": "nieuw@jgz.example", "roles": ["PROFESSIONAL"]}
    again = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "lantaarnpaal-vlinder-koffie-8"})
    assert again.status_code == 400 and again.json()["code"] == "INVITATION_INVALID"
    listed = (await api.gql("utrecht", "{ invitations { nodes { email status } } }", user=ADMIN)).ok()
    assert listed["invitations"]["nodes"] == [{"email": "nieuw@jgz.example", "status": "ACCEPTED"}]


async def test_existing_account_must_prove_itself(api: Api, world: World, platform: Platform) -> None:
    """A person with an account (here: in 's-Hertogenbosch) accepts with their own password."""
    from tests.identity.test_login import give_password

    bosch_pro = World.email("professional", "s-hertogenbosch")
    await give_password(platform, bosch_pro, "molenwiek-sterrenhemel-fluit-3")
    (await api.gql("utrecht", INVITE, {"input": {"email": bosch_pro, "displayName": "Ook in Utrecht", "roles": ["ANALYST"]}}, user=ADMIN)).ok()
    secret = sent_token(bosch_pro)
    wrong = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "iets-anders-helemaal-9"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "LOGIN_FAILED"
    right = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "molenwiek-sterrenhemel-fluit-3"})
    assert right.status_code == 200


async def test_expired_revoked_and_foreign_invitations(api: Api, world: World, platform: Platform) -> None:
    created = (await api.gql("utrecht", INVITE, {"input": {"email": "a@b.example", "displayName": "A", "roles": ["ANALYST"]}}, user=ADMIN)).ok()
    secret = sent_token("a@b.example")
    # Another gemeente's endpoint does not know the token.
    foreign = await api.client.post("/t/s-hertogenbosch/auth/invitations/accept", json={"token": secret, "password": "lantaarnpaal-vlinder-koffie-8"})
    assert foreign.status_code == 400 and foreign.json()["code"] == "INVITATION_INVALID"
    revoke = 'mutation($id: ID!) { revokeInvitation(input: {id: $id}) { invitation { status } } }'
    revoked = (await api.gql("utrecht", revoke, {"id": created["inviteMember"]["invitation"]["id"]}, user=ADMIN)).ok()
    assert revoked["revokeInvitation"]["invitation"]["status"] == "REVOKED"
    refused = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "lantaarnpaal-vlinder-koffie-8"})
    assert refused.json()["code"] == "INVITATION_INVALID"
    (await api.gql("utrecht", INVITE, {"input": {"email": "c@d.example", "displayName": "C", "roles": ["ANALYST"]}}, user=ADMIN)).ok()
    secret = sent_token("c@d.example")
    from core.identity.models import Invitation
    from core.tenancy import TenantContext

    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        for row in (await session.execute(select(Invitation))).scalars():
            row.expires_at = row.expires_at.replace(year=2000)
        await session.commit()
    expired = await api.client.post("/t/utrecht/auth/invitations/accept", json={"token": secret, "password": "lantaarnpaal-vlinder-koffie-8"})
    assert expired.json()["code"] == "INVITATION_INVALID"


@pytest.mark.parametrize(
    ("input_", "code", "field"),
    [
        ({"email": "geen-adres", "displayName": "X", "roles": ["ANALYST"]}, "VALIDATION_FAILED", "input.email"),
        ({"email": "x@y.example", "displayName": "X", "roles": ["KONING"]}, "GRAPHQL_VALIDATION_FAILED", None),
        ({"email": "analyst@utrecht.example", "displayName": "X", "roles": ["ANALYST"]}, "CONFLICT", "input.email"),
    ],
)
async def test_bad_invitations(api: Api, world: World, input_: dict, code: str, field: str) -> None:
    response = await api.gql("utrecht", INVITE, {"input": input_}, user=ADMIN)
    assert response.codes == [code] and response.errors[0]["extensions"].get("field") == field
    assert (await api.gql("utrecht", "{ invitations { totalCount } }", user=ADMIN)).ok() == {"invitations": {"totalCount": 0}}

"""Login with a gemeente's own identity provider: a real OpenID Connect provider runs on
loopback (oidc-provider-mock, built on authlib), and the whole code flow goes through it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import oidc_provider_mock
import pytest

from tests.conftest import Api, World

SECRET_ENV = "OIDC_GM0344_CLIENT_SECRET"
CONFIGURE = """
mutation($input: ConfigureIdentityProviderInput!) {
  configureIdentityProvider(input: $input) { identityProvider { issuer loginUrl jitProvisioning } }
}"""


@pytest.fixture(scope="session")
def provider_url() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def set_user(provider_url: str, sub: str, **claims: object) -> None:
    response = httpx.put(f"{provider_url}/users/{sub}", json=claims)
    assert response.status_code == 204


async def configure(api: Api, slug: str, provider_url: str, **overrides: object) -> dict:
    variables = {
        "input": {
            "issuer": provider_url,
            "metadataUrl": f"{provider_url}/.well-known/openid-configuration",
            "clientId": f"kansrijk-{slug}",
            "clientSecretEnv": SECRET_ENV,
            "allowedEmailDomains": [f"{slug}.example"],
            **overrides,
        }
    }
    response = await api.gql(slug, CONFIGURE, variables, user=World.email("coalition_admin", slug))
    return response.ok()["configureIdentityProvider"]["identityProvider"]


@pytest.fixture
async def utrecht_idp(api: Api, world: World, provider_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, "client-secret")
    await configure(api, "utrecht", provider_url)
    set_user(provider_url, "sub-professional", email="professional@utrecht.example", email_verified=True, name="Pro")
    return provider_url


async def start(api: Api, slug: str = "utrecht") -> str:
    response = await api.client.get(f"/t/{slug}/auth/oidc/login")
    assert response.status_code == 302, response.text
    return response.headers["location"]


def consent(authorize_url: str, sub: str) -> str:
    """The person logs in at the provider; it sends the browser back with a code."""
    response = httpx.post(authorize_url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def callback(api: Api, location: str, *, slug: str | None = None) -> httpx.Response:
    parts = urlsplit(location)
    path = parts.path if slug is None else f"/t/{slug}/auth/oidc/callback"
    return await api.client.get(f"{path}?{parts.query}")


async def test_login_with_the_gemeente_provider(api: Api, utrecht_idp: str) -> None:
    authorize_url = await start(api)
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"] and query["scope"] == ["openid email profile"]
    response = await callback(api, consent(authorize_url, "sub-professional"))
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert response.headers["cache-control"] == "no-store"
    me = await api.client.post(
        "/t/utrecht/graphql",
        json={"query": "{ me { subject roles } }"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert me.json() == {"data": {"me": {"subject": "professional@utrecht.example", "roles": ["PROFESSIONAL"]}}}
    # The second login finds the person by (tenant, issuer, subject).
    again = await callback(api, consent(await start(api), "sub-professional"))
    assert again.status_code == 200 and "access_token" in again.json()


async def test_wrong_state_is_refused(api: Api, utrecht_idp: str) -> None:
    location = consent(await start(api), "sub-professional")
    parts = urlsplit(location)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = "forged-state"
    response = await callback(api, urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 401 and response.json()["code"] == "OIDC_LOGIN_FAILED"


async def test_replayed_code_is_refused(api: Api, utrecht_idp: str) -> None:
    location = consent(await start(api), "sub-professional")
    assert (await callback(api, location)).status_code == 200
    assert (await callback(api, location)).status_code == 401  # its state is used up
    # The same code with a fresh state: the provider refuses it the second time.
    fresh = urlsplit(await start(api))
    fresh_state = parse_qs(fresh.query)["state"][0]
    old = urlsplit(location)
    query = {key: values[0] for key, values in parse_qs(old.query).items()} | {"state": fresh_state}
    response = await callback(api, urlunsplit(old._replace(query=urlencode(query))))
    assert response.status_code == 401 and response.json()["code"] == "OIDC_LOGIN_FAILED"


async def test_state_of_another_tenant_is_refused(api: Api, utrecht_idp: str, provider_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_GM0796_CLIENT_SECRET", "client-secret")
    await configure(api, "s-hertogenbosch", provider_url, clientSecretEnv="OIDC_GM0796_CLIENT_SECRET")
    location = consent(await start(api, "utrecht"), "sub-professional")
    response = await callback(api, location, slug="s-hertogenbosch")
    assert response.status_code == 401 and response.json()["code"] == "OIDC_LOGIN_FAILED"


async def test_wrong_nonce_is_refused(api: Api, utrecht_idp: str) -> None:
    parts = urlsplit(await start(api))
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | {"nonce": "attacker-nonce"}
    location = consent(urlunsplit(parts._replace(query=urlencode(query))), "sub-professional")
    response = await callback(api, location)
    assert response.status_code == 401 and response.json()["code"] == "OIDC_LOGIN_FAILED"


async def test_wrong_issuer_is_refused(api: Api, utrecht_idp: str) -> None:
    await configure(api, "utrecht", utrecht_idp, issuer=f"{utrecht_idp}/some-other-issuer")
    response = await callback(api, consent(await start(api), "sub-professional"))
    assert response.status_code == 401 and response.json()["code"] == "OIDC_LOGIN_FAILED"


async def test_unknown_people_and_just_in_time_provisioning(api: Api, utrecht_idp: str) -> None:
    set_user(utrecht_idp, "sub-new", email="nieuw@utrecht.example", email_verified=True, name="Nieuwe Collega")
    refused = await callback(api, consent(await start(api), "sub-new"))
    assert refused.status_code == 401 and refused.json()["code"] == "OIDC_LOGIN_FAILED"
    await configure(api, "utrecht", utrecht_idp, jitProvisioning=True)
    provisioned = await callback(api, consent(await start(api), "sub-new"))
    assert provisioned.status_code == 200, provisioned.text
    me = await api.client.post(
        "/t/utrecht/graphql",
        json={"query": "{ me { roles permissions } }"},
        headers={"Authorization": f"Bearer {provisioned.json()['access_token']}"},
    )
    assert me.json()["data"]["me"]["roles"] == ["MEMBER"]  # the least-privileged role
    assert "core.member.read" not in me.json()["data"]["me"]["permissions"]
    # An address outside the allowed domains, or an unverified one, is refused even with JIT.
    set_user(utrecht_idp, "sub-elsewhere", email="iemand@elders.example", email_verified=True)
    assert (await callback(api, consent(await start(api), "sub-elsewhere"))).status_code == 401
    set_user(utrecht_idp, "sub-unverified", email="ander@utrecht.example", email_verified=False)
    assert (await callback(api, consent(await start(api), "sub-unverified"))).status_code == 401
    for sub, verified in (("sub-no-claim", None), ("sub-string", "false")):  # only a real true counts
        claims = {"email": f"{sub}@utrecht.example"} | ({} if verified is None else {"email_verified": verified})
        set_user(utrecht_idp, sub, **claims)
        assert (await callback(api, consent(await start(api), sub))).status_code == 401, sub


async def test_admin_logging_in_through_the_provider_still_needs_a_second_factor(api: Api, utrecht_idp: str) -> None:
    set_user(utrecht_idp, "sub-admin", email="coalition_admin@utrecht.example", email_verified=True)
    response = await callback(api, consent(await start(api), "sub-admin"))
    assert response.status_code == 200 and response.json()["mfa_enrollment_required"] is True
    # A provider that says it did a second factor stands in for one, for someone without
    # their own TOTP (a second admin, at their very first login).
    from sqlalchemy import select

    from core.identity.models import Credential
    from core.models import Person
    from core.testing import add_member

    await add_member(api.platform, "utrecht", "tweede_regisseur@utrecht.example", ["coalition_admin"])
    set_user(utrecht_idp, "sub-admin-mfa", email="tweede_regisseur@utrecht.example", email_verified=True, amr=["pwd", "mfa"])
    with_mfa = await callback(api, consent(await start(api), "sub-admin-mfa"))
    assert "access_token" in with_mfa.json()
    # Someone with a TOTP of their own is always asked for it, whatever the provider says
    # (the provider of one gemeente cannot stand in for a person's own second factor).
    async with api.platform.session(None) as session:
        person = (await session.execute(select(Person).where(Person.email == "tweede_regisseur@utrecht.example"))).scalar_one()
        (await session.get(Credential, person.id)).totp_enabled = True
        await session.commit()
    again = await callback(api, consent(await start(api), "sub-admin-mfa"))
    assert again.status_code == 200 and again.json()["mfa_required"] is True and "access_token" not in again.json()


async def test_only_a_first_login_ever_is_linked_by_e_mail(api: Api, world: World, utrecht_idp: str) -> None:
    """An account that has been used (here: its first provider login) is not linked to
    another identity that merely asserts the same address, as an admin elsewhere could
    arrange; nor is a platform operator's or a password holder's."""
    set_user(utrecht_idp, "sub-first", email="analyst@utrecht.example", email_verified=True)
    assert "access_token" in (await callback(api, consent(await start(api), "sub-first"))).json()
    set_user(utrecht_idp, "sub-impostor", email="analyst@utrecht.example", email_verified=True)
    refused = await callback(api, consent(await start(api), "sub-impostor"))
    assert refused.status_code == 401 and refused.json()["code"] == "OIDC_LOGIN_FAILED" and "allereerste" in refused.json()["title"]
    assert "access_token" in (await callback(api, consent(await start(api), "sub-first"))).json()  # the linked one goes on
    # Someone with a password (an account used elsewhere) is not taken over either.
    from core.identity.passwords import hash_password
    from core.identity.models import Credential
    from core.models import Person
    from sqlalchemy import select

    async with api.platform.session(None) as session:
        person = (await session.execute(select(Person).where(Person.email == "experience_expert@utrecht.example"))).scalar_one()
        session.add(Credential(person_id=person.id, password_hash=hash_password("wandelpad-eekhoorn-lamp-77")))
        await session.commit()
    set_user(utrecht_idp, "sub-expert", email="experience_expert@utrecht.example", email_verified=True)
    assert (await callback(api, consent(await start(api), "sub-expert"))).status_code == 401


async def test_no_provider_and_missing_secret(api: Api, world: World, provider_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    none = await api.client.get("/t/utrecht/auth/oidc/login")
    assert none.status_code == 404 and none.json()["code"] == "OIDC_NOT_CONFIGURED"
    monkeypatch.delenv(SECRET_ENV, raising=False)
    await configure(api, "utrecht", provider_url)
    missing = await api.client.get("/t/utrecht/auth/oidc/login")
    assert missing.status_code == 503 and missing.json()["code"] == "OIDC_MISCONFIGURED"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issuer": "ftp://idp.example"}, "input.issuer"),
        ({"metadataUrl": "http://idp.example/.well-known/openid-configuration"}, "input.metadataUrl"),
        ({"clientSecretEnv": "lower-case"}, "input.clientSecretEnv"),
        ({"clientSecretEnv": "KANSRIJK_SECRET_KEY"}, "input.clientSecretEnv"),  # the platform's own secret
        ({"clientSecretEnv": "DATABASE_URL"}, "input.clientSecretEnv"),
        ({"clientSecretEnv": "OIDC_GM0796_CLIENT_SECRET"}, "input.clientSecretEnv"),  # another gemeente's
        ({"scopes": "email profile"}, "input.scopes"),
        ({"allowedEmailDomains": ["not a domain"]}, "input.allowedEmailDomains"),
    ],
)
async def test_bad_provider_configuration(api: Api, world: World, overrides: dict, field: str) -> None:
    variables = {
        "input": {
            "issuer": "https://idp.utrecht.example",
            "metadataUrl": "https://idp.utrecht.example/.well-known/openid-configuration",
            "clientId": "kansrijk",
            "clientSecretEnv": "OIDC_GM0344_SECRET",
            **overrides,
        }
    }
    response = await api.gql("utrecht", CONFIGURE, variables, user=World.email("coalition_admin", "utrecht"))
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == field



@pytest.mark.parametrize(
    ("path", "with_cookie"),
    [("/t/utrecht/auth/oidc/login", True), ("/t/utrecht/auth/oidc/callback", True), ("/t/utrecht/graphql", False), ("/t/utrecht/auth/login", False), ("/health", False)],
)
async def test_the_login_cookie_belongs_to_the_oidc_login_only(path: str, with_cookie: bool) -> None:
    """The signed cookie holding the login's state is the OIDC login's: only its paths read
    (and may set) it; every other request passes without the cookie's session."""
    from gateway.app import LoginCookie

    seen: list[bool] = []

    async def app(scope: dict, _receive: object, send: object) -> None:
        seen.append("session" in scope)

    scope = {"type": "http", "path": path, "headers": [], "method": "GET"}
    await LoginCookie(app, secret_key="test", session_cookie="kansrijk_login")(scope, None, None)
    assert seen == [with_cookie]

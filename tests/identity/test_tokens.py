"""Platform access tokens: what is published, key rotation, and a table of malformed or
forged tokens that must all be refused with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from core.platform import Platform
from tests.conftest import Api, World

PRO = World.email("professional", "utrecht")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."


async def valid_claims(api: Api) -> dict:
    token = await api.token("utrecht", PRO)
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def sign(platform: Platform, claims: dict, **header: object) -> str:
    key = await platform.identity.keys.signing_key()
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "at+jwt", **header}, claims, key.key, algorithms=["ES256"])


Forgery = Callable[[Api, Platform, dict], object]


async def alg_none(api: Api, platform: Platform, claims: dict) -> str:
    key = await platform.identity.keys.signing_key()
    return unsigned({"alg": "none", "typ": "at+jwt", "kid": key.kid}, claims)


async def hs256_with_public_key(api: Api, platform: Platform, claims: dict) -> str:
    key = await platform.identity.keys.signing_key()
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    secret = key.key.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


async def expired(api: Api, platform: Platform, claims: dict) -> str:
    now = int(time.time())
    return await sign(platform, {**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})


async def not_yet_valid(api: Api, platform: Platform, claims: dict) -> str:
    now = int(time.time())
    return await sign(platform, {**claims, "nbf": now + 3600, "exp": now + 7200})


async def wrong_audience(api: Api, platform: Platform, claims: dict) -> str:
    return await sign(platform, {**claims, "aud": "another-api"})


async def wrong_issuer(api: Api, platform: Platform, claims: dict) -> str:
    return await sign(platform, {**claims, "iss": "https://evil.example"})


async def unknown_kid(api: Api, platform: Platform, claims: dict) -> str:
    rogue = ECKey.generate_key("P-256", private=True)
    return jwt.encode({"alg": "ES256", "kid": "rogue-key", "typ": "at+jwt"}, claims, rogue, algorithms=["ES256"])


async def tampered_payload(api: Api, platform: Platform, claims: dict) -> str:
    token = await sign(platform, claims)
    header, _payload, signature = token.split(".")
    return f"{header}.{b64(json.dumps({**claims, 'sub': World.email('coalition_admin', 'utrecht')}).encode())}.{signature}"


async def jku_header(api: Api, platform: Platform, claims: dict) -> str:
    return await sign(platform, claims, jku="https://evil.example/jwks.json")


async def embedded_jwk(api: Api, platform: Platform, claims: dict) -> str:
    rogue = ECKey.generate_key("P-256", private=True)
    return jwt.encode(
        {"alg": "ES256", "typ": "at+jwt", "jwk": rogue.as_dict(private=False)}, claims, rogue, algorithms=["ES256"]
    )


async def id_token_type(api: Api, platform: Platform, claims: dict) -> str:
    key = await platform.identity.keys.signing_key()
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, claims, key.key, algorithms=["ES256"])


async def login_step_token(api: Api, platform: Platform, claims: dict) -> str:
    return await platform.identity.tokens.issue_login_step(person_id=uuid.uuid4(), tenant_id=None, purpose="mfa", amr=["pwd"])


async def missing_jti(api: Api, platform: Platform, claims: dict) -> str:
    return await sign(platform, {key: value for key, value in claims.items() if key != "jti"})


async def garbage(api: Api, platform: Platform, claims: dict) -> str:
    return "not.a.jwt"


FORGERIES = [
    alg_none,
    hs256_with_public_key,
    expired,
    not_yet_valid,
    wrong_audience,
    wrong_issuer,
    unknown_kid,
    tampered_payload,
    jku_header,
    embedded_jwk,
    id_token_type,
    login_step_token,
    missing_jti,
    garbage,
]


@pytest.mark.parametrize("forge", FORGERIES, ids=[forge.__name__ for forge in FORGERIES])
async def test_malformed_and_forged_tokens_are_refused(api: Api, world: World, platform: Platform, forge: Forgery) -> None:
    claims = await valid_claims(api)
    assert (await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {await sign(platform, claims)}"})).status_code == 200
    token = await forge(api, platform, claims)
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
async def test_other_authorization_schemes_are_refused(api: Api, world: World, header: str) -> None:
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": header})
    assert response.status_code == 401


async def test_token_claims_follow_rfc_9068(api: Api, world: World) -> None:
    token = await api.token("utrecht", PRO)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    claims = await valid_claims(api)
    assert {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "tenant", "roles", "sid"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 600 and claims["roles"] == ["professional"]


async def test_jwks_metadata_and_key_rotation(api: Api, world: World, platform: Platform) -> None:
    old_token = await api.token("utrecht", PRO)
    jwks = (await api.client.get("/.well-known/jwks.json")).json()
    old_kids = {key["kid"] for key in jwks["keys"]}
    assert all(key["kty"] == "EC" and key["alg"] == "ES256" and "d" not in key for key in jwks["keys"])
    metadata = (await api.client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == platform.settings.issuer and metadata["jwks_uri"].endswith("/.well-known/jwks.json")
    assert metadata["grant_types_supported"] == ["client_credentials", "refresh_token"]

    new_kid = await platform.identity.keys.rotate()
    try:
        jwks = (await api.client.get("/.well-known/jwks.json")).json()
        assert {key["kid"] for key in jwks["keys"]} == old_kids | {new_kid}  # the old key stays published
        ok = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {old_token}"})
        assert ok.status_code == 200  # tokens of the retired key work until they expire
        api.tokens.clear()
        new_token = await api.token("utrecht", PRO)
        assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid
        # Once the retired key's tokens have all expired, it is gone from the JWKS.
        from core.identity.models import SigningKey

        async with platform.session(None) as session:
            for kid in old_kids:
                row = await session.get(SigningKey, kid)
                row.retired_at = row.retired_at.replace(year=2000)
            await session.commit()
        await platform.identity.keys.refresh(force=True)
        assert {key["kid"] for key in (await api.client.get("/.well-known/jwks.json")).json()["keys"]} == {new_kid}
        gone = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {old_token}"})
        assert gone.status_code == 401
    finally:
        await platform.identity.keys.refresh(force=True)


async def test_a_token_verified_before_still_expires(api: Api, world: World, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signature of a token is checked once per process; its expiry on every use."""
    from core.identity import tokens as token_module

    token = await api.token("utrecht", PRO)
    service = platform.identity.tokens
    first = await service.verify_access_token(token)
    assert await service.verify_access_token(token) is first  # kept: not verified again
    later = first.raw["exp"] + token_module.LEEWAY_SECONDS + 1
    monkeypatch.setattr(token_module.time, "time", lambda: later)
    with pytest.raises(token_module.InvalidToken):
        await service.verify_access_token(token)
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401

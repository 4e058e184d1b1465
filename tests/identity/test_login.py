"""Local accounts: password policy, login, throttling and lockout, TOTP enrolment and
login, recovery codes, rotating refresh tokens with reuse detection, logout."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from core.identity.login import set_password, throttle_key
from core.identity.models import LoginThrottle
from core.models import Person, Tenant
from core.platform import Platform
from tests.conftest import Api, World

PASSWORD = "zonnebloem-kinderwagen-regenjas-42"
PRO = World.email("professional", "utrecht")
ADMIN = World.email("coalition_admin", "utrecht")


async def give_password(platform: Platform, email: str, password: str = PASSWORD) -> None:
    async with platform.session(None) as session:
        person = (await session.execute(select(Person).where(Person.email == email))).scalar_one()
        await set_password(session, platform.identity, person, password)
        await session.commit()


async def login(api: Api, email: str, password: str = PASSWORD, slug: str | None = "utrecht") -> tuple[int, dict]:
    path = f"/t/{slug}/auth/login" if slug else "/auth/login"
    response = await api.client.post(path, json={"email": email, "password": password})
    return response.status_code, response.json()


async def graphql(api: Api, token: str, query: str = "{ me { subject roles } }", slug: str = "utrecht") -> tuple[int, dict]:
    response = await api.client.post(f"/t/{slug}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


@pytest.fixture(autouse=True)
def no_login_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The progressive delay is real; the tests do not need to wait for it."""
    from core.identity import login as login_module

    async def no_sleep(_seconds: float) -> None:
        return None

    monkeypatch.setattr(login_module.asyncio, "sleep", no_sleep)


@pytest.mark.parametrize(
    "password",
    ["kort", "password1234", "welkom123456", "kansrijkestart2026", "utrecht12345", "aaaaaaaaaaaaaaaa"],
)
async def test_password_policy(platform: Platform, world: World, password: str) -> None:
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await give_password(platform, PRO, password)
    assert refused.value.field == "password"


async def test_login_and_use_the_token(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    status, body = await login(api, PRO.upper())  # e-mail addresses are case-insensitive
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert await graphql(api, body["access_token"]) == (200, {"data": {"me": {"subject": PRO, "roles": ["PROFESSIONAL"]}}})
    # The token is bound to its gemeente.
    status, other = await graphql(api, body["access_token"], "{ tenant { code } }", slug="s-hertogenbosch")
    assert status == 403 and other["errors"][0]["extensions"]["code"] == "TENANT_MISMATCH"


@pytest.mark.parametrize(
    ("email", "password"),
    [(PRO, "wrong-password-entirely"), ("nobody@utrecht.example", PASSWORD), (World.email("professional", "s-hertogenbosch"), PASSWORD)],
)
async def test_failed_logins_do_not_reveal_accounts(api: Api, world: World, platform: Platform, email: str, password: str) -> None:
    await give_password(platform, PRO)
    await give_password(platform, World.email("professional", "s-hertogenbosch"))
    status, body = await login(api, email, password)
    assert status == 401
    assert body["code"] == "LOGIN_FAILED" and body["type"] == "about:blank"
    assert body["title"].startswith("Inloggen is niet gelukt")


async def test_lockout_after_repeated_failures(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    for _ in range(platform.settings.login_max_failures):
        assert (await login(api, PRO, "wrong-password-entirely"))[0] == 401
    # Locked: even the right password fails now, with the same answer.
    status, body = await login(api, PRO)
    assert status == 401 and body["code"] == "LOGIN_FAILED"
    # Unknown addresses are throttled the same way (nothing to learn from the timing).
    for _ in range(platform.settings.login_max_failures):
        await login(api, "nobody@utrecht.example", "whatever-password")
    async with platform.session(None) as session:
        unknown = await session.get(LoginThrottle, throttle_key("nobody@utrecht.example"))
        known = await session.get(LoginThrottle, throttle_key(PRO))
    assert unknown.locked_until is not None and known.locked_until is not None
    # After the lock the account works again.
    async with platform.session(None) as session:
        known = await session.get(LoginThrottle, throttle_key(PRO))
        known.locked_until = known.locked_until.replace(year=2000)
        await session.commit()
    assert (await login(api, PRO))[0] == 200


def test_progressive_delay() -> None:
    from core.identity.login import _delay_for

    assert [_delay_for(failures) for failures in range(7)] == [0.0, 0.0, 0.5, 1.0, 2.0, 4.0, 4.0]


async def test_admin_must_enrol_mfa_then_logs_in_with_a_code(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, ADMIN)
    status, body = await login(api, ADMIN)
    assert status == 200 and body["mfa_enrollment_required"] is True and "access_token" not in body
    enrollment = body["enrollment_token"]
    # The enrolment token is no access token.
    assert (await graphql(api, enrollment))[0] == 401
    started = await api.client.post("/t/utrecht/auth/mfa/enroll", headers={"Authorization": f"Bearer {enrollment}"})
    assert started.status_code == 200
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/Kansrijke%20Start:coalition_admin%40utrecht.example")
    wrong = await api.client.post("/t/utrecht/auth/mfa/enroll/confirm", json={"code": "000000"}, headers={"Authorization": f"Bearer {enrollment}"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "MFA_CODE_INVALID"
    code = pyotp.TOTP(secret).now()
    confirmed = await api.client.post("/t/utrecht/auth/mfa/enroll/confirm", json={"code": code}, headers={"Authorization": f"Bearer {enrollment}"})
    assert confirmed.status_code == 200
    recovery = confirmed.json()["recovery_codes"]
    assert len(recovery) == 10 and "access_token" in confirmed.json()
    # The next login asks for a code; the code just used cannot be used again.
    status, body = await login(api, ADMIN)
    assert body["mfa_required"] is True
    replay = await api.client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": body["mfa_token"], "code": code})
    assert replay.status_code == 401
    # A recovery code works once.
    status, body = await login(api, ADMIN)
    first = await api.client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": body["mfa_token"], "recovery_code": recovery[0]})
    assert first.status_code == 200 and "access_token" in first.json()
    status, body = await login(api, ADMIN)
    again = await api.client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": body["mfa_token"], "recovery_code": recovery[0]})
    assert again.status_code == 401
    # An MFA token of this gemeente is no good at another.
    other = await api.client.post("/t/s-hertogenbosch/auth/mfa/verify", json={"mfa_token": body["mfa_token"], "code": "123456"})
    assert other.status_code == 401


async def test_tenant_can_require_mfa_for_everyone(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    async with platform.session(None) as session:
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == "utrecht"))).scalar_one()
        tenant.mfa_required_for_all = True
        await session.commit()
    status, body = await login(api, PRO)
    assert body.get("mfa_enrollment_required") is True


async def test_voluntary_mfa_with_an_access_token(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    token = (await login(api, PRO))[1]["access_token"]
    started = await api.client.post("/t/utrecht/auth/mfa/enroll", headers={"Authorization": f"Bearer {token}"})
    code = pyotp.TOTP(started.json()["secret"]).now()
    confirmed = await api.client.post("/t/utrecht/auth/mfa/enroll/confirm", json={"code": code}, headers={"Authorization": f"Bearer {token}"})
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    assert (await login(api, PRO))[1].get("mfa_required") is True


async def refresh(api: Api, refresh_token: str) -> tuple[int, dict]:
    response = await api.client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "kansrijk-app"}
    )
    return response.status_code, response.json()


async def test_refresh_rotation_and_reuse_detection(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    first = (await login(api, PRO))[1]
    status, second = await refresh(api, first["refresh_token"])
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert (await graphql(api, second["access_token"]))[0] == 200
    # The rotated token comes back: it leaked. The whole login is revoked.
    status, reused = await refresh(api, first["refresh_token"])
    assert status == 400 and reused["error"] == "invalid_grant"
    assert (await refresh(api, second["refresh_token"]))[1]["error"] == "invalid_grant"
    status, body = await graphql(api, second["access_token"])
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_refresh_refused_for_unknown_tokens_and_other_clients(api: Api, world: World, platform: Platform) -> None:
    assert (await refresh(api, "not-a-token"))[1]["error"] == "invalid_grant"
    response = await api.client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "someone"})
    assert response.json()["error"] == "invalid_client"
    response = await api.client.post("/oauth/token", data={"grant_type": "password", "username": "a", "password": "b"})
    assert response.json()["error"] == "unsupported_grant_type"
    response = await api.client.post("/oauth/token", json={"grant_type": "refresh_token"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_refresh_after_idle_timeout_or_membership_end(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    pair = (await login(api, PRO))[1]
    from core.identity.models import AuthSession

    async with platform.session(None) as session:
        auth_session = (await session.execute(select(AuthSession))).scalars().all()[-1]
        auth_session.last_used_at = auth_session.last_used_at.replace(year=2000)
        await session.commit()
    assert (await refresh(api, pair["refresh_token"]))[1]["error"] == "invalid_grant"
    pair = (await login(api, PRO))[1]
    member_id = (await graphql(api, pair["access_token"], "{ me { member { id } } }"))[1]["data"]["me"]["member"]["id"]
    deactivate = 'mutation($id: ID!) { deactivateMember(input: {id: $id}) { member { active } } }'
    (await api.gql("utrecht", deactivate, {"id": member_id}, user=ADMIN)).ok()
    assert (await refresh(api, pair["refresh_token"]))[1]["error"] == "invalid_grant"


async def test_logout_ends_the_login_at_once(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    pair = (await login(api, PRO))[1]
    response = await api.client.post("/auth/logout", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert response.status_code == 204
    assert (await graphql(api, pair["access_token"]))[0] == 401
    assert (await refresh(api, pair["refresh_token"]))[1]["error"] == "invalid_grant"
    # A 401 on a REST route says how to authenticate, like the GraphQL endpoint (RFC 9110, RFC 6750).
    without = await api.client.post("/auth/logout")
    assert without.status_code == 401 and without.headers["WWW-Authenticate"] == "Bearer"
    forged = await api.client.post("/auth/logout", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401 and 'error="invalid_token"' in forged.headers["WWW-Authenticate"]


async def test_change_password(api: Api, world: World, platform: Platform) -> None:
    await give_password(platform, PRO)
    token = (await login(api, PRO))[1]["access_token"]
    other = (await login(api, PRO))[1]["access_token"]  # e.g. a session on a lost phone
    headers = {"Authorization": f"Bearer {token}"}
    wrong = await api.client.post("/auth/password", json={"current_password": "nope", "new_password": "x"}, headers=headers)
    assert wrong.status_code == 400 and wrong.json()["code"] == "LOGIN_FAILED"
    weak = await api.client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "password1234"}, headers=headers)
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    new = "vuurtoren-appelboom-zeilboot-17"
    ok = await api.client.post("/auth/password", json={"current_password": PASSWORD, "new_password": new}, headers=headers)
    assert ok.status_code == 204
    assert (await login(api, PRO, new))[0] == 200 and (await login(api, PRO))[0] == 401
    # The other login ended with the old password; this one goes on.
    me = "{ me { subject } }"
    assert (await api.client.post("/t/utrecht/graphql", json={"query": me}, headers={"Authorization": f"Bearer {other}"})).status_code == 401
    assert (await api.client.post("/t/utrecht/graphql", json={"query": me}, headers=headers)).status_code == 200


async def test_platform_operator_logs_in_at_the_platform(api: Api, world: World, platform: Platform) -> None:
    async with platform.session(None) as session:
        session.add(Person(email="ops@platform.example", is_platform_operator=True))
        await session.commit()
    await give_password(platform, "ops@platform.example")
    status, body = await login(api, "ops@platform.example", slug=None)
    assert status == 200 and body["mfa_enrollment_required"] is True  # operators always need MFA
    # A member cannot log in at the platform level.
    await give_password(platform, PRO)
    assert (await login(api, PRO, slug=None))[0] == 401


async def test_login_bad_input(api: Api, world: World) -> None:
    response = await api.client.post("/t/utrecht/auth/login", json={"email": "x"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "password", "message": "Dit veld is verplicht."}]
    # The input is not echoed (it may be a password), and a body that is no JSON is a 422, not a crash.
    response = await api.client.post("/t/utrecht/auth/login", json={"password": "GeheimWachtwoord-xyz-123"})
    assert response.status_code == 422 and "GeheimWachtwoord" not in response.text
    for content_type, body in [("application/x-www-form-urlencoded", "email=a&password=b"), ("text/plain", "hallo")]:
        response = await api.client.post("/t/utrecht/auth/login", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_FAILED", response.text
        assert response.headers["content-type"] == "application/problem+json"
    response = await api.client.post("/t/nergens/auth/login", json={"email": "x@y.example", "password": "z"})
    assert response.status_code == 404 and response.json()["code"] == "TENANT_NOT_FOUND"
    from core.services.tenants import set_status
    from core.models import TenantStatus

    async with api.platform.session(None) as session:
        await set_status(session, "utrecht", TenantStatus.SUSPENDED)
        await session.commit()
    response = await api.client.post("/t/utrecht/auth/login", json={"email": PRO, "password": PASSWORD})
    assert response.status_code == 403 and response.json()["code"] == "TENANT_SUSPENDED"


async def test_a_role_that_needs_mfa_needs_it_at_once(api: Api, world: World, platform: Platform) -> None:
    """A professional logged in with a password only, then made coalition admin (or the
    gemeente turns MFA on for everyone): the next request and the next refresh ask for the
    second factor instead of handing out admin rights on a password alone."""
    await give_password(platform, PRO)
    status, body = await login(api, PRO)
    assert status == 200 and "access_token" in body  # no MFA needed for a professional
    token, refresh_token = body["access_token"], body["refresh_token"]
    assert (await graphql(api, token))[0] == 200
    admin = World.email("coalition_admin", "utrecht")
    members = (await api.gql("utrecht", "{ members { nodes { id email } } }", user=admin)).ok()["members"]["nodes"]
    member_id = next(node["id"] for node in members if node["email"] == PRO)
    promote = 'mutation($id: ID!) { updateMember(input: {id: $id, roles: [COALITION_ADMIN]}) { member { roles } } }'
    (await api.gql("utrecht", promote, {"id": member_id}, user=admin)).ok()
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ me { subject } }"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "MFA_REQUIRED"
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_user_authentication"'  # RFC 9470
    assert (await refresh(api, refresh_token))[0] == 400  # and the login is ended
    # The same for everyone once the gemeente requires MFA for all.
    analyst = World.email("analyst", "utrecht")
    await give_password(platform, analyst)
    analyst_token = (await login(api, analyst))[1]["access_token"]
    policy = "mutation { updateLoginPolicy(input: {mfaRequiredForAll: true}) { loginPolicy { mfaRequiredForAll } } }"
    (await api.gql("utrecht", policy, user=admin)).ok()
    status, body = await graphql(api, analyst_token)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "MFA_REQUIRED"


async def test_wrong_codes_count_across_password_logins(api: Api, world: World, platform: Platform) -> None:
    """Knowing the password must not give unlimited guesses of the code: a correct password
    does not reset the count while the second factor is still to come."""
    await give_password(platform, ADMIN)
    enrollment = (await login(api, ADMIN))[1]["enrollment_token"]
    headers = {"Authorization": f"Bearer {enrollment}"}
    secret = (await api.client.post("/t/utrecht/auth/mfa/enroll", headers=headers)).json()["secret"]
    confirm = await api.client.post("/t/utrecht/auth/mfa/enroll/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers)
    assert confirm.status_code == 200

    def wrong_code() -> str:
        valid = {pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
        return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)

    for guesses in (3, 2):  # five wrong codes in all, with a fresh password login in between
        mfa_token = (await login(api, ADMIN))[1]["mfa_token"]
        for _ in range(guesses):
            response = await api.client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": mfa_token, "code": wrong_code()})
            assert response.status_code == 401
    right = await api.client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": mfa_token, "code": pyotp.TOTP(secret).now()})
    assert right.status_code == 401  # locked now
    assert (await login(api, ADMIN))[0] == 401


async def test_parallel_wrong_passwords_each_count(api: Api, world: World, platform: Platform) -> None:
    """Failures are counted in the database, not read-modify-written: wrong passwords sent
    at the same time all count, and the address is locked."""
    import asyncio

    await give_password(platform, PRO)
    statuses = await asyncio.gather(*(login(api, PRO, "fout-wachtwoord-123") for _ in range(8)))
    assert all(status == 401 for status, _ in statuses)
    assert (await login(api, PRO))[0] == 401  # locked, even with the right password


async def test_login_attempts_are_limited_per_client_address(platform: Platform, world: World) -> None:
    """Trying one password on many addresses is slowed too: attempts per client address."""
    import httpx

    from gateway.app import create_app
    from gateway.rate_limit import RateLimiter

    limited = create_app(platform=platform)
    limited.state.login_rate_limiter = RateLimiter("3/minute", "async+memory://", "login")  # as KANSRIJK_LOGIN_RATE_LIMIT=3/minute
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://testserver") as client:
        for index in range(3):
            response = await client.post("/t/utrecht/auth/login", json={"email": f"iemand{index}@utrecht.example", "password": "Zomer2026!"})
            assert response.status_code == 401
        response = await client.post("/t/utrecht/auth/login", json={"email": "nog-iemand@utrecht.example", "password": "Zomer2026!"})
        assert response.status_code == 429 and response.json()["code"] == "RATE_LIMITED"
        assert response.headers["content-type"] == "application/problem+json" and int(response.headers["retry-after"]) >= 1
        second_step = await client.post("/t/utrecht/auth/mfa/verify", json={"mfa_token": "x", "code": "123456"})
        assert second_step.status_code == 429

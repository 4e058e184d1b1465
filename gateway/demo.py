"""Demo data for `kansrijk serve --demo`: three gemeenten with every module enabled (Utrecht
and 's-Hertogenbosch, and Zeist, a smaller coalition without wijken yet), their coalitions
(partners, a member per role with a password, wijken; two people are members of two
coalitions), a platform operator, an API client granted by Utrecht, and every module's demo
data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.core_module import demo_coalition, demo_member_email
from core.identity import clients as client_service
from core.identity.login import set_password
from core.identity.models import Credential
from core.models import Person, Tenant
from core.platform import Platform
from core.services import modules as module_service
from core.services.tenants import create_tenant

DEMO_GEMEENTEN = ("GM0344", "GM0796", "GM0355")
DEMO_OPERATOR = "beheerder@platform.example"
DEMO_ACTOR = "demo-seed"
# Demo only: every demo account has this password, printed at start-up.
DEMO_PASSWORD = "regenboog-kinderwagen-fiets-2026"
DEMO_CLIENT_ID = "kc_demo_utrecht_dwh"
DEMO_CLIENT_SECRET = "demo-only-secret-utrecht-datawarehouse-2026"
DEMO_CLIENT_SCOPES = ("core.partner.read", "core.wijk.read", "core.tenant.read")


@dataclass
class DemoLogin:
    email: str
    roles: list[str]
    display_name: str


@dataclass
class DemoTenant:
    code: str
    name: str
    slug: str
    logins: list[DemoLogin]


def _dependency_order(platform: Platform) -> list[str]:
    ordered: list[str] = []

    def visit(key: str) -> None:
        if key in ordered:
            return
        for dependency in platform.runtime.modules[key].meta.depends_on:
            visit(dependency)
        ordered.append(key)

    for key in sorted(platform.runtime.modules):
        visit(key)
    return ordered


async def _give_passwords(platform: Platform, emails: list[str]) -> None:
    async with platform.session(None) as session:
        for email in emails:
            person = (await session.execute(select(Person).where(Person.email == email))).scalar_one()
            credential = await session.get(Credential, person.id)
            if credential is None or credential.password_hash is None:
                await set_password(session, platform.identity, person, DEMO_PASSWORD)
        await session.commit()


async def _demo_client(platform: Platform, slug: str) -> None:
    async with platform.session(None) as session:
        if await client_service.client_by_id(session, DEMO_CLIENT_ID) is None:
            await client_service.create_client(
                session,
                platform.permissions,
                name="Datawarehouse gemeente Utrecht (demo)",
                allowed_scopes=DEMO_CLIENT_SCOPES,
                client_id=DEMO_CLIENT_ID,
                secret=DEMO_CLIENT_SECRET,
            )
            await session.commit()
    async with platform.work_as_system(slug, DEMO_ACTOR) as work:
        await client_service.grant_client(work, platform.permissions, DEMO_CLIENT_ID, DEMO_CLIENT_SCOPES)
        await work.commit()


async def seed_demo(platform: Platform) -> list[DemoTenant]:
    """Create (or complete) the demo tenants. Idempotent: a second run adds nothing."""
    async with platform.session(None) as session:
        for code in DEMO_GEMEENTEN:
            if (await session.execute(select(Tenant.id).where(Tenant.code == code))).first() is None:
                await create_tenant(session, code=code)
        if (await session.execute(select(Person.id).where(Person.email == DEMO_OPERATOR))).first() is None:
            session.add(Person(email=DEMO_OPERATOR, is_platform_operator=True))
        await session.commit()
        tenants = (
            await session.execute(select(Tenant).where(Tenant.code.in_(DEMO_GEMEENTEN)).order_by(Tenant.code))
        ).scalars().all()

    async with platform.work_as_platform(DEMO_ACTOR) as work:
        await platform.runtime.seed_platform_demo_data(work)
        await work.commit()

    result = []
    emails = [DEMO_OPERATOR]
    for tenant in tenants:
        async with platform.work_as_system(tenant.slug, DEMO_ACTOR) as work:
            for key in _dependency_order(platform):
                await module_service.enable_module(work, key)
            await work.commit()
        async with platform.work_as_system(tenant.slug, DEMO_ACTOR) as work:
            await work.hooks.seed_demo_data(tenant=work.tenant, session=work.session, work=work)
            await work.commit()
        coalition = demo_coalition(tenant.code) or {"members": [], "mail_domain": ""}
        logins = [
            DemoLogin(demo_member_email(member, coalition["mail_domain"]), member["roles"], member["display_name"])
            for member in coalition["members"]
        ]
        emails += [login.email for login in logins]
        result.append(DemoTenant(code=tenant.code, name=tenant.name, slug=tenant.slug, logins=logins))
    await _give_passwords(platform, sorted(set(emails)))
    if result:
        await _demo_client(platform, result[0].slug)
    return result


def describe(tenants: list[DemoTenant], base_url: str) -> str:
    lines = ["", "Kansrijke Start demo", "====================", "", f"Every demo account has the password: {DEMO_PASSWORD}", ""]
    for tenant in tenants:
        lines.append(f"{tenant.name} ({tenant.code})")
        lines.append(f"  GraphQL:  {base_url}/t/{tenant.slug}/graphql")
        lines.append(f"  Log in:   POST {base_url}/t/{tenant.slug}/auth/login")
        for login in tenant.logins:
            lines.append(f"  {', '.join(login.roles):<20} {login.email}   ({login.display_name})")
        lines.append("")
    slug = tenants[0].slug if tenants else "utrecht"
    professional = next((login.email for login in tenants[0].logins if "professional" in login.roles), "") if tenants else ""
    lines += [
        f"Platform operator: {DEMO_OPERATOR} (POST {base_url}/auth/login)",
        "",
        "Log in and query (a professional; coalition admins and the operator first set up",
        "two-step login: the answer then holds an enrollment_token, see docs/security.md):",
        f"  TOKEN=$(curl -s {base_url}/t/{slug}/auth/login -H 'Content-Type: application/json' \\",
        f"    -d '{{\"email\": \"{professional}\", \"password\": \"{DEMO_PASSWORD}\"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f"  curl -s {base_url}/t/{slug}/graphql -H 'Content-Type: application/json' -H \"Authorization: Bearer $TOKEN\" \\",
        "    -d '{\"query\": \"{ tenant { name modules { key name enabled } } }\"}'",
        "",
        f"API client (client credentials, granted by {tenants[0].name if tenants else ''} for {', '.join(DEMO_CLIENT_SCOPES)}):",
        f"  curl -s {base_url}/oauth/token -u {DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET} \\",
        f"    -d grant_type=client_credentials -d tenant={slug}",
        "",
    ]
    return "\n".join(lines)

"""Tenants (gemeenten): created, listed, suspended and resumed by the platform operator."""

from __future__ import annotations

import re
from typing import Any

from slugify import slugify
from sqlalchemy import select, update

from core import gemeenten
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Tenant, TenantStatus
from core.module_types import TenantInfo
from core.validation import NO_CONTROL_CHARACTERS

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def tenant_info(tenant: Tenant) -> TenantInfo:
    return TenantInfo(id=tenant.id, code=tenant.code, name=tenant.name, slug=tenant.slug)


async def create_tenant(
    session: Any,
    *,
    code: str,
    name: str | None = None,
    slug: str | None = None,
    allow_unlisted: bool = False,
) -> Tenant:
    """Create a tenant for a gemeente. The code must be in the reference list unless the
    operator overrides (`allow_unlisted`), in which case a name is required."""
    code = (code or "").strip().upper()
    if not gemeenten.GEMEENTECODE_PATTERN.match(code):
        raise ValidationFailed("Een gemeentecode is 'GM' gevolgd door 4 cijfers, bijvoorbeeld GM0344.", field="code")
    reference = gemeenten.lookup(code)
    if reference is None and not allow_unlisted:
        source = gemeenten.reference_source()
        raise ValidationFailed(
            f"{code} staat niet in de lijst van gemeenten ({source['source']}). "
            "Een platformbeheerder kan een nieuwe code expliciet toestaan.",
            field="code",
        )
    name = (name or "").strip() or (reference.name if reference else "")
    if not name:
        raise ValidationFailed("Geef de naam van de gemeente op.", field="name")
    if len(name) > 200 or not re.match(NO_CONTROL_CHARACTERS, name):
        raise ValidationFailed("Een naam heeft hoogstens 200 tekens, zonder regeleinden.", field="name")
    slug = (slug or "").strip() or slugify(name)
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed(
            "Een slug bestaat uit kleine letters, cijfers en streepjes (hoogstens 63 tekens).", field="slug"
        )
    if (await session.execute(select(Tenant.id).where(Tenant.code == code))).first():
        raise Conflict(f"Er bestaat al een tenant voor {code}.", field="code")
    if (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).first():
        raise Conflict(f"De slug '{slug}' is al in gebruik.", field="slug")
    tenant = Tenant(code=code, name=name, slug=slug, status=TenantStatus.ACTIVE)
    session.add(tenant)
    await session.flush()
    return tenant


async def get_by_slug(session: Any, slug: str) -> Tenant | None:
    # A text that cannot be a slug (e.g. with NUL, which PostgreSQL refuses) names no tenant.
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        return None
    return (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()


async def require_by_slug(session: Any, slug: str) -> Tenant:
    tenant = await get_by_slug(session, slug)
    if tenant is None:
        raise NotFound("Deze gemeente bestaat niet.", code="TENANT_NOT_FOUND")  # never the slug asked for
    return tenant


async def list_tenants(session: Any) -> list[Tenant]:
    return list((await session.execute(select(Tenant).order_by(Tenant.code))).scalars().all())


async def set_status(session: Any, slug: str, status: TenantStatus) -> Tenant:
    """Suspend or resume a tenant. Suspending keeps every row; requests are refused."""
    tenant = await require_by_slug(session, slug)
    tenant.status = status
    await session.flush()
    return tenant


async def bump_modules_revision(session: Any, tenant_id: Any) -> None:
    await session.execute(
        update(Tenant).where(Tenant.id == tenant_id).values(modules_revision=Tenant.modules_revision + 1)
    )


async def lock_tenant(session: Any, tenant_id: Any) -> None:
    """Serialise changes that check, then write, tenant-wide state (module activation, the
    last coalition admin): on PostgreSQL a row lock on the tenant until the transaction
    ends; SQLite write transactions are serial already. `FOR NO KEY UPDATE`: these admin
    changes wait for each other, but not for the inserts of ordinary requests, whose foreign
    keys hold a key-share lock on the same row (and a key-share holder that asks for this
    lock later does not deadlock with another one)."""
    await session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update(key_share=True))

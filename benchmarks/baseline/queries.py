"""The SQL of the baseline app, written by hand: what the platform's requests run, and the
JSON they answer, built straight from the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

TENANT_NAME = text("SELECT name FROM tenants WHERE slug = :slug")
TENANT = text("SELECT id, status FROM tenants WHERE slug = :slug")
#: Who is asking: the login session, its person and their active membership of the tenant.
WHO = text(
    "SELECT auth_sessions.revoked_at, persons.active, memberships.id AS membership_id, memberships.roles "
    "FROM auth_sessions JOIN persons ON persons.id = auth_sessions.person_id "
    "LEFT JOIN memberships ON memberships.person_id = persons.id AND memberships.active AND memberships.tenant_id = :tenant "
    "WHERE auth_sessions.id = :session"
)


async def regelingen(connection: Any, tenant_id: Any) -> Any:
    raise NotImplementedError


async def partners(connection: Any, tenant_id: Any) -> Any:
    raise NotImplementedError


async def families(connection: Any, tenant_id: Any) -> Any:
    raise NotImplementedError


async def figures(connection: Any, tenant_id: Any) -> Any:
    raise NotImplementedError

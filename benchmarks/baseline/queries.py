"""The SQL of the baseline app, written by hand: what the platform's requests run, and the
JSON they answer, built straight from the rows."""

from __future__ import annotations

import json
import uuid
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


REGELINGEN = text(
    "SELECT regelingen.id, regelingen.key, regelingen.name, regelingen.summary, regelingen.category, regelingen.level, "
    "regelingen.costs, regelingen.valid_from, regelingen.valid_to, regelingen.tags, regelingen.apply_steps, regelingen.apply_url, "
    "regelingen.apply_phone, regelingen.apply_documents, coalesce(partners.name, regelingen.provider_name) AS provider "
    "FROM toegang_regelingen AS regelingen LEFT JOIN partners ON partners.id = regelingen.provider_partner_id "
    "AND partners.tenant_id = regelingen.tenant_id "
    "WHERE regelingen.tenant_id = :tenant AND NOT regelingen.hidden "
    "ORDER BY regelingen.position, regelingen.name, regelingen.id LIMIT :limit"
)
REGELINGEN_COUNT = text("SELECT count(*) FROM toegang_regelingen WHERE tenant_id = :tenant AND NOT hidden")


async def regelingen(connection: Any, tenant_id: Any, first: int = 60) -> Any:
    """`regelingen(first: 60)` of benchmarks/run.py: the page and its count, the provider's name."""
    await connection.execute(REGELINGEN_COUNT, {"tenant": tenant_id})
    rows = (await connection.execute(REGELINGEN, {"tenant": tenant_id, "limit": first + 1})).all()[:first]
    return {
        "regelingen": {
            "edges": [
                {
                    "node": {
                        "id": str(_uuid(row.id)),
                        "key": row.key,
                        "name": row.name,
                        "summary": row.summary,
                        "category": row.category.upper(),
                        "level": row.level.upper(),
                        "costs": row.costs,
                        "validFrom": _day(row.valid_from),
                        "validTo": _day(row.valid_to),
                        "tags": _json(row.tags),
                        "providerName": row.provider,
                        "howToApply": {
                            "steps": _json(row.apply_steps),
                            "url": row.apply_url,
                            "phone": row.apply_phone,
                            "documents": _json(row.apply_documents),
                        },
                    }
                }
                for row in rows
            ]
        }
    }


PARTNERS = text(
    "SELECT id, name, type, phone FROM partners WHERE tenant_id = :tenant ORDER BY name, id LIMIT :limit"
)
PARTNERS_COUNT = text("SELECT count(*) FROM partners WHERE tenant_id = :tenant")
PARTNER_MEMBERS = text(
    "SELECT partner_id, display_name, job_title FROM memberships WHERE tenant_id = :tenant AND active "
    "AND partner_id IN (SELECT id FROM partners WHERE tenant_id = :tenant ORDER BY name, id LIMIT :limit) "
    "ORDER BY display_name, id"
)


async def partners(connection: Any, tenant_id: Any, first: int = 50) -> Any:
    """`partners(first: 50)` with their active members, in two statements and a count."""
    await connection.execute(PARTNERS_COUNT, {"tenant": tenant_id})
    rows = (await connection.execute(PARTNERS, {"tenant": tenant_id, "limit": first + 1})).all()[:first]
    members: dict[Any, list[dict[str, Any]]] = {}
    for member in await connection.execute(PARTNER_MEMBERS, {"tenant": tenant_id, "limit": first}):
        members.setdefault(member.partner_id, []).append({"displayName": member.display_name, "jobTitle": member.job_title})
    return {
        "partners": {
            "edges": [
                {"node": {"id": str(_uuid(row.id)), "name": row.name, "type": row.type.upper(), "phone": row.phone, "members": members.get(row.id, [])}}
                for row in rows
            ]
        }
    }


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


#: The period of the figures request of benchmarks/run.py.
FIGURES_FROM, FIGURES_TO = "2025-01", "2026-12"

_FIGURES = {
    "postgresql": {
        "month": "to_char(timezone('UTC', {column}), 'YYYY-MM')",
        "worries": "CROSS JOIN jsonb_array_elements_text(signals.worries) AS worry(value)",
    },
    "sqlite": {"month": "strftime('%Y-%m', {column})", "worries": "CROSS JOIN json_each(signals.worries) AS worry"},
}


def _margins(select: str, source: str, cell: tuple[str, ...], row: tuple[str, ...], column: tuple[str, ...], table: tuple[str, ...], postgres: bool) -> str:
    """Counts and distinct families per cell and per row, column and table (the margins
    complementary suppression needs): GROUPING SETS where the database has them."""
    if postgres:
        sets = ", ".join(f"({', '.join(keys)})" for keys in (cell, row, column, table))
        return f"SELECT {select}, count(*), count(DISTINCT family_id) FROM {source} GROUP BY GROUPING SETS ({sets})"
    parts = []
    for keys in (cell, row, column, table):
        columns = ", ".join(name if name in keys else f"NULL AS {name}" for name in cell)
        parts.append(f"SELECT {columns}, count(*), count(DISTINCT family_id) FROM {source} GROUP BY {', '.join(keys)}")
    return " UNION ALL ".join(parts)


async def figures(connection: Any, tenant_id: Any) -> Any:
    """The raw GROUP BY behind handvat 2's figures: signals per wijk, month and worry and per
    wijk, month and classification, referrals per month, partner, state and outcome, each
    with its number of distinct families, per cell and per row, column and month (what the
    suppression needs). No suppression, no names."""
    postgres = connection.dialect.name == "postgresql"
    dialect = _FIGURES[connection.dialect.name]
    signal_month = dialect["month"].format(column="signals.recorded_at")
    referral_month = dialect["month"].format(column="referrals.sent_at")
    period = {"tenant": tenant_id, "first": FIGURES_FROM, "last": FIGURES_TO}
    signals = "FROM signaleren_signals AS signals {join} WHERE signals.tenant_id = :tenant AND {month} BETWEEN :first AND :last"
    worries = (
        f"(SELECT signals.wijk_id, {signal_month} AS month, worry.value AS worry, signals.family_id "
        + signals.format(join=dialect["worries"], month=signal_month)
        + ") AS rows"
    )
    classifications = (
        f"(SELECT signals.wijk_id, {signal_month} AS month, signals.classification, signals.family_id "
        + signals.format(join="", month=signal_month)
        + ") AS rows"
    )
    referrals = (
        f"(SELECT {referral_month} AS month, referrals.to_partner_id, referrals.state, coalesce(referrals.outcome, '') AS outcome, "
        "referrals.family_id FROM signaleren_referrals AS referrals "
        f"WHERE referrals.tenant_id = :tenant AND {referral_month} BETWEEN :first AND :last) AS rows"
    )
    statements = {
        "byWorry": _margins(
            "wijk_id, month, worry", worries, ("wijk_id", "month", "worry"), ("wijk_id", "month"), ("month", "worry"), ("month",), postgres
        ),
        "byClassification": _margins(
            "wijk_id, month, classification",
            classifications,
            ("wijk_id", "month", "classification"),
            ("wijk_id", "month"),
            ("month", "classification"),
            ("month",),
            postgres,
        ),
        "byPartner": _margins(
            "month, to_partner_id, state, outcome",
            referrals,
            ("month", "to_partner_id", "state", "outcome"),
            ("month", "to_partner_id"),
            ("month", "state", "outcome"),
            ("month",),
            postgres,
        ),
    }
    answer = {}
    for name, statement in statements.items():
        rows = await connection.execute(text(statement), period)
        answer[name] = [[str(value) if value is not None else None for value in row] for row in rows]
    return answer

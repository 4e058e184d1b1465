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

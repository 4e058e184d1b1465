"""The SQL of the baseline app, written by hand: what the platform's requests run, and the
JSON they answer, built straight from the rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from typing import Any

from sqlalchemy import bindparam, text

TENANT_NAME = text("SELECT name FROM tenants WHERE slug = :slug")
TENANT = text("SELECT id, status FROM tenants WHERE slug = :slug")
#: Who is asking: the login session, its person and their active membership of the tenant.
WHO = text(
    "SELECT auth_sessions.revoked_at, persons.active, memberships.id AS membership_id, memberships.roles, memberships.partner_id "
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


async def regelingen(connection: Any, tenant_id: Any, first: int = 60) -> Any:
    """`regelingen(first: 60)` of benchmarks/run.py: the page (no count: the query asks for no
    `totalCount`, and the platform counts only then), the provider's name."""
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
PARTNER_MEMBERS = text(
    "SELECT partner_id, display_name, job_title FROM memberships WHERE tenant_id = :tenant AND active "
    "AND partner_id IN (SELECT id FROM partners WHERE tenant_id = :tenant ORDER BY name, id LIMIT :limit) "
    "ORDER BY display_name, id"
)


async def partners(connection: Any, tenant_id: Any, first: int = 50) -> Any:
    """`partners(first: 50)` with their active members, in two statements (no count: the query
    asks for no `totalCount`, and the platform counts only then)."""
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


# -- families with nested data -----------------------------------------------------------------
#
# handvat 2's rules, written out by hand (plugins/handvat2_signaleren: permissions.py for the
# roles' default permissions, services/visibility.py for who sees which family and referral,
# workflows.py for the referral's steps).

FAMILY_READERS = frozenset({"professional", "partner_worker"})
FAMILY_WRITERS = frozenset({"professional"})
REFERRAL_SENDERS = frozenset({"professional"})
REFERRAL_RESPONDERS = frozenset({"professional", "partner_worker"})
#: The states in which a referral shares its family with the organisation it was sent to.
SHARING_STATES = {"state_sent": "verstuurd", "state_accepted": "geaccepteerd", "state_started": "in_behandeling"}
#: The referral workflow's steps in their order: (name, from states, the side that takes it,
#: the roles that may).
REFERRAL_STEPS = (
    ("versturen", ("concept",), "referrer", REFERRAL_SENDERS),
    ("accepteren", ("verstuurd",), "receiver", REFERRAL_RESPONDERS),
    ("afwijzen", ("verstuurd",), "receiver", REFERRAL_RESPONDERS),
    ("starten", ("geaccepteerd",), "receiver", REFERRAL_RESPONDERS),
    ("afronden", ("in_behandeling",), "receiver", REFERRAL_RESPONDERS),
    ("terugtrekken", ("concept", "verstuurd", "geaccepteerd", "in_behandeling"), "referrer", REFERRAL_SENDERS),
)
REFERRAL_WORKFLOW = "handvat2_signaleren.referral"
FAMILY_ACTIVITY = "handvat2_signaleren.family_support"

#: A referral that shares its family with :partner now: sent to it, in a sharing state, under
#: consent neither revoked nor expired (`shares_with`).
_SHARES = (
    "signaleren_referrals.to_partner_id = :partner AND signaleren_referrals.state IN (:state_sent, :state_accepted, :state_started) "
    "AND (EXISTS (SELECT signaleren_consents.id FROM signaleren_consents "
    "WHERE signaleren_consents.tenant_id = signaleren_referrals.tenant_id AND signaleren_consents.id = signaleren_referrals.consent_id "
    "AND signaleren_consents.revoked_at IS NULL AND signaleren_consents.valid_until >= :today AND signaleren_consents.tenant_id = :tenant))"
)
# The columns the platform reads of each table, in its order: a list's rows without the
# tenant's id (every row is the tenant's); of partners, members and wijken what their names
# and contacts are read with.
_FAMILY_COLUMNS = (
    "id, local_reference, initials, phase, expected_month, birth_month, wijk_id, registering_partner_id, registered_by, "
    "status, closed_at, created_at, updated_at"
)
_PARTNER_COLUMNS = "id, name, type, domain, active, email, phone, website"
_MEMBER_COLUMNS = "id, display_name, partner_id, roles, active"


def _columns(table: str, columns: str) -> str:
    return ", ".join(f"{table}.{name.strip()}" for name in columns.split(","))


def _families_statement(registers: bool, sqlite: bool) -> Any:
    """A page of the families the organisation sees, newest first (`visible_family_filter`):
    those it registered (if its members register) or that a referral shares with it, never
    an anonymised one."""
    referred = (
        "EXISTS (SELECT signaleren_referrals.id FROM signaleren_referrals WHERE signaleren_referrals.family_id = signaleren_families.id "
        f"AND {_SHARES} AND signaleren_referrals.tenant_id = :tenant)"
    )
    visible = f"(signaleren_families.registering_partner_id = :partner OR ({referred}))" if registers else referred
    return text(
        f"SELECT {_columns('signaleren_families', _FAMILY_COLUMNS)} FROM signaleren_families "
        f"WHERE {visible} AND signaleren_families.status != :anonymised AND signaleren_families.tenant_id = :tenant "
        "ORDER BY signaleren_families.created_at DESC, signaleren_families.id DESC LIMIT :limit" + (" OFFSET :offset" if sqlite else "")
    )


def _referrals_statement(sends: bool) -> Any:
    """The referrals of these families the organisation sees (`visible_referral_filter`): its
    own outgoing ones (if its members send), incoming ones while they share the family; never
    those of an anonymised family. Newest first."""
    visible = f"(signaleren_referrals.from_partner_id = :partner OR {_SHARES})" if sends else f"({_SHARES})"
    return text(
        "SELECT signaleren_referrals.id, signaleren_referrals.family_id, signaleren_referrals.consent_id, "
        "signaleren_referrals.from_partner_id, signaleren_referrals.referred_by, signaleren_referrals.to_partner_id, "
        "signaleren_referrals.to_contact_id, signaleren_referrals.support, signaleren_referrals.note, signaleren_referrals.state, "
        "signaleren_referrals.rejection_reason, signaleren_referrals.outcome, signaleren_referrals.outcome_note, "
        "signaleren_referrals.created_at, signaleren_referrals.sent_at, signaleren_referrals.respond_by, signaleren_referrals.responded_at, "
        "signaleren_referrals.started_at, signaleren_referrals.completed_at, signaleren_referrals.overdue_reported_at, "
        "signaleren_referrals.updated_at FROM signaleren_referrals "
        f"WHERE {visible} AND (EXISTS (SELECT signaleren_families.id FROM signaleren_families "
        "WHERE signaleren_families.id = signaleren_referrals.family_id AND signaleren_families.tenant_id = signaleren_referrals.tenant_id "
        "AND signaleren_families.status != :anonymised AND signaleren_families.tenant_id = :tenant)) "
        "AND signaleren_referrals.family_id IN :families AND signaleren_referrals.tenant_id = :tenant "
        "ORDER BY signaleren_referrals.created_at DESC"
    ).bindparams(bindparam("families", expanding=True))


FAMILIES = {(registers, sqlite): _families_statement(registers, sqlite) for registers in (True, False) for sqlite in (True, False)}
FAMILY_REFERRALS = {sends: _referrals_statement(sends) for sends in (True, False)}
FAMILY_SIGNALS = text(
    "SELECT signaleren_signals.id, signaleren_signals.family_id, signaleren_signals.worries, "
    "signaleren_signals.risk_factors, signaleren_signals.protective_factors, signaleren_signals.note, "
    "signaleren_signals.suggested_classification, signaleren_signals.classification, signaleren_signals.classification_reason, "
    "signaleren_signals.wijk_id, signaleren_signals.partner_id, signaleren_signals.recorded_by, signaleren_signals.recorded_at "
    "FROM signaleren_signals WHERE signaleren_signals.family_id IN :families AND signaleren_signals.tenant_id = :tenant "
    "ORDER BY signaleren_signals.recorded_at DESC"
).bindparams(bindparam("families", expanding=True))
FAMILY_CONSENTS = text(
    "SELECT signaleren_consents.id, signaleren_consents.family_id, signaleren_consents.purpose, "
    "signaleren_consents.partner_ids, signaleren_consents.method, signaleren_consents.given_on, signaleren_consents.valid_until, "
    "signaleren_consents.recorded_by, signaleren_consents.recorded_at, signaleren_consents.revoked_at, signaleren_consents.revoked_by, "
    "signaleren_consents.revocation_note FROM signaleren_consents "
    "WHERE signaleren_consents.family_id IN :families AND signaleren_consents.tenant_id = :tenant ORDER BY signaleren_consents.recorded_at DESC"
).bindparams(bindparam("families", expanding=True))
FAMILY_PLAN_ITEMS = text(
    "SELECT signaleren_plan_items.id, signaleren_plan_items.family_id, signaleren_plan_items.domain, "
    "signaleren_plan_items.description, signaleren_plan_items.status, signaleren_plan_items.regeling_id, signaleren_plan_items.created_by, "
    "signaleren_plan_items.created_at, signaleren_plan_items.updated_at FROM signaleren_plan_items "
    "WHERE signaleren_plan_items.family_id IN :families AND signaleren_plan_items.tenant_id = :tenant ORDER BY signaleren_plan_items.created_at"
).bindparams(bindparam("families", expanding=True))


def _rows_by_id(table: str, columns: str) -> Any:
    """The rows of `table` with these ids (an expanding list) in the tenant, as the loaders read them."""
    return text(f"SELECT {columns} FROM {table} WHERE {table}.id IN :ids AND {table}.tenant_id = :tenant").bindparams(bindparam("ids", expanding=True))


PARTNERS_BY_ID = _rows_by_id("partners", _columns("partners", _PARTNER_COLUMNS))
WIJKEN_BY_ID = _rows_by_id("wijken", "wijken.id, wijken.code, wijken.name, wijken.active")
MEMBERS_BY_ID = _rows_by_id("memberships", _columns("memberships", _MEMBER_COLUMNS))
REFERRAL_HISTORY = text(
    "SELECT workflow_history.subject_id, workflow_history.transition, workflow_history.from_state, workflow_history.to_state, workflow_history.reason, workflow_history.actor, "
    "workflow_history.occurred_at FROM workflow_history "
    "WHERE workflow_history.workflow = :workflow AND workflow_history.subject_id IN :ids AND workflow_history.tenant_id = :tenant "
    "ORDER BY workflow_history.occurred_at, workflow_history.id"
).bindparams(bindparam("ids", expanding=True))
#: The processing log's records of a read, one per family, in one statement (executed for
#: all rows at once, as the platform's bulk insert); sealed later, not here.
PROCESSING_RECORDS = text(
    "INSERT INTO processing_log (tenant_id, id, position, trace_id, span_id, operation, activity, started_at, ended_at, status, "
    "actor_type, actor, on_behalf_of, data_subject, result) VALUES (:tenant_id, :id, :position, :trace_id, :span_id, :operation, "
    ":activity, :started_at, :ended_at, :status, :actor_type, :actor, :on_behalf_of, :data_subject, :result)"
)


async def families(connection: Any, tenant_id: Any, who: Any, actor: str, secret: str, first: int = 40) -> Any:
    """`families(first: 40)` of benchmarks/run.py with every nested list, as the member's
    organisation sees it: the page, the names of its organisations and wijken, its signals,
    consents, referrals and plan items (one statement per kind), the names and contacts and
    the steps of its referrals; then the processing log's record of the read of each
    family (on PostgreSQL in the read's own transaction, on SQLite in a write transaction
    of its own, as the platform writes them), and the answer. Rows are matched by their ids
    as the driver gives them; an id becomes text only in the answer."""
    postgres = connection.dialect.name == "postgresql"
    roles = set(_json(who.roles) or ())
    partner = who.partner_id
    if partner is None or not roles & FAMILY_READERS:
        raise PermissionError("reads no families")
    partner_text = str(_uuid(partner))
    registers, sends = bool(roles & FAMILY_WRITERS), bool(roles & REFERRAL_SENDERS)
    today = dt.date.today()
    visible = {"tenant": tenant_id, "partner": partner, "today": today if postgres else today.isoformat(), "anonymised": "anonymised", **SHARING_STATES}
    page = {"limit": first + 1} | ({} if postgres else {"offset": 0})
    rows = (await connection.execute(FAMILIES[registers, not postgres], visible | page)).all()[:first]
    ids = [row.id for row in rows]
    now = dt.datetime.now(dt.UTC)  # the read is recorded when the page is read

    async def names(statement: Any, wanted: set[Any], column: str = "name") -> dict[Any, str]:
        if not wanted:
            return {}
        return {row.id: getattr(row, column) for row in await connection.execute(statement, {"ids": list(wanted), "tenant": tenant_id})}

    partners = await names(PARTNERS_BY_ID, {row.registering_partner_id for row in rows})
    wijken = await names(WIJKEN_BY_ID, {row.wijk_id for row in rows} - {None})
    nested = {"families": ids, "tenant": tenant_id}
    signals = _grouped(await connection.execute(FAMILY_SIGNALS, nested)) if ids else {}
    consents = _grouped(await connection.execute(FAMILY_CONSENTS, nested)) if ids else {}
    referrals = _grouped(await connection.execute(FAMILY_REFERRALS[sends], visible | nested)) if ids else {}
    plans = _grouped(await connection.execute(FAMILY_PLAN_ITEMS, nested)) if ids else {}
    # A consent's organisations (ids as text), and the consents each family shows: all of
    # them to the organisation that registered it, to another only those naming it.
    organisations = {row.id: _json(row.partner_ids) for found in consents.values() for row in found}
    mine = {row.id: row.registering_partner_id == partner for row in rows}
    shown = {family: [row for row in found if mine[family] or partner_text in organisations[row.id]] for family, found in consents.items()}
    # The names the nested lists show that the page did not read already: one statement.
    wanted = {row.partner_id for found in signals.values() for row in found}
    wanted |= {_bound(value, postgres) for found in shown.values() for row in found for value in organisations[row.id]}
    wanted |= {value for found in referrals.values() for row in found for value in (row.from_partner_id, row.to_partner_id)}
    partners |= await names(PARTNERS_BY_ID, wanted - partners.keys())
    all_referrals = [row for found in referrals.values() for row in found]
    contacts = await names(MEMBERS_BY_ID, {row.to_contact_id for row in all_referrals} - {None}, "display_name")
    history: dict[Any, list[dict[str, Any]]] = {}
    if all_referrals:
        steps = await connection.execute(REFERRAL_HISTORY, {"workflow": REFERRAL_WORKFLOW, "ids": [row.id for row in all_referrals], "tenant": tenant_id})
        for step in steps:
            history.setdefault(step.subject_id, []).append(
                {
                    "at": _moment(step.occurred_at),
                    "transition": step.transition.upper(),
                    "fromState": step.from_state.upper(),
                    "toState": step.to_state.upper(),
                    "reason": step.reason,
                }
            )
    family_ids = {value: str(_uuid(value)) for value in ids}
    await _record_reads(connection, tenant_id, partner_text, actor, secret, list(family_ids.values()), now, postgres)

    def signal(row: Any) -> dict[str, Any]:
        own = row.partner_id == partner
        return {
            "id": str(_uuid(row.id)),
            "recordedAt": _moment(row.recorded_at),
            "organisation": partners.get(row.partner_id, "?"),
            "worries": [value.upper() for value in _json(row.worries)],
            "riskFactors": _json(row.risk_factors),
            "protectiveFactors": _json(row.protective_factors),
            "note": row.note if own else None,
            "suggestedClassification": row.suggested_classification,
            "classification": row.classification,
            "classificationReason": row.classification_reason if own else None,
        }

    def consent(row: Any) -> dict[str, Any]:
        return {
            "id": str(_uuid(row.id)),
            "purpose": row.purpose,
            "organisations": [partners.get(_bound(value, postgres), "?") for value in organisations[row.id]],
            "method": row.method.upper(),
            "givenOn": _day(row.given_on),
            "validUntil": _day(row.valid_until),
            "revokedAt": _moment(row.revoked_at),
            "valid": row.revoked_at is None and _date(row.valid_until) >= today,
        }

    def referral(row: Any) -> dict[str, Any]:
        sides = {side for side, organisation in (("referrer", row.from_partner_id), ("receiver", row.to_partner_id)) if organisation == partner}
        return {
            "id": str(_uuid(row.id)),
            "fromOrganisation": partners.get(row.from_partner_id, "?"),
            "toOrganisation": partners.get(row.to_partner_id, "?"),
            "toContact": contacts.get(row.to_contact_id),
            "support": [value.upper() for value in _json(row.support)],
            "note": row.note,
            "state": row.state.upper(),
            "rejectionReason": row.rejection_reason,
            "outcome": row.outcome.upper() if row.outcome else None,
            "outcomeNote": row.outcome_note,
            "createdAt": _moment(row.created_at),
            "sentAt": _moment(row.sent_at),
            "respondBy": _day(row.respond_by),
            "respondedAt": _moment(row.responded_at),
            "startedAt": _moment(row.started_at),
            "completedAt": _moment(row.completed_at),
            "history": history.get(row.id, []),
            "allowedTransitions": [name.upper() for name, sources, side, may in REFERRAL_STEPS if row.state in sources and side in sides and roles & may],
        }

    def plan_item(row: Any) -> dict[str, Any]:
        return {
            "id": str(_uuid(row.id)),
            "domain": row.domain.upper(),
            "description": row.description,
            "status": row.status.upper(),
            "regelingId": str(_uuid(row.regeling_id)) if row.regeling_id is not None else None,
            "updatedAt": _moment(row.updated_at),
        }

    edges = []
    for row in rows:
        family, own = row.id, mine[row.id]
        edges.append(
            {
                "node": {
                    "id": family_ids[family],
                    "localReference": row.local_reference if own else None,
                    "initials": row.initials if own else None,
                    "phase": row.phase.upper(),
                    "expectedMonth": row.expected_month,
                    "birthMonth": row.birth_month,
                    "wijk": wijken.get(row.wijk_id),
                    "registeringOrganisation": partners.get(row.registering_partner_id, "?"),
                    "registeredByMyOrganisation": own,
                    "status": row.status.upper(),
                    "createdAt": _moment(row.created_at),
                    "closedAt": _moment(row.closed_at),
                    "signals": [signal(item) for item in signals.get(family, [])],
                    "consents": [consent(item) for item in shown.get(family, [])],
                    "referrals": [referral(item) for item in referrals.get(family, [])],
                    "supportPlan": [plan_item(item) for item in plans.get(family, [])],
                }
            }
        )
    return {"families": {"edges": edges}}


async def _record_reads(connection: Any, tenant_id: Any, partner: str, actor: str, secret: str, families: list[str], now: dt.datetime, postgres: bool) -> None:
    """The processing log's records of the read: one per family, the family as the log's
    pseudonym (an HMAC under the tenant's key), unsealed, committed. On PostgreSQL in the
    read's transaction; on SQLite in a write transaction (BEGIN IMMEDIATE) of its own."""
    if not families:
        return
    tenant = _uuid(tenant_id)
    key = hmac.new(secret.encode(), b"processing-log:" + str(tenant).encode(), hashlib.sha256).digest()
    moment: Any = now if postgres else now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    common = {
        "tenant_id": tenant_id,
        "trace_id": secrets.token_hex(16),
        "span_id": secrets.token_hex(8),
        "operation": "families",
        "activity": FAMILY_ACTIVITY,
        "started_at": moment,
        "ended_at": moment,
        "status": "ok",
        "actor_type": "person",
        "actor": actor,
        "on_behalf_of": f"partner:{partner}",
        "result": "read",
    }
    records = [
        common
        | {
            "id": uuid.uuid4() if postgres else uuid.uuid4().hex,
            "position": position,
            "data_subject": hmac.new(key, family.encode(), hashlib.sha256).hexdigest(),
        }
        for position, family in enumerate(families)
    ]
    if not postgres:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
    await connection.execute(PROCESSING_RECORDS, records)
    await connection.commit()


def _grouped(rows: Any) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.family_id, []).append(row)
    return grouped


def _bound(value: str, postgres: bool) -> Any:
    """An id kept as text (a consent's organisations) as the driver gives and binds it
    (PostgreSQL: uuid; SQLite: the 32 hex digits stored)."""
    return uuid.UUID(value) if postgres else value.replace("-", "")


def _moment(value: Any) -> str | None:
    """A timestamp as the platform answers it: ISO 8601 in UTC (SQLite keeps naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).isoformat()
    return value.astimezone(dt.UTC).isoformat()


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value

"""Who sees what of handvat 2, in one place.

A family is seen by members of the organisation that registered it (with `family.write`),
and by members of an organisation with a referral that shares it now: sent to it, in a
sharing state, under consent that is neither revoked nor expired (`family.read`). A
partner worker therefore sees only families referred to their organisation; analysts and
experts by experience see figures only; the platform operator, no member of any
organisation, sees nothing; an anonymised family is seen by no one. A family or referral
one may not see is NOT_FOUND, exactly like one that does not exist. Who works for no
organisation (an API client, a member without one) reads none of it: ORGANISATION_REQUIRED.

The rules are functions of a `Viewer` (who asks), so that the batch reads of the GraphQL
loaders, which get a session and keys but no unit of work, apply the same rules."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, or_, select

from core.plugin import Conflict, NotFound, Work, paginate, parse_id, record_processing
from plugins.handvat2_signaleren.models import Consent, Family, Referral
from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_WRITE, REFERRAL_SEND
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.errors import OrganisationRequired, WrongOrganisation
from plugins.handvat2_signaleren.workflows import SHARING_STATES


@dataclass(frozen=True)
class Viewer:
    """Who asks, as far as the rules of handvat 2 are concerned."""

    membership_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        return permission in self.permissions


def viewer(work: Work) -> Viewer:
    principal = work.principal
    return Viewer(principal.membership_id, principal.partner_id, frozenset(principal.permissions))


#: Why one without an organisation reads nothing of a family (ORGANISATION_REQUIRED).
READ_NEEDS_ORGANISATION = (
    "Deze gegevens zijn alleen zichtbaar voor medewerkers van een partnerorganisatie van de coalitie: "
    "wat u van een gezin ziet, hangt af van de organisatie waarvoor u werkt. "
    "Een API-client of een lid zonder organisatie kan ze niet lezen."
)


def own_organisation(work: Work) -> tuple[uuid.UUID, uuid.UUID]:
    """(membership id, partner organisation id) of the member; handvat 2 works per organisation."""
    if work.principal.membership_id is None or work.principal.partner_id is None:
        raise OrganisationRequired("Dit kan alleen als medewerker van een partnerorganisatie van de coalitie.")
    return work.principal.membership_id, work.principal.partner_id


def reading_viewer(work: Work) -> Viewer:
    """Who reads family data: a member of a partner organisation. Anyone else (an API client
    with client credentials, a member without an organisation) is told so
    (ORGANISATION_REQUIRED), never answered with an empty list that would look like "no
    families"."""
    who = viewer(work)
    if who.partner_id is None or who.membership_id is None:
        raise OrganisationRequired(READ_NEEDS_ORGANISATION)
    return who


# -- consent, on which sharing depends -----------------------------------------------------------


def consent_valid(consent: Consent, today: dt.date) -> bool:
    return consent.revoked_at is None and consent.valid_until >= today


def consent_problem(consent: Consent, partner_id: uuid.UUID, today: dt.date) -> str | None:
    """Why this consent does not allow sharing with the organisation now (None: it does)."""
    if consent.revoked_at is not None:
        return "De ouder heeft deze toestemming ingetrokken."
    if consent.valid_until < today:
        return f"Deze toestemming is verlopen op {consent.valid_until:%d-%m-%Y}."
    if str(partner_id) not in consent.partner_ids:
        return "De toestemming geldt niet voor deze organisatie."
    return None


def shares_with(partner: Any, today: dt.date) -> Any:
    """The SQL condition for a referral that shares its family with this organisation now:
    sent to it, in a sharing state, with consent that is neither revoked nor expired."""
    valid_consent = exists(
        select(Consent.id).where(
            Consent.tenant_id == Referral.tenant_id, Consent.id == Referral.consent_id, Consent.revoked_at.is_(None), Consent.valid_until >= today
        )
    )
    return (Referral.to_partner_id == partner) & Referral.state.in_(SHARING_STATES) & valid_consent


# -- families and referrals ------------------------------------------------------------------------


#: The conditions for "nothing" (one object each, so that statements built on them are too).
_NO_FAMILY = Family.id.is_(None)
_NO_REFERRAL = Referral.id.is_(None)


def visible_family_filter(who: Viewer, today: dt.date) -> Any:
    """The SQL condition for the families this member's organisation may see."""
    partner = who.partner_id
    if partner is None or not who.may(FAMILY_READ):
        return _NO_FAMILY
    return _visible_families(partner, today, who.may(FAMILY_WRITE))


def visible_referral_filter(who: Viewer, today: dt.date) -> Any:
    """Referrals this member's organisation may see: its own outgoing ones (not for a
    partner worker), and incoming ones only while they share the family with valid consent
    (as `visible_family_filter`); never those of an anonymised family."""
    partner = who.partner_id
    if partner is None or not who.may(FAMILY_READ):
        return _NO_REFERRAL
    return _visible_referrals(partner, today, who.may(REFERRAL_SEND))


# The conditions are made once per organisation, day and kind of member and then reused
# (SQL expressions never change once made): making them took ~2.5 ms of a moveReferral's
# CPU, more than running them. Bounded; an entry of an earlier day is simply not asked for.


@lru_cache(maxsize=1024)
def _visible_families(partner: uuid.UUID, today: dt.date, registers: bool) -> Any:
    referred = exists(select(Referral.id).where(Referral.family_id == Family.id, shares_with(partner, today)))
    condition = or_(Family.registering_partner_id == partner, referred) if registers else referred
    return condition & (Family.status != "anonymised")


@lru_cache(maxsize=1024)
def _visible_referrals(partner: uuid.UUID, today: dt.date, sends: bool) -> Any:
    incoming = shares_with(partner, today)
    condition = or_(Referral.from_partner_id == partner, incoming) if sends else incoming
    not_anonymised = exists(
        select(Family.id).where(Family.id == Referral.family_id, Family.tenant_id == Referral.tenant_id, Family.status != "anonymised")
    )
    return condition & not_anonymised


async def visible_family(work: Work, family_id: Any, *, field: str = "id", operation: str = "family", record: bool = True) -> Family:
    """The family, when this member's organisation may see it (else NOT_FOUND: whether it
    exists is not told). Records the read (a mutation records its own write instead)."""
    who = reading_viewer(work)
    identifier = parse_id(family_id, field)
    statement = select(Family).where(Family.id == identifier, visible_family_filter(who, dt.date.today()))
    family = (await work.session.execute(statement)).scalar_one_or_none()
    if family is None:
        raise NotFound("Dit gezin bestaat niet of uw organisatie mag het niet zien.", field=field)
    if record:
        record_processing(work, ACTIVITY, operation, [family.id], "read")
    return family


async def registered_family(work: Work, family_id: Any, *, field: str, operation: str, closed_too: bool = False) -> Family:
    """A family this member may change: registered by their own organisation (an
    organisation it was referred to sees it, but changes nothing and shares it no further)
    and still open (a closed family is only reopened)."""
    work.principal.require(FAMILY_WRITE)
    own_organisation(work)
    family = await visible_family(work, family_id, field=field, operation=operation, record=False)
    if family.registering_partner_id != work.principal.partner_id:
        raise WrongOrganisation("Alleen de organisatie die het gezin registreerde, legt hier iets over vast.", field=field)
    if family.status != "open" and not closed_too:
        raise Conflict("Dit gezin is afgesloten: heropen het eerst (closeFamily met closed: false).", field=field)
    return family


async def owning_family(work: Work, row: Any, message: str, operation: str, *, closed_too: bool = False) -> Family:
    """The family of a consent or plan item this member may change; one answer whether the
    row does not exist or is another organisation's (its existence is not told)."""
    try:
        if row is None:
            raise NotFound(message, field="input.id")
        return await registered_family(work, row.family_id, field="input.id", operation=operation, closed_too=closed_too)
    except (NotFound, WrongOrganisation):
        raise NotFound(message, field="input.id") from None


# -- lists --------------------------------------------------------------------------------------------


def columns_of(model: Any) -> tuple[Any, ...]:
    """Every column of `model` but the tenant's, as its attribute. A select of them gives rows
    read by the same names as the entity's attributes: what a read-only list reads, without
    the entities (several times cheaper to make, and nothing for the session to keep or
    expire). Scoped to the tenant as a select of the entity is (so every row is the
    tenant's: it need not carry the tenant's id)."""
    return tuple(getattr(model, column.key) for column in model.__table__.columns if column.key != "tenant_id")


def rows_of_families(model: Any, *order_by: Any, where: Any = None) -> Any:
    """A select of the rows (`columns_of`) of `model` that belong to some families (bound per
    call as `families`, an expanding list: see `read_for_families`), in this order; `where` a
    further condition. Built once, so that the scoping hook and the compiled cache do their
    work once."""
    statement = select(*columns_of(model)).where(model.family_id.in_(bindparam("families", expanding=True)))
    return (statement if where is None else statement.where(where)).order_by(*order_by)


async def read_for_families(session: Any, statement: Any, families: Iterable[Any]) -> Any:
    """The rows of a `rows_of_families` statement for these families (views with a `row`)."""
    return await session.execute(statement, {"families": [family.row.id for family in families]})


async def newest_first(
    work: Work,
    statement: Any,
    model: Any,
    *,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[Any]], Awaitable[list[Any]]],
    moment: str = "created_at",
    as_rows: bool = False,
) -> Any:
    """A page (a connection) of the rows of `statement`, newest first (by `moment`), turned
    into nodes a page at a time (`as_rows`: `statement` selects columns, see `paginate`)."""
    return await paginate(
        work.session,
        statement,
        order_by=[getattr(model, moment), model.id],
        descending=True,
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
        as_rows=as_rows,
    )

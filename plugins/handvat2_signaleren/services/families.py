"""Families: registering, updating, closing and reopening a family; the families one may
see. A family is pseudonymous: the registering organisation's own reference, optional
initials, the phase in months, the wijk."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select

from core.plugin import Conflict, ValidationFailed, Work, parse_id, record_processing, refuse_identifying, utcnow, validate, wijken_by_code
from plugins.handvat2_signaleren.models import Family, Referral
from plugins.handvat2_signaleren.permissions import FAMILY_WRITE
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.visibility import (
    Viewer,
    columns_of,
    newest_first,
    own_organisation,
    reading_viewer,
    registered_family,
    viewer,
    visible_family,
    visible_family_filter,
)
from plugins.handvat2_signaleren.workflows import OPEN_STATES

Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
WijkCode = Annotated[str, StringConstraints(pattern=r"^WK\d{6}$")]
Phase = Literal["preconceptie", "zwanger", "kind_0_2"]


@dataclass(frozen=True, eq=False)
class FamilyView:
    """A family as the asking organisation sees it: its own reference and the initials only
    when it registered the family (they are its key to its own files). The batch reads of a
    family's signals, consents, referrals and plan take it as their key."""

    #: The family: an entity, or a row of its columns (a page of families, see `columns_of`).
    row: Any
    viewer: Viewer

    @property
    def mine(self) -> bool:
        return self.row.registering_partner_id == self.viewer.partner_id

    @property
    def local_reference(self) -> str | None:
        return self.row.local_reference if self.mine else None

    @property
    def initials(self) -> str | None:
        return self.row.initials if self.mine else None


def as_seen(work: Work, family: Family) -> FamilyView:
    return FamilyView(family, viewer(work))


def per_family(
    families: Sequence[FamilyView], rows: Iterable[Any], seen: Callable[[FamilyView, Any], Any] = lambda _family, row: row
) -> dict[FamilyView, list[Any]]:
    """For the batch reads of a family's rows: the rows (in their order) of each family, each
    as that family's viewer sees it (`seen`, None to leave a row out)."""
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.family_id].append(row)
    return {family: [view for row in grouped[family.row.id] if (view := seen(family, row)) is not None] for family in families}


class FamilyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    local_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    initials: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([A-Za-z]\.?){1,4}$")] | None = None
    phase: Phase
    expected_month: Month | None = None
    birth_month: Month | None = None
    wijk_code: WijkCode | None = None


class FamilyPhaseInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Phase
    expected_month: Month | None = None
    birth_month: Month | None = None
    wijk_code: WijkCode | None = None


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def check_phase(phase: str, expected_month: str | None, birth_month: str | None, today: dt.date) -> None:
    """The months that go with the phase, each error on its own field."""
    now = today.year * 12 + today.month - 1
    expected, birth = "input.expectedMonth", "input.birthMonth"
    if phase == "zwanger":
        if expected_month is None:
            raise ValidationFailed("Geef bij 'zwanger' de verwachte maand (JJJJ-MM).", field=expected)
        if birth_month is not None:
            raise ValidationFailed("Bij 'zwanger' hoort geen geboortemaand.", field=birth)
        if not -1 <= _month_index(expected_month) - now <= 10:
            raise ValidationFailed("De verwachte maand ligt niet binnen tien maanden vanaf nu.", field=expected)
    elif phase == "kind_0_2":
        if birth_month is None:
            raise ValidationFailed("Geef bij 'kind_0_2' de geboortemaand (JJJJ-MM).", field=birth)
        if expected_month is not None:
            raise ValidationFailed("Bij 'kind_0_2' hoort geen verwachte maand.", field=expected)
        if not 0 <= now - _month_index(birth_month) <= 35:
            raise ValidationFailed("De geboortemaand moet in de afgelopen drie jaar liggen en niet in de toekomst.", field=birth)
    elif expected_month is not None or birth_month is not None:
        raise ValidationFailed("Bij 'preconceptie' horen geen verwachte maand of geboortemaand.", field=expected if expected_month else birth)


async def _wijk_id(work: Work, code: str | None, field: str) -> uuid.UUID | None:
    if code is None:
        return None
    wijk = (await wijken_by_code(work.session, [code])).get(code)
    if wijk is None or not wijk.active:
        raise ValidationFailed(f"De gemeente heeft geen wijk {code}.", field=field)
    return wijk.id


async def register_family(work: Work, data: dict[str, Any]) -> FamilyView:
    work.principal.require(FAMILY_WRITE)
    membership_id, partner_id = own_organisation(work)
    fields = validate(FamilyInput, data, prefix="input")
    check_phase(fields.phase, fields.expected_month, fields.birth_month, dt.date.today())
    refuse_identifying(fields.local_reference, "input.localReference")
    clash = (
        await work.session.execute(
            select(Family.id).where(
                Family.registering_partner_id == partner_id, Family.local_reference == fields.local_reference, Family.status == "open"
            )
        )
    ).first()
    if clash is not None:
        raise Conflict("Uw organisatie heeft al een open gezin met dit kenmerk.", field="input.localReference")
    family = Family(
        local_reference=fields.local_reference,
        initials=fields.initials.upper() if fields.initials else None,
        phase=fields.phase,
        expected_month=fields.expected_month,
        birth_month=fields.birth_month,
        wijk_id=await _wijk_id(work, fields.wijk_code, "input.wijkCode"),
        registering_partner_id=partner_id,
        registered_by=membership_id,
    )
    work.session.add(family)
    await work.session.flush()
    record_processing(work, ACTIVITY, "registerFamily", [family.id], "created")
    return as_seen(work, family)


async def update_family(work: Work, family_id: Any, data: dict[str, Any]) -> FamilyView:
    family = await registered_family(work, family_id, field="input.id", operation="updateFamily")
    fields = validate(FamilyPhaseInput, data, prefix="input")
    check_phase(fields.phase, fields.expected_month, fields.birth_month, dt.date.today())
    family.phase, family.expected_month, family.birth_month = fields.phase, fields.expected_month, fields.birth_month
    family.wijk_id = await _wijk_id(work, fields.wijk_code, "input.wijkCode")
    family.updated_at = utcnow()
    await work.session.flush()
    record_processing(work, ACTIVITY, "updateFamily", [family.id], "updated")
    return as_seen(work, family)


async def set_family_closed(work: Work, family_id: Any, closed: bool) -> FamilyView:
    """Close (the support ended; the retention period starts) or reopen a family."""
    family = await registered_family(work, family_id, field="input.id", operation="closeFamily", closed_too=True)
    if closed and family.status == "open":
        open_referrals = (
            await work.session.execute(select(Referral.id).where(Referral.family_id == family.id, Referral.state.in_(OPEN_STATES)))
        ).first()
        if open_referrals is not None:
            raise Conflict("Er lopen nog verwijzingen voor dit gezin: rond ze af of trek ze terug.", field="input.id")
        family.status, family.closed_at = "closed", utcnow()
    elif not closed and family.status == "closed":
        family.status, family.closed_at = "open", None
    family.updated_at = utcnow()
    await work.session.flush()
    record_processing(work, ACTIVITY, "closeFamily", [family.id], "updated")
    return as_seen(work, family)


async def read_family(work: Work, family_id: Any) -> FamilyView:
    """One family this member's organisation may see; the read is recorded."""
    return as_seen(work, await visible_family(work, family_id))


async def families_page(
    work: Work,
    *,
    status: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[FamilyView]], Awaitable[list[Any]]],
) -> Any:
    """A page of the families this member's organisation may see, newest first (status open
    or closed); the read of the families of the page is recorded. Without an organisation:
    ORGANISATION_REQUIRED."""
    if status is not None and status not in ("open", "closed"):
        raise ValidationFailed("Kies de status open of closed.", field="status")
    who = reading_viewer(work)
    statement = _families_select(visible_family_filter(who, dt.date.today()), status)

    async def seen(rows: list[Any]) -> list[Any]:
        record_processing(work, ACTIVITY, "families", [row.id for row in rows], "read")
        return await to_nodes([FamilyView(row, who) for row in rows])

    return await newest_first(work, statement, Family, first=first, after=after, to_nodes=seen, as_rows=True)


@lru_cache(maxsize=1024)
def _families_select(visible: Any, status: str | None) -> Any:
    """A page's select of families as rows, built once per visibility condition (itself made
    once per organisation and day) and status: the same statement each time, so that its
    page statement is built once too (`paginate`)."""
    statement = select(*columns_of(Family)).where(visible)
    return statement if status is None else statement.where(Family.status == status)


async def family_exists(session: Any, family_id: Any) -> bool:
    """Whether another module may refer to the family: it is held in this tenant and not
    anonymised (what is left of an anonymised family serves the figures only; an erased
    family is gone)."""
    try:
        identifier = parse_id(family_id)
    except ValidationFailed:
        return False
    query = select(Family.id).where(Family.id == identifier, Family.status != "anonymised")
    return (await session.execute(query)).first() is not None

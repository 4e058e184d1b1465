"""Requests for a starter package: asking with the family's consent, what each side sees, and
the steps of the workflow (by a member, or by a link: `take_step`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, or_, select, update

from core.plugin import (
    Forbidden,
    NotFound,
    ValidationFailed,
    Work,
    WorkflowSubject,
    apply_transition,
    parse_id,
    partners_by_id,
    publish_event,
    record_processing,
    refuse_identifying,
    validate,
    workflow_history,
)

from kansrijk_babyspullen import MODULE_KEY
from kansrijk_babyspullen.config import CLOTHING_SIZES, DIAPER_SIZES, Config
from kansrijk_babyspullen.events import EVENT_FEEDBACK, EVENT_REQUESTED
from kansrijk_babyspullen.models import StarterPackageRequest
from kansrijk_babyspullen.processing import REQUESTS
from kansrijk_babyspullen.services.errors import FoundationNotConfigured, NoConsent, NotYourStep
from kansrijk_babyspullen.workflows import CLOSED_STATES, REQUEST_WORKFLOW, RequestState, Side, Step

#: The family of handvat 2, referred to by id (no import: `reference_exists`, `consent_to_share`).
FAMILY = "handvat2_signaleren.family"
PICK_UP, DELIVER = "ophalen", "bezorgen"


async def gemeente_config(work: Work) -> Config:
    return await work.module_config(MODULE_KEY)


@dataclass(frozen=True)
class Feedback:
    """A step the requester is told about."""

    transition: str
    to_state: str
    message: str
    reason: str | None
    at: dt.datetime


@dataclass(frozen=True)
class RequestView:
    """A request as the caller may see it: the family id only for the requesting
    organisation; the delivery address only while the request is open."""

    row: StarterPackageRequest
    item_labels: dict[str, str]
    for_requester: bool
    for_foundation: bool
    feedback: list[Feedback]

    @property
    def family_id(self) -> uuid.UUID | None:
        return self.row.family_id if self.for_requester else None

    @property
    def shows_address(self) -> bool:
        """The requester sees the address while the request is open; the foundation only once
        it accepted (it needs it to deliver, not to decide)."""
        if self.row.state in CLOSED_STATES or self.row.delivery_address is None:
            return False
        return self.for_requester or self.row.state != RequestState.REQUESTED


class RequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    due_date: dt.date | None = None
    child_age_months: int | None = Field(default=None, ge=0, le=24)
    clothing_size: Literal[CLOTHING_SIZES] | None = None  # type: ignore[valid-type]
    diaper_size: Literal[DIAPER_SIZES] | None = None  # type: ignore[valid-type]
    items: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]] = Field(min_length=1, max_length=20)
    handover: Literal["ophalen", "bezorgen"]
    pickup_point: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None = None
    delivery_address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=200)] | None = None


def own_organisation(work: Work) -> uuid.UUID:
    if work.principal.membership_id is None or work.principal.partner_id is None:
        raise Forbidden("Alleen een lid van een partnerorganisatie van de coalitie kan dit.", code="NOT_A_MEMBER")
    return work.principal.partner_id


def _check_when(fields: RequestInput, today: dt.date) -> None:
    if (fields.due_date is None) == (fields.child_age_months is None):
        raise ValidationFailed("Geef de uitgerekende datum óf de leeftijd van het kind (in maanden), niet allebei.", field="input.dueDate")
    if fields.due_date is not None and not today - dt.timedelta(days=31) <= fields.due_date <= today + dt.timedelta(days=300):
        raise ValidationFailed("De uitgerekende datum ligt niet binnen een maand terug tot tien maanden vooruit.", field="input.dueDate")


def _check_handover(fields: RequestInput, config: Config) -> None:
    if fields.handover == PICK_UP:
        if fields.delivery_address is not None:
            raise ValidationFailed("Een bezorgadres hoort alleen bij bezorgen: laat het leeg bij ophalen.", field="input.deliveryAddress")
        if fields.pickup_point not in config.pickup_points:
            raise ValidationFailed(
                f"Kies een uitgiftepunt van de stichting: {', '.join(config.pickup_points)}.", field="input.pickupPoint"
            )
        return
    if not config.delivers:
        raise ValidationFailed("De stichting bezorgt niet in deze gemeente: kies ophalen.", field="input.handover")
    if fields.pickup_point is not None:
        raise ValidationFailed("Een uitgiftepunt hoort alleen bij ophalen.", field="input.pickupPoint")
    if fields.delivery_address is None:
        raise ValidationFailed("Geef het bezorgadres (alleen voor de bezorging; het wordt gewist als de aanvraag is afgesloten).", field="input.deliveryAddress")


async def request_package(work: Work, data: dict[str, Any]) -> RequestView:
    """Ask the foundation for a starter package for a family that consented to sharing with it."""
    fields = validate(RequestInput, data, prefix="input")
    partner_id = own_organisation(work)
    config = await gemeente_config(work)
    foundation = config.foundation_id
    if foundation is None:
        raise FoundationNotConfigured("De coalitie heeft nog niet ingesteld welke organisatie de stichting is.")
    _check_when(fields, dt.date.today())
    known = {item.key: item.label for item in config.items}
    unknown = [key for key in fields.items if key not in known]
    if unknown:
        raise ValidationFailed("Een of meer spullen staan niet op de lijst van de stichting in deze gemeente.", field="input.items", unknown=unknown)
    if len(set(fields.items)) != len(fields.items):
        raise ValidationFailed("Noem elk artikel één keer.", field="input.items")
    _check_handover(fields, config)
    family_id = parse_id(fields.family_id, "input.familyId")
    if not await work.reference_exists(FAMILY, family_id):
        raise NotFound("Dit gezin bestaat niet (meer).", field="input.familyId")
    if not await work.consent_to_share(FAMILY, family_id, foundation):
        raise NoConsent("Het gezin heeft geen geldige toestemming om gegevens met de stichting te delen. Leg eerst toestemming vast.", field="input.familyId")
    foundation_row = (await partners_by_id(work.session, [foundation])).get(foundation)
    if foundation_row is None or not foundation_row.active:
        raise FoundationNotConfigured("De ingestelde stichting is geen actieve partnerorganisatie van de coalitie.")
    row = StarterPackageRequest(
        family_id=family_id,
        requested_by_membership_id=work.principal.membership_id,
        requesting_partner_id=partner_id,
        foundation_partner_id=foundation,
        due_date=fields.due_date,
        child_age_months=fields.child_age_months,
        clothing_size=fields.clothing_size,
        diaper_size=fields.diaper_size,
        items=list(fields.items),
        handover=fields.handover,
        pickup_point=fields.pickup_point,
        delivery_address=fields.delivery_address,
        state=REQUEST_WORKFLOW.initial,
    )
    work.session.add(row)
    await work.session.flush()
    publish_event(work.session, EVENT_REQUESTED, {"request_id": str(row.id), "foundation_partner_id": str(foundation)}, actor=work.actor)
    record_processing(work, REQUESTS, "requestStarterPackage", [row.id], "created")
    return (await views(work, [row], config))[0]


def visible_to(work: Work) -> Any:
    """The requests the caller may see: their organisation's own, or (the foundation's
    volunteers) those addressed to their organisation."""
    partner_id = own_organisation(work)
    return or_(StarterPackageRequest.requesting_partner_id == partner_id, StarterPackageRequest.foundation_partner_id == partner_id)


async def views(work: Work, rows: list[StarterPackageRequest], config: Config | None = None) -> list[RequestView]:
    config = config or await gemeente_config(work)
    labels = {item.key: item.label for item in config.items}
    partner_id = work.principal.partner_id
    history = await workflow_history(work.session, REQUEST_WORKFLOW, [row.id for row in rows])
    result = []
    for row in rows:
        feedback = [
            Feedback(entry.transition, entry.to_state, (REQUEST_WORKFLOW.transition(entry.transition).feedback or ""), entry.reason, entry.occurred_at)
            for entry in history[row.id]
        ]
        result.append(
            RequestView(row, labels, row.requesting_partner_id == partner_id, row.foundation_partner_id == partner_id, feedback)
        )
    return result


def list_statement(work: Work, states: list[str] | None) -> Any:
    statement = select(StarterPackageRequest).where(visible_to(work))
    if states:
        statement = statement.where(StarterPackageRequest.state.in_(states))
    return statement


async def visible_request(work: Work, request_id: Any, *, field: str, lock: bool = False) -> StarterPackageRequest:
    wanted = parse_id(request_id, field)
    statement = select(StarterPackageRequest).where(StarterPackageRequest.id == wanted, visible_to(work))
    row = (await work.session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze aanvraag bestaat niet.", field=field)
    return row


async def move(work: Work, data: dict[str, Any]) -> RequestView:
    """A member takes a step: the foundation's volunteers theirs, the requesting organisation
    its own (withdrawing)."""
    row = await visible_request(work, data.get("id"), field="input.id", lock=True)
    name = str(data.get("transition") or "")
    transition = REQUEST_WORKFLOW.transition(name)
    if transition is not None:
        side_partner = row.foundation_partner_id if transition.side == Side.FOUNDATION else row.requesting_partner_id
        if work.principal.partner_id != side_partner:
            raise NotYourStep("Deze stap is van de andere kant van de aanvraag.", field="input.transition")
    await take_step(work, row, name, data.get("reason"), operation="moveStarterPackageRequest")
    return (await views(work, [row]))[0]


def handover_problem(row: StarterPackageRequest, name: str) -> str | None:
    """Why `name` does not fit how the package changes hands (None: it does)."""
    if name == Step.PICK_UP and row.handover != PICK_UP:
        return "Dit pakket wordt bezorgd: leg 'bezorgen' vast."
    if name == Step.DELIVER and row.handover != DELIVER:
        return "Dit pakket wordt opgehaald: leg 'ophalen' vast."
    return None


async def take_step(work: Work, row: StarterPackageRequest, name: str, reason: Any, *, operation: str, prefix: str = "input.") -> None:
    """Take step `name` on a locked request: the history row and core's event (apply_transition),
    the address wiped at close, and feedback to the requesting professional."""
    transition = REQUEST_WORKFLOW.transition(name)
    problem = handover_problem(row, name) if transition is not None and row.state in transition.source else None
    if problem is not None:  # a step not allowed at all is refused by apply_transition, naming the allowed ones
        raise ValidationFailed(problem, field=f"{prefix}transition")
    cleaned = str(reason).strip() if reason is not None and str(reason).strip() else None
    if cleaned is not None:
        if len(cleaned) > 500:
            raise ValidationFailed("De reden is te lang (hoogstens 500 tekens).", field=f"{prefix}reason")
        refuse_identifying(cleaned, f"{prefix}reason")
    subject = WorkflowSubject(id=row.id, state=row.state, attributes={"foundation_partner_id": str(row.foundation_partner_id)})
    await apply_transition(work, REQUEST_WORKFLOW, subject, name, reason=cleaned, record=row)
    if row.state in CLOSED_STATES:
        row.delivery_address = None  # held until delivery, wiped at close
        row.closed_at = row.closed_at or row.responded_at
    await work.session.flush()
    if row.requested_by_membership_id is not None:
        publish_event(
            work.session,
            EVENT_FEEDBACK,
            {"request_id": str(row.id), "recipient_id": str(row.requested_by_membership_id), "transition": name, "to_state": row.state},
            actor=work.actor,
        )
    record_processing(work, REQUESTS, operation, [row.id], "updated")


async def forget_family(session: Any, family_id: Any, *, erase: bool) -> list[uuid.UUID]:
    """A family erased (its requests go) or anonymised (they stay for the counts, without the
    family and the address); the ids of the requests concerned."""
    wanted = parse_id(family_id)
    ids = list((await session.execute(select(StarterPackageRequest.id).where(StarterPackageRequest.family_id == wanted))).scalars())
    if ids and erase:
        await session.execute(delete(StarterPackageRequest).where(StarterPackageRequest.id.in_(ids)))
    elif ids:
        await session.execute(
            update(StarterPackageRequest).where(StarterPackageRequest.id.in_(ids)).values(family_id=None, delivery_address=None)
        )
    return ids


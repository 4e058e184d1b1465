"""Output types, from a service's result (no SQL, no rules)."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.plugin import container, enum_member, readable_with

from kansrijk_babyspullen.graphql.enums import Handover, StarterPackageState, StarterPackageStep
from kansrijk_babyspullen.permissions import LIST_READ, REQUEST_HANDLE, REQUEST_READ
from kansrijk_babyspullen.services.inbox import InboxSection
from kansrijk_babyspullen.services.requests import Feedback, RequestView


@readable_with(REQUEST_READ)
@strawberry.type(description="Een stap van de aanvraag, zoals de aanvrager hem te horen krijgt.")
class StarterPackageFeedback:
    step: StarterPackageStep  # type: ignore[valid-type]
    state: StarterPackageState  # type: ignore[valid-type]
    message: str
    reason: str | None
    at: dt.datetime

    @classmethod
    def from_view(cls, feedback: Feedback) -> StarterPackageFeedback:
        return cls(
            step=enum_member(StarterPackageStep, feedback.transition),
            state=enum_member(StarterPackageState, feedback.to_state),
            message=feedback.message,
            reason=feedback.reason,
            at=feedback.at,
        )


@readable_with(LIST_READ)
@strawberry.type(name="StarterPackageItem", description="Een artikel van de lijst van de stichting.")
class ItemNode:
    key: str
    label: str


@readable_with(REQUEST_READ)
@strawberry.type(
    description="Een aanvraag voor een startpakket. Geen naam, geen BSN; het gezin alleen als id (en alleen voor de "
    "aanvragende organisatie); het bezorgadres alleen bij bezorgen en zolang de aanvraag open is."
)
class StarterPackageRequest:
    id: strawberry.ID
    state: StarterPackageState  # type: ignore[valid-type]
    family_id: strawberry.ID | None = strawberry.field(description="Het gezin (handvat 2); alleen voor de aanvragende organisatie.")
    requested_by_my_organisation: bool
    for_my_organisation: bool = strawberry.field(description="Of de aanvraag aan uw organisatie (de stichting) is gericht.")
    due_date: dt.date | None
    child_age_months: int | None
    clothing_size: str | None
    diaper_size: str | None
    items: list[ItemNode]
    handover: Handover  # type: ignore[valid-type]
    pickup_point: str | None
    delivery_address: str | None = strawberry.field(
        description="Alleen bij bezorgen, tot de aanvraag is afgesloten; de stichting ziet het pas als zij de aanvraag aannam."
    )
    requested_at: dt.datetime
    responded_at: dt.datetime | None
    ready_at: dt.datetime | None
    closed_at: dt.datetime | None
    feedback: list[StarterPackageFeedback] = strawberry.field(description="De stappen tot nu toe, oudste eerst.")

    @classmethod
    def from_view(cls, view: RequestView) -> StarterPackageRequest:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            state=enum_member(StarterPackageState, row.state),
            family_id=strawberry.ID(str(view.family_id)) if view.family_id else None,
            requested_by_my_organisation=view.for_requester,
            for_my_organisation=view.for_foundation,
            due_date=row.due_date,
            child_age_months=row.child_age_months,
            clothing_size=row.clothing_size,
            diaper_size=row.diaper_size,
            items=[ItemNode(key=key, label=view.item_labels.get(key, key)) for key in row.items],
            handover=enum_member(Handover, row.handover),
            pickup_point=row.pickup_point,
            delivery_address=row.delivery_address if view.shows_address else None,
            requested_at=row.requested_at,
            responded_at=row.responded_at,
            ready_at=row.ready_at,
            closed_at=row.closed_at,
            feedback=[StarterPackageFeedback.from_view(item) for item in view.feedback],
        )


@readable_with(REQUEST_HANDLE)
@strawberry.type(description="Een gemeente in de inbox van de stichting.")
class StarterPackageInboxGemeente:
    slug: str
    name: str
    requests: list[StarterPackageRequest]
    truncated: bool = strawberry.field(description="Of er meer aanvragen zijn dan hier getoond (de oudste komen eerst).")
    problem: str | None = strawberry.field(
        description="Waarom deze gemeente niet gelezen kon worden (een foutcode, bijv. MFA_REQUIRED: log in met een tweede stap)."
    )

    @classmethod
    def from_section(cls, section: InboxSection) -> StarterPackageInboxGemeente:
        return cls(
            slug=section.tenant.slug,
            name=section.tenant.name,
            requests=[StarterPackageRequest.from_view(view) for view in section.requests],
            truncated=section.truncated,
            problem=section.problem,
        )


@readable_with(LIST_READ)
@strawberry.type(description="Wat de stichting in deze gemeente aanbiedt.")
class StarterPackageList:
    configured: bool = strawberry.field(description="Of de coalitie heeft ingesteld welke organisatie de stichting is.")
    items: list[ItemNode]
    pickup_points: list[str]
    delivers: bool
    clothing_sizes: list[str]
    diaper_sizes: list[str]


@container
@strawberry.type
class StarterPackageRequestPayload:
    request: StarterPackageRequest

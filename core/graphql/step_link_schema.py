"""Core's GraphQL for step links (core.step_links): a member who may send them mails a link
with which someone without an account answers the next step of a module's workflow, sees the
links of one subject and revokes one. The link itself goes only to the recipient's address."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core import step_links
from core.graphql.enums import value_enum
from core.graphql.fields import container, field, input_data, mutation, readable_with
from core.step_links import STEP_LINK_SEND, StepLink

_STATUSES = {"open": "Nog te gebruiken.", "used": "Gebruikt (één keer).", "revoked": "Ingetrokken.", "expired": "Verlopen."}
StepLinkStatus = value_enum("StepLinkStatus", _STATUSES, "Of een link nog werkt.", _STATUSES)


@readable_with(STEP_LINK_SEND)
@strawberry.type(
    name="StepLink",
    description="Een eenmalige link waarmee iemand zonder account de volgende stap van een workflow beantwoordt. "
    "De link zelf staat alleen in de mail aan de ontvanger.",
)
class StepLinkNode:
    id: strawberry.ID
    workflow: str = strawberry.field(description="De workflow, bijv. babyspullen.request.")
    subject_id: strawberry.ID = strawberry.field(description="Het record waarvoor de link is (bijv. de aanvraag).")
    from_state: str = strawberry.field(description="De toestand waarin het record was toen de link werd verstuurd.")
    transitions: list[str] = strawberry.field(description="De stappen die de link toestaat (één ervan, één keer).")
    recipient: str = strawberry.field(description="Het e-mailadres waar de link naartoe gaat (dat van de partner die antwoordt).")
    sent_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: StepLinkStatus  # type: ignore[valid-type]
    used_at: dt.datetime | None
    used_transition: str | None = strawberry.field(description="De stap die met de link is gezet.")
    revoked_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: StepLink) -> StepLinkNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            workflow=row.workflow,
            subject_id=strawberry.ID(str(row.subject_id)),
            from_state=row.from_state,
            transitions=list(row.transitions),
            recipient=row.recipient,
            sent_by=row.sent_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            status=StepLinkStatus(row.status),  # type: ignore[operator]
            used_at=row.used_at,
            used_transition=row.used_transition,
            revoked_at=row.revoked_at,
        )


@strawberry.input
class SendStepLinkInput:
    workflow: str = strawberry.field(description="De workflow, bijv. babyspullen.request.")
    subject_id: strawberry.ID = strawberry.field(description="Het record (bijv. de aanvraag).")
    valid_days: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"Hoeveel dagen de link werkt (1 tot {step_links.MAX_VALID_DAYS}; standaard {step_links.DEFAULT_VALID_DAYS})."
    )


@strawberry.input
class RevokeStepLinkInput:
    id: strawberry.ID


@container
@strawberry.type(description="De verstuurde link (de link zelf ging alleen per mail naar de ontvanger).")
class SendStepLinkPayload:
    step_link: StepLinkNode


@container
@strawberry.type
class RevokeStepLinkPayload:
    step_link: StepLinkNode = strawberry.field(description="De link, nu ingetrokken (of zoals hij al was: gebruikt of ingetrokken).")


@strawberry.type
class StepLinkQuery:
    @field(permission=STEP_LINK_SEND, description="De links die voor één record zijn verstuurd, oudste eerst (ook gebruikte en ingetrokken).")
    async def step_links(self, info: Info, workflow: str, subject_id: strawberry.ID) -> list[StepLinkNode]:
        statement = (await step_links.links_statement(info.context, workflow, subject_id)).order_by(StepLink.created_at, StepLink.id)
        return [StepLinkNode.from_row(row) for row in (await info.context.session.execute(statement)).scalars()]


@strawberry.type
class StepLinkMutation:
    @mutation(
        permission=STEP_LINK_SEND,
        description="Een eenmalige link mailen waarmee een partner zonder account de volgende stap van een workflow zet, "
        "naar het e-mailadres van die partner zoals de coalitie het vastlegde. Vraagt ook het recht dat de module voor deze "
        "workflow noemt; eerdere open links van hetzelfde record vervallen.",
    )
    async def send_step_link(self, info: Info, input: SendStepLinkInput) -> SendStepLinkPayload:
        data = input_data(input)
        return SendStepLinkPayload(step_link=StepLinkNode.from_row(await step_links.send_link(info.context, data)))

    @mutation(permission=STEP_LINK_SEND, description="Een link intrekken: hij werkt meteen niet meer.")
    async def revoke_step_link(self, info: Info, input: RevokeStepLinkInput) -> RevokeStepLinkPayload:
        return RevokeStepLinkPayload(step_link=StepLinkNode.from_row(await step_links.revoke_link(info.context, input.id)))

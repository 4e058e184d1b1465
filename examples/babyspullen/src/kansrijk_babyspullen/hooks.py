"""What the module does when something happens elsewhere: handvat 2 erases or anonymises a
family (events, no import), and the family's requests follow."""

from __future__ import annotations

from typing import Any

from core.plugin import DomainEvent, anonymise_workflow_history, erase_workflow_history, forget_step_links, hookimpl, subscribes_to

from kansrijk_babyspullen.services.requests import forget_family
from kansrijk_babyspullen.workflows import REQUEST_WORKFLOW

FAMILY_ERASED = "handvat2_signaleren.family.erased"
FAMILY_ANONYMISED = "handvat2_signaleren.family.anonymised"


@hookimpl
@subscribes_to(FAMILY_ERASED, FAMILY_ANONYMISED)
async def on_domain_event(event: DomainEvent, session: Any) -> None:
    """Erased: the family's requests, their history and links go. Anonymised: the requests
    stay (for the counts) without the family, the address, who took a step and why."""
    if event.type not in (FAMILY_ERASED, FAMILY_ANONYMISED):
        return
    erase = event.type == FAMILY_ERASED
    ids = await forget_family(session, event.payload["family_id"], erase=erase)
    if not ids:
        return
    await forget_step_links(session, REQUEST_WORKFLOW, ids)
    if erase:
        await erase_workflow_history(session, REQUEST_WORKFLOW, ids)
    else:
        await anonymise_workflow_history(session, REQUEST_WORKFLOW, ids)

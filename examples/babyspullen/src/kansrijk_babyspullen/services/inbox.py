"""One inbox for the foundation's volunteers over every gemeente where they are a member with
the module on (core's `in_member_gemeenten`): each gemeente read in its own tenant-bound
session, as the volunteer's membership there, and logged there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.plugin import GemeenteAnswer, TenantInfo, Work, in_member_gemeenten, record_processing

from kansrijk_babyspullen import MODULE_KEY
from kansrijk_babyspullen.models import StarterPackageRequest
from kansrijk_babyspullen.permissions import REQUEST_HANDLE
from kansrijk_babyspullen.processing import REQUESTS
from kansrijk_babyspullen.services.requests import RequestView, gemeente_config, views
from kansrijk_babyspullen.workflows import OPEN_STATES

#: The most requests shown per gemeente; more is said (`truncated`), never silently cut.
INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxSection:
    """One gemeente of the inbox: its requests to the foundation, or why it could not be read."""

    tenant: TenantInfo
    requests: list[RequestView]
    truncated: bool
    problem: str | None


async def _foundation_requests(work: Work, states: tuple[str, ...]) -> tuple[list[RequestView], bool]:
    """The requests to the foundation in this gemeente, if the caller is one of its volunteers
    here (none otherwise: a member of another organisation has no inbox)."""
    work.principal.require(REQUEST_HANDLE)
    config = await gemeente_config(work)
    if config.foundation_id is None or work.principal.partner_id != config.foundation_id:
        return [], False
    rows = list(
        (
            await work.session.execute(
                select(StarterPackageRequest)
                .where(StarterPackageRequest.foundation_partner_id == config.foundation_id, StarterPackageRequest.state.in_(states))
                .order_by(StarterPackageRequest.requested_at, StarterPackageRequest.id)
                .limit(INBOX_LIMIT + 1)
            )
        ).scalars()
    )
    shown = rows[:INBOX_LIMIT]
    record_processing(work, REQUESTS, "starterPackageInbox", [row.id for row in shown], "read")
    return await views(work, shown, config), len(rows) > INBOX_LIMIT


async def inbox(work: Work, states: list[str] | None = None) -> list[InboxSection]:
    wanted = tuple(states) if states else tuple(OPEN_STATES)

    async def read(gemeente_work: Work) -> tuple[list[RequestView], bool]:
        return await _foundation_requests(gemeente_work, wanted)

    answers: list[GemeenteAnswer[tuple[list[RequestView], bool]]] = await in_member_gemeenten(work, MODULE_KEY, read)
    return [
        InboxSection(answer.tenant, *(answer.value or ([], False)), problem=answer.problem)
        for answer in answers
    ]

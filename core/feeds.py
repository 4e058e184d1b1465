"""Personal feed links: a member's URL for one download of one module (`Download(feed=True)`),
for calendar apps and other programs that cannot send an access token.

The URL carries a random secret (`kf_…`); only its SHA-256 hash is stored, so the database
never holds a usable link and the URL is shown once, when it is made. The link holds no
permissions of its own: a fetch acts as the member who made it, with the roles of their
membership as they are at that moment, so a role taken away, a membership ended or a
gemeente suspended take effect at once; a fetch needs `core.feed_link.manage` as well as the
download's own permission. It serves that one download only. An unknown, revoked or no
longer usable link answers the same NOT_FOUND, whatever the reason, so an answer never tells
that a secret is (or was) a real one.

A link lives no longer than what it was made for: ending a membership, taking it up again or
changing its roles deletes the member's links (`delete_member_links`, in that same
transaction), so a link leaked before is not revived when the membership or role comes back;
an admin can revoke all of a member's links (`revoke_member_links`).

Fetching is not logged in the processing log by the platform: what a download processes,
its handler records (as every module service does), and a link itself is no personal data
of a family.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Index, Select, String, UniqueConstraint, delete, func, select
from sqlmodel import Field

from core.access import PLATFORM_OPERATOR
from core.db import TenantScopedModel, UTCDateTime, begin_write, tenant_foreign_key, utcnow
from core.errors import Conflict, Forbidden, ModuleNotEnabled, NotFound, TenantSuspended, ValidationFailed
from core.graphql.context import RequestContext
from core.models import Membership, Person
from core.module_types import Download
from core.processing import Trace
from core.validation import parse_id
from core.work import Work

if TYPE_CHECKING:
    from core.platform import Platform

#: Making, listing and revoking one's own feed links (declared by the core module).
FEED_LINK_MANAGE = "core.feed_link.manage"
#: What a feed link's secret starts with: recognisable in a leaked URL or a secret scanner.
TOKEN_PREFIX = "kf_"
#: The most links one member may have in one gemeente.
MAX_LINKS_PER_MEMBER = 25


class FeedLink(TenantScopedModel, table=True):
    """A member's personal link to one download of one module. `token_hash` is the SHA-256
    (hex) of the secret in the URL; the secret itself is never stored. Revoking deletes the
    row; ending the membership for good (deleting it) deletes its links."""

    __tablename__ = "feed_links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        tenant_foreign_key("membership_id", "memberships", ondelete="CASCADE"),
        Index("ix_feed_links_tenant_id_membership_id", "tenant_id", "membership_id"),
    )

    membership_id: uuid.UUID = Field(nullable=False)
    module_key: str = Field(sa_column=Column(String(64), nullable=False))
    download: str = Field(sa_column=Column(String(63), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


FEED_MODELS = [FeedLink]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: The query parameter that carries a feed link's secret. In the query string, not the path:
#: the access log and the trace spans keep the path only, so the secret stays out of them.
FEED_PARAMETER = "feed"


def feed_url(work: Work, module_key: str, download: str, token: str) -> str:
    """The download's own URL with the secret as `?feed=`: its path ends in the download's
    name (`…/actions.ics`), as calendar apps like it; a member may add the download's own
    parameters (`&scope=mine`)."""
    base = work.settings.public_base_url.rstrip("/")
    return f"{base}/t/{work.tenant.slug}/modules/{module_key}/downloads/{download}?{FEED_PARAMETER}={token}"


# -- the member's own links (GraphQL) ----------------------------------------------------------


def _own_membership(work: Work) -> uuid.UUID:
    """The caller's membership: a link acts as a member, so API clients and operators
    without a membership have none."""
    if work.principal.membership_id is None:
        raise Forbidden("Alleen een lid van de coalitie kan een persoonlijke feedlink maken.", code="NOT_A_MEMBER")
    return work.principal.membership_id


def feed_download(work: Work, module_key: str, name: str) -> Download:
    """Module `module_key`'s download `name`, which must exist, be a feed, be of a module
    the gemeente enabled and be readable by the caller."""
    download = work.runtime.download(module_key, name)
    if download is None:
        if module_key not in work.runtime.modules:
            raise NotFound("Er is geen module met deze sleutel.", field="input.module")
        raise NotFound("Deze module heeft geen download met deze naam.", field="input.download")
    if module_key not in work.enabled_modules:
        raise ModuleNotEnabled(f"De module {module_key} staat niet aan voor deze gemeente.", module=module_key, field="input.module")
    if not download.feed:
        raise ValidationFailed(
            "Van deze download kan geen feedlink worden gemaakt: haal hem op met een toegangstoken.", field="input.download"
        )
    work.principal.require(download.permission)
    return download


async def create_link(work: Work, data: dict[str, Any]) -> tuple[FeedLink, str]:
    """A new link of the caller for a feed download, and its URL (shown this once)."""
    membership_id = _own_membership(work)
    module_key, name = str(data["module"]).strip(), str(data["download"]).strip()
    feed_download(work, module_key, name)
    await _lock_own_membership(work, membership_id)
    count = (
        await work.session.execute(select(func.count()).select_from(FeedLink).where(FeedLink.membership_id == membership_id))
    ).scalar_one()
    if count >= MAX_LINKS_PER_MEMBER:
        raise Conflict(f"U heeft al {MAX_LINKS_PER_MEMBER} feedlinks in deze gemeente; trek er eerst een in.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = FeedLink(membership_id=membership_id, module_key=module_key, download=name, token_hash=token_hash(token))
    work.session.add(link)
    await work.session.flush()
    return link, feed_url(work, module_key, name, token)


async def _lock_own_membership(work: Work, membership_id: uuid.UUID) -> None:
    """Lock the caller's membership row until the transaction ends (PostgreSQL; SQLite has
    one writer at a time), so that two links made at once are counted one after the other
    and the limit holds, and so that a link made while the membership ends or its roles
    change (which deletes its links) waits for that and is then refused."""
    row = (
        await work.session.execute(
            select(Membership.active, Membership.roles).where(Membership.id == membership_id).with_for_update()
        )
    ).first()
    if row is None or not row.active or set(row.roles) != work.principal.roles - {PLATFORM_OPERATOR}:
        raise Conflict("Uw lidmaatschap is zojuist gewijzigd; probeer het opnieuw.")


def own_links_statement(work: Work) -> Select[Any]:
    """The caller's own links (none for a caller without a membership)."""
    return select(FeedLink).where(FeedLink.membership_id == work.principal.membership_id)


async def revoke_link(work: Work, link_id: Any) -> FeedLink:
    """Revoke (delete) one of the caller's own links; another's is not found."""
    wanted = parse_id(link_id, "input.id")
    link = (
        await work.session.execute(own_links_statement(work).where(FeedLink.id == wanted))
    ).scalar_one_or_none()
    if link is None:
        raise NotFound("Deze feedlink bestaat niet.", field="input.id")
    await work.session.delete(link)
    await work.session.flush()
    return link


# -- a member's links, for the admin and when a membership changes -------------------------------


async def delete_member_links(session: Any, membership_id: uuid.UUID) -> int:
    """Delete every link of a membership (in the session's tenant); how many there were.
    Called in the transaction that ends the membership, takes it up again or changes its
    roles (core.services.coalition.update_member, core.identity.invitations.accept)."""
    result = await session.execute(delete(FeedLink).where(FeedLink.membership_id == membership_id))
    return int(result.rowcount or 0)


async def revoke_member_links(work: Work, membership_id: Any) -> int:
    """Revoke (delete) all links of a member of this gemeente, e.g. when one leaked; how many
    there were. A membership of another gemeente is not found."""
    wanted = parse_id(membership_id, "input.membershipId")
    found = (await work.session.execute(select(Membership.id).where(Membership.id == wanted))).first()
    if found is None:
        raise NotFound("Dit lid bestaat niet.", field="input.membershipId")
    return await delete_member_links(work.session, wanted)


# -- fetching with a link (HTTP) ---------------------------------------------------------------


def unknown_link() -> NotFound:
    """The one answer to a fetch with a link that does not serve: the same for every reason."""
    return NotFound("Deze feedlink bestaat niet (meer).")


@asynccontextmanager
async def _tenant_session_or_unknown_link(platform: Platform, tenant_slug: str) -> AsyncIterator[tuple[Any, Any]]:
    """`Platform.tenant_session`, but an unknown or suspended gemeente answers as an unknown
    link does (what the body raises passes unchanged)."""
    opened = False
    try:
        async with platform.tenant_session(tenant_slug) as pair:
            opened = True
            yield pair
    except (NotFound, TenantSuspended):
        if opened:
            raise
        raise unknown_link() from None


@asynccontextmanager
async def feed_context(
    platform: Platform,
    tenant_slug: str,
    token: str,
    module_key: str,
    download: str,
    *,
    request: Any = None,
    request_id: str | None = None,
    trace: Trace | None = None,
) -> AsyncIterator[tuple[RequestContext, FeedLink]]:
    """The request context of a fetch with a feed link, as `Platform.request_context` makes
    it for a token: the tenant (which must exist and be active) and the link's member as
    the principal, with the roles of their membership now. The link must exist in this
    gemeente and be for `module_key`'s `download`, a feed of a module the gemeente has on;
    its member's person and membership must be active and their roles must now give both
    `core.feed_link.manage` and the download's permission. Otherwise the same NOT_FOUND as
    for an unknown link, whatever the reason: only a secret that can fetch tells that it is
    real. No second factor is asked (a token's roles may need one): the link was made in a
    session that passed it, and serves one download to read. What the handler recorded in
    the processing log is written after it ran."""
    wanted = platform.runtime.download(module_key, download)
    if wanted is None or not wanted.feed:
        raise unknown_link()
    async with _tenant_session_or_unknown_link(platform, tenant_slug) as (session, tenant):
        row = (
            await session.execute(
                select(FeedLink, Membership, Person)
                .join(Membership, Membership.id == FeedLink.membership_id)
                .join(Person, Person.id == Membership.person_id)
                .where(FeedLink.token_hash == token_hash(token))
            )
        ).first()
        if row is None:
            raise unknown_link()
        link, membership, person = row
        if (link.module_key, link.download) != (module_key, download) or not membership.active or not person.active:
            raise unknown_link()
        principal = platform.member_principal(person.email, person.id, membership)
        if not {FEED_LINK_MANAGE, wanted.permission} <= principal.permissions:
            raise unknown_link()
        context = await platform.context_for(session, tenant, principal, request=request, request_id=request_id, trace=trace)
        if module_key not in context.enabled_modules:
            raise unknown_link()
        yield context, link
        if context.journal.pending:
            await begin_write(session)
            await context.save()

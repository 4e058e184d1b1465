"""Core's GraphQL for personal feed links (core.feeds): a member makes a link for a feed
download (a calendar) that a calendar app can fetch without a token, lists their own links
and revokes them. The URL is shown once, when the link is made. An admin who manages members
revokes all links of a member (one leaked)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core import feeds
from core.feeds import FEED_LINK_MANAGE, FeedLink
from core.graphql.fields import container, field, input_data, mutation, readable_with
from core.graphql.pagination import Connection, paginate


@readable_with(FEED_LINK_MANAGE)
@strawberry.type(
    name="FeedLink",
    description="Een persoonlijke feedlink van de vrager: één download van één module, op te halen zonder token (bijv. door een agenda-app).",
)
class FeedLinkNode:
    id: strawberry.ID
    module: str = strawberry.field(description="De sleutel van de module.")
    download: str = strawberry.field(description="De naam van de download, bijv. actions.ics.")
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: FeedLink) -> FeedLinkNode:
        return cls(id=strawberry.ID(str(row.id)), module=row.module_key, download=row.download, created_at=row.created_at)


@strawberry.input
class CreateFeedLinkInput:
    module: str = strawberry.field(description="De sleutel van de module, bijv. handvat1_zicht.")
    download: str = strawberry.field(description="De naam van een download die als feed kan dienen, bijv. actions.ics.")


@strawberry.input
class RevokeFeedLinkInput:
    id: strawberry.ID


@strawberry.input
class RevokeMemberFeedLinksInput:
    membership_id: strawberry.ID = strawberry.field(description="Het lid (lidmaatschap) van wie alle feedlinks worden ingetrokken.")


@container
@strawberry.type(description="De nieuwe feedlink en zijn URL: dit is de enige keer dat de URL te zien is.")
class CreateFeedLinkPayload:
    feed_link: FeedLinkNode
    url: str = strawberry.field(
        description="De URL met het geheim (?feed=…). Wie hem heeft, haalt de download op zoals u; deel hem niet. "
        "De eigen parameters van de download kunnen erachter (&scope=mine)."
    )


@container
@strawberry.type
class RevokeFeedLinkPayload:
    feed_link: FeedLinkNode = strawberry.field(description="De ingetrokken link, zoals hij was.")


@container
@strawberry.type
class RevokeMemberFeedLinksPayload:
    removed: int = strawberry.field(description="Hoeveel feedlinks van het lid zijn ingetrokken (0 als het er geen had).")


@strawberry.type
class FeedQuery:
    @field(permission=FEED_LINK_MANAGE, description="Uw eigen feedlinks in deze gemeente, oudste eerst.")
    async def feed_links(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[FeedLinkNode]:
        return await paginate(
            info.context.session,
            feeds.own_links_statement(info.context),
            order_by=[FeedLink.created_at, FeedLink.id],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=FeedLinkNode.from_row,
        )


@strawberry.type
class FeedMutation:
    @mutation(
        permission=FEED_LINK_MANAGE,
        description="Een persoonlijke feedlink maken voor een download die als feed kan dienen (een agenda). "
        "De link werkt met uw rechten van het moment van ophalen; het antwoord toont de URL, alleen deze keer.",
    )
    async def create_feed_link(self, info: Info, input: CreateFeedLinkInput) -> CreateFeedLinkPayload:
        link, url = await feeds.create_link(info.context, input_data(input))
        return CreateFeedLinkPayload(feed_link=FeedLinkNode.from_row(link), url=url)

    @mutation(permission=FEED_LINK_MANAGE, description="Een eigen feedlink intrekken: hij werkt meteen niet meer.")
    async def revoke_feed_link(self, info: Info, input: RevokeFeedLinkInput) -> RevokeFeedLinkPayload:
        return RevokeFeedLinkPayload(feed_link=FeedLinkNode.from_row(await feeds.revoke_link(info.context, input.id)))

    @mutation(
        permission="core.member.manage",
        description="Alle feedlinks van een lid intrekken, bijv. als een URL is uitgelekt: ze werken meteen niet meer. "
        "Het lid kan daarna zelf nieuwe maken.",
    )
    async def revoke_member_feed_links(self, info: Info, input: RevokeMemberFeedLinksInput) -> RevokeMemberFeedLinksPayload:
        return RevokeMemberFeedLinksPayload(removed=await feeds.revoke_member_links(info.context, input.membership_id))

"""A request's GraphQL document, parsed once at the edge (bounded cache per document text):
the endpoint checks how many operations it defines and the metrics name its operation from
the same parse. Execution parses through strawberry's own cache."""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, GraphQLError, parse


@lru_cache(maxsize=512)
def parsed_document(query: str) -> DocumentNode | None:
    """The document, or None when it does not parse (execution then reports the error)."""
    try:
        return parse(query, no_location=True, max_tokens=20_000)
    except GraphQLError:
        return None

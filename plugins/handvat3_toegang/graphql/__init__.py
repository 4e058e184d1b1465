"""The GraphQL of handvat 3: the catalogue and the check for the coalition (behind login),
and a public part for parents (published catalogue, check and search)."""

from __future__ import annotations

from core.plugin import GraphQLContribution
from plugins.handvat3_toegang.graphql.mutations import ToegangMutation
from plugins.handvat3_toegang.graphql.queries import ToegangPublicQuery, ToegangQuery

CONTRIBUTION = GraphQLContribution(query=(ToegangQuery,), mutation=(ToegangMutation,), public_query=(ToegangPublicQuery,))

"""The GraphQL of handvat 4, one package per part (saleor's layout: types, queries,
mutations, inputs, enums; the logic is in `services`): learning activities, competences
and coverage, the practice library, and the figures."""

from __future__ import annotations

from core.plugin import GraphQLContribution

CONTRIBUTION = GraphQLContribution(
    query=(),
    mutation=(),
)

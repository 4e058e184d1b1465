"""The GraphQL of handvat 1: the figures per wijk (CBS and the coalition's own) and the
upload of an own indicator."""

from __future__ import annotations

from core.plugin import GraphQLContribution
from plugins.handvat1_zicht.graphql.mutations import ZichtMutation
from plugins.handvat1_zicht.graphql.queries import ZichtQuery

CONTRIBUTION = GraphQLContribution(query=(ZichtQuery,), mutation=(ZichtMutation,))

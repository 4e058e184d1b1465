"""The GraphQL of handvat 2: thin types over the services (`types`, `inputs`, the root
`queries` and `mutations`, and the batch reads in `loaders`)."""

from __future__ import annotations

from core.plugin import GraphQLContribution
from plugins.handvat2_signaleren.graphql.mutations import SignalerenMutation
from plugins.handvat2_signaleren.graphql.queries import SignalerenQuery

CONTRIBUTION = GraphQLContribution(query=(SignalerenQuery,), mutation=(SignalerenMutation,))

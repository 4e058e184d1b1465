"""What the module adds to the GraphQL schema."""

from core.plugin import GraphQLContribution

from kansrijk_uitleen.graphql.mutations import Mutation
from kansrijk_uitleen.graphql.queries import Query

CONTRIBUTION = GraphQLContribution(query=(Query,), mutation=(Mutation,))

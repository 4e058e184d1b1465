"""What the module adds to the GraphQL schema."""

from core.plugin import GraphQLContribution

from kansrijk_babyspullen.graphql.mutations import Mutation
from kansrijk_babyspullen.graphql.queries import Query

CONTRIBUTION = GraphQLContribution(query=(Query,), mutation=(Mutation,))

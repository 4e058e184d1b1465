"""The GraphQL of handvat 4, one package per part (saleor's layout: types, queries,
mutations, inputs, enums; the logic is in `services`): learning activities, competences
and coverage, the practice library, and the figures."""

from __future__ import annotations

from core.plugin import GraphQLContribution
from plugins.handvat4_leren.graphql.activities.mutations import LearningActivitiesMutation
from plugins.handvat4_leren.graphql.activities.queries import LearningActivitiesQuery
from plugins.handvat4_leren.graphql.competences.mutations import CompetencesMutation
from plugins.handvat4_leren.graphql.competences.queries import CompetencesQuery
from plugins.handvat4_leren.graphql.figures.queries import LearningFiguresQuery
from plugins.handvat4_leren.graphql.library.mutations import LibraryMutation
from plugins.handvat4_leren.graphql.library.queries import LibraryQuery

CONTRIBUTION = GraphQLContribution(
    query=(LearningActivitiesQuery, CompetencesQuery, LearningFiguresQuery, LibraryQuery),
    mutation=(LearningActivitiesMutation, CompetencesMutation, LibraryMutation),
)

"""The GraphQL of handvat 1, one package per part (saleor's layout: types, queries,
mutations, inputs, enums; the logic is in `services`): the figures per wijk, the
monitoring beside the coalition's own work, the startfoto, the plan van aanpak and the
voice of parents."""

from __future__ import annotations

from core.plugin import GraphQLContribution
from plugins.handvat1_zicht.graphql.figures.mutations import FiguresMutation
from plugins.handvat1_zicht.graphql.figures.queries import FiguresQuery
from plugins.handvat1_zicht.graphql.monitoring.queries import MonitoringQuery
from plugins.handvat1_zicht.graphql.startfoto.mutations import StartfotoMutation
from plugins.handvat1_zicht.graphql.startfoto.queries import StartfotoQuery
from plugins.handvat1_zicht.graphql.plan.mutations import PlanMutation
from plugins.handvat1_zicht.graphql.plan.queries import PlanQuery
from plugins.handvat1_zicht.graphql.voices.mutations import VoicesMutation
from plugins.handvat1_zicht.graphql.voices.queries import VoicesQuery

CONTRIBUTION = GraphQLContribution(
    query=(FiguresQuery, MonitoringQuery, StartfotoQuery, PlanQuery, VoicesQuery),
    mutation=(FiguresMutation, StartfotoMutation, PlanMutation, VoicesMutation),
)

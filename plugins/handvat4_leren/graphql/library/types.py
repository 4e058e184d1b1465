"""The output types of the practice library, each built from what a service answers (an
`ExampleView` says what the asking coalition may see of an example); what they hold beside
it (versions, history, adoptions, notes) is loaded per request in one batch per kind
(`info.context.load` with the service's batch reads), so a page costs the same number of
statements whatever its size."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from core.plugin import HistoryEntry, container, readable_with
from plugins.handvat4_leren.domain import ERKENNINGSNIVEAU_NAMES, INTERVENTION_DATABASE_NAMES, Erkenningsniveau, InterventionDatabase
from plugins.handvat4_leren.graphql.library.enums import (
    ErkenningsniveauEnum,
    GemeenteSizeEnum,
    InterventionDatabaseEnum,
    PracticeExampleState,
    PracticeExampleTransition,
    PracticeTargetGroup,
    PracticeTheme,
    PracticeVersionState,
    member,
)
from plugins.handvat4_leren.models import ExperienceNote, PracticeVersion
from plugins.handvat4_leren.permissions import LIBRARY_READ
from plugins.handvat4_leren.services import library
from plugins.handvat4_leren.services.library import Adopted, AdoptionView, ExampleView


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@readable_with(LIBRARY_READ)
@strawberry.type(name="PracticeIntervention", description="Een erkende interventie die het voorbeeld gebruikt.")
class PracticeInterventionNode:
    database: InterventionDatabaseEnum  # type: ignore[valid-type]
    database_name: str = strawberry.field(description="De naam van de databank.")
    name: str
    url: str | None
    erkenningsniveau: ErkenningsniveauEnum  # type: ignore[valid-type]
    erkenningsniveau_name: str = strawberry.field(description="Het erkenningsniveau in woorden, zoals de databanken het noemen.")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PracticeInterventionNode:
        return cls(
            database=member(InterventionDatabaseEnum, data["database"]),
            database_name=INTERVENTION_DATABASE_NAMES[InterventionDatabase(data["database"])],
            name=data["name"],
            url=data.get("url"),
            erkenningsniveau=member(ErkenningsniveauEnum, data["erkenningsniveau"]),
            erkenningsniveau_name=ERKENNINGSNIVEAU_NAMES[Erkenningsniveau(data["erkenningsniveau"])],
        )


@readable_with(LIBRARY_READ)
@strawberry.type(name="PracticeVersion", description="Een versie van de inhoud van een praktijkvoorbeeld.")
class PracticeVersionNode:
    id: strawberry.ID
    number: int
    state: PracticeVersionState  # type: ignore[valid-type]
    current: bool = strawberry.field(description="Waar: de versie die elke coalitie leest.")
    published: bool = strawberry.field(description="Waar: andere coalities lezen deze versie (de huidige of als geschiedenis).")
    title: str
    problem: str
    target_group: str
    approach: str
    partners_involved: str
    experts_role: str
    results: str
    what_worked: str
    what_did_not_work: str
    preconditions: str
    costs: str
    contact: str
    source: str
    themes: list[PracticeTheme]  # type: ignore[valid-type]
    target_groups: list[PracticeTargetGroup]  # type: ignore[valid-type]
    gemeente_size: GemeenteSizeEnum  # type: ignore[valid-type]
    practice_gemeente: str = strawberry.field(description="Waar de praktijk loopt, als dat niet de gemeente van de coalitie is; anders leeg.")
    interventions: list[PracticeInterventionNode]
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: PracticeVersion) -> PracticeVersionNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            number=row.number,
            state=member(PracticeVersionState, row.state),
            current=row.current,
            published=row.published,
            title=row.title,
            problem=row.problem,
            target_group=row.target_group,
            approach=row.approach,
            partners_involved=row.partners_involved,
            experts_role=row.experts_role,
            results=row.results,
            what_worked=row.what_worked,
            what_did_not_work=row.what_did_not_work,
            preconditions=row.preconditions,
            costs=row.costs,
            contact=row.contact,
            source=row.source,
            themes=[member(PracticeTheme, value) for value in row.themes],
            target_groups=[member(PracticeTargetGroup, value) for value in row.target_groups],
            gemeente_size=member(GemeenteSizeEnum, row.gemeente_size),
            practice_gemeente=row.practice_gemeente,
            interventions=[PracticeInterventionNode.from_data(item) for item in row.interventions],
            created_at=row.created_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
        )


@readable_with(LIBRARY_READ)
@strawberry.type(name="PracticeExampleStep", description="Een stap in de levensloop van een eigen praktijkvoorbeeld (de beoordeling).")
class PracticeExampleStepNode:
    transition: PracticeExampleTransition  # type: ignore[valid-type]
    from_state: PracticeExampleState  # type: ignore[valid-type]
    to_state: PracticeExampleState  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="De reden (bij terugsturen en intrekken).")
    actor: str | None = strawberry.field(description="Wie de stap zette.")
    occurred_at: dt.datetime

    @classmethod
    def from_entry(cls, entry: HistoryEntry) -> PracticeExampleStepNode:
        return cls(
            transition=member(PracticeExampleTransition, entry.transition),
            from_state=member(PracticeExampleState, entry.from_state),
            to_state=member(PracticeExampleState, entry.to_state),
            reason=entry.reason,
            actor=entry.actor,
            occurred_at=entry.occurred_at,
        )


@readable_with(LIBRARY_READ)
@strawberry.type(name="PracticeAdoption", description="Een coalitie nam het voorbeeld over in haar plan van aanpak.")
class PracticeAdoptionNode:
    id: strawberry.ID
    gemeente_name: str = strawberry.field(description="De gemeente van de coalitie die het overnam.")
    version_number: int = strawberry.field(description="De versie die zij overnam.")
    adopted_at: dt.datetime
    ours: bool = strawberry.field(description="Waar: de eigen coalitie nam het over.")
    plan_action_id: strawberry.ID | None = strawberry.field(
        description="De actie in het eigen plan van aanpak (alleen bij de eigen overname; null als geen module het plan bijhoudt)."
    )

    @classmethod
    def from_view(cls, view: AdoptionView) -> PracticeAdoptionNode:
        row = view.adoption
        return cls(
            id=strawberry.ID(str(row.id)),
            gemeente_name=row.gemeente_name,
            version_number=row.version_number,
            adopted_at=row.adopted_at,
            ours=view.ours,
            plan_action_id=_id(view.plan_action_id),
        )


@readable_with(LIBRARY_READ)
@strawberry.type(name="ExperienceNote", description="Een korte ervaring van een coalitie met een praktijkvoorbeeld.")
class ExperienceNoteNode:
    id: strawberry.ID
    text: str
    gemeente_name: str = strawberry.field(description="De gemeente van de coalitie die de ervaring schreef.")
    created_at: dt.datetime
    ours: bool = strawberry.field(description="Waar: van de eigen coalitie.")

    @classmethod
    def from_row(cls, row: ExperienceNote, *, ours: bool) -> ExperienceNoteNode:
        return cls(id=strawberry.ID(str(row.id)), text=row.text, gemeente_name=row.gemeente_name, created_at=row.created_at, ours=ours)


@readable_with(LIBRARY_READ)
@strawberry.type(
    name="PracticeExample",
    description=(
        "Een praktijkvoorbeeld uit de landelijke bibliotheek. Andere coalities lezen alleen de gepubliceerde versie; "
        "de eigen coalitie ziet ook de toestand, de werkversie, alle versies en de beoordeling."
    ),
)
class PracticeExampleNode:
    id: strawberry.ID
    gemeente_name: str = strawberry.field(description="De gemeente van de coalitie die het schreef.")
    own: bool = strawberry.field(description="Waar: een voorbeeld van de eigen coalitie.")
    state: PracticeExampleState | None = strawberry.field(description="De toestand (null bij een voorbeeld van een andere coalitie).")  # type: ignore[valid-type]
    allowed_transitions: list[PracticeExampleTransition] = strawberry.field(  # type: ignore[valid-type]
        description="De stappen die u nu kunt zetten (leeg bij een voorbeeld van een andere coalitie)."
    )
    created_at: dt.datetime
    published_at: dt.datetime | None = strawberry.field(description="Wanneer de huidige versie werd gepubliceerd.")
    withdrawn_at: dt.datetime | None = strawberry.field(description="Wanneer het werd ingetrokken (alleen voor de eigen coalitie).")
    row_id: strawberry.Private[uuid.UUID]
    current_row: strawberry.Private[PracticeVersion | None]
    current_version_row_id: strawberry.Private[uuid.UUID | None]
    working_version_row_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="De versie die elke coalitie leest (de eigen coalitie ook na intrekken); null zolang er geen gepubliceerd is."
    )
    async def current_version(self, info: Info) -> PracticeVersionNode | None:
        row = self.current_row
        if row is None and self.current_version_row_id is not None:
            row = await info.context.load(library.versions_by_id, self.current_version_row_id)
        return PracticeVersionNode.from_row(row) if row is not None else None

    @strawberry.field(description="De versie waaraan de eigen coalitie werkt (concept of ter beoordeling); null als er geen is of bij een andere coalitie.")
    async def working_version(self, info: Info) -> PracticeVersionNode | None:
        if self.working_version_row_id is None:
            return None
        row = await info.context.load(library.versions_by_id, self.working_version_row_id)
        return PracticeVersionNode.from_row(row) if row is not None else None

    @strawberry.field(description="De versies, de nieuwste eerst: voor andere coalities de gepubliceerde (de geschiedenis), voor de eigen alle.")
    async def versions(self, info: Info) -> list[PracticeVersionNode]:
        return [PracticeVersionNode.from_row(row) for row in await info.context.load(library.versions_by_example, self.row_id)]

    @strawberry.field(description="De stappen van het voorbeeld met de beoordeling, de oudste eerst (alleen bij de eigen coalitie; anders leeg).")
    async def history(self, info: Info) -> list[PracticeExampleStepNode]:
        return [PracticeExampleStepNode.from_entry(entry) for entry in await info.context.load(library.history_by_example, self.row_id)]

    @strawberry.field(description="Hoeveel coalities het overnamen in hun plan van aanpak.")
    async def adoption_count(self, info: Info) -> int:
        return len(await info.context.load(library.adoptions_by_example, self.row_id))

    @strawberry.field(description="Waar: de eigen coalitie nam het over.")
    async def adopted_by_us(self, info: Info) -> bool:
        rows = await info.context.load(library.adoptions_by_example, self.row_id)
        return any(view.ours for view in library.adoptions_as_seen(info.context, rows))

    @strawberry.field(description="Wie het overnamen, de laatste eerst.")
    async def adoptions(self, info: Info) -> list[PracticeAdoptionNode]:
        rows = await info.context.load(library.adoptions_by_example, self.row_id)
        return [PracticeAdoptionNode.from_view(view) for view in library.adoptions_as_seen(info.context, rows)]

    @strawberry.field(description="De ervaringen van coalities, de nieuwste eerst.")
    async def experience_notes(self, info: Info) -> list[ExperienceNoteNode]:
        rows = await info.context.load(library.notes_by_example, self.row_id)
        return [ExperienceNoteNode.from_row(row, ours=library.is_ours(info.context, row)) for row in rows]

    @classmethod
    def from_view(cls, view: ExampleView) -> PracticeExampleNode:
        row = view.example
        return cls(
            id=strawberry.ID(str(row.id)),
            gemeente_name=row.gemeente_name,
            own=view.own,
            state=member(PracticeExampleState, view.state),
            allowed_transitions=[member(PracticeExampleTransition, name) for name in view.allowed_transitions],
            created_at=row.created_at,
            published_at=row.published_at,
            withdrawn_at=view.withdrawn_at,
            row_id=row.id,
            current_row=view.current,
            current_version_row_id=row.current_version_id,
            working_version_row_id=view.working_version_id,
        )

    @classmethod
    async def from_views(cls, views: list[ExampleView]) -> list[PracticeExampleNode]:
        return [cls.from_view(view) for view in views]


@container
@strawberry.type
class PracticeExamplePayload:
    example: PracticeExampleNode


@container
@strawberry.type(description="De overname: in het plan van aanpak als een module het plan bijhoudt (handvat 1), anders alleen vastgelegd.")
class AdoptPracticeExamplePayload:
    adoption: PracticeAdoptionNode
    example: PracticeExampleNode
    added_to_plan: bool = strawberry.field(description="Waar: er staat een actie in het plan van aanpak.")
    plan_action_id: strawberry.ID | None = strawberry.field(description="De nieuwe actie in het plan van aanpak; null als geen module het plan bijhoudt.")
    message: str = strawberry.field(description="Wat er gebeurde, in woorden.")

    @classmethod
    def from_result(cls, result: Adopted) -> AdoptPracticeExamplePayload:
        added = result.plan_action_id is not None
        return cls(
            adoption=PracticeAdoptionNode.from_view(result.adoption),
            example=PracticeExampleNode.from_view(result.example),
            added_to_plan=added,
            plan_action_id=_id(result.plan_action_id),
            message=(
                "Overgenomen: de actie staat in het plan van aanpak."
                if added
                else "Overgenomen en vastgelegd; er is geen actie toegevoegd, want de coalitie houdt haar plan van aanpak niet bij op het platform (handvat 1 staat uit)."
            ),
        )


@container
@strawberry.type
class ExperienceNotePayload:
    note: ExperienceNoteNode
    example: PracticeExampleNode

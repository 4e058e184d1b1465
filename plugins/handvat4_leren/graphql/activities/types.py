"""The output types of learning activities, each built from a service's row; what they hold
beside the row (dates, seats, the organisation's name, the asking member's registration,
the participants) is loaded per request in one batch (`info.context.load`)."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.types import Info

from core.plugin import PartnerTypeEnum, RoleEnum, container, field, members_by_id, partners_by_id, readable_with
from plugins.handvat4_leren.graphql.activities.enums import ActivityRegistrationState, LearningActivityKind, member
from plugins.handvat4_leren.models import Activity, ActivityDate
from plugins.handvat4_leren.permissions import ACTIVITIES_ORGANISE, ACTIVITIES_READ
from plugins.handvat4_leren.services import activities
from plugins.handvat4_leren.services.activities import AttendanceResult, RegistrationView


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="LearningActivityDate", description="Een datum van een leeractiviteit.")
class LearningActivityDateNode:
    id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime

    @classmethod
    def from_row(cls, row: ActivityDate) -> LearningActivityDateNode:
        return cls(id=strawberry.ID(str(row.id)), starts_at=row.starts_at, ends_at=row.ends_at)


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="ActivityCompetence", description="Een competentie uit het kader van de coalitie waaraan een activiteit werkt.")
class ActivityCompetenceNode:
    key: str
    name: str


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="ActivityRegistration", description="De plaats van een lid bij een leeractiviteit: ingeschreven, op de wachtlijst, afgemeld, aanwezig of afwezig.")
class ActivityRegistrationNode:
    id: strawberry.ID
    activity_id: strawberry.ID
    membership_id: strawberry.ID
    state: ActivityRegistrationState  # type: ignore[valid-type]
    waiting_position: int | None = strawberry.field(description="De plaats op de wachtlijst (1: de eerstvolgende); null als het lid niet wacht.")
    registered_at: dt.datetime = strawberry.field(description="Wanneer het lid zich (opnieuw) inschreef: de volgorde van de wachtlijst.")
    cancelled_at: dt.datetime | None
    attendance_recorded_at: dt.datetime | None
    activity_row_id: strawberry.Private[uuid.UUID]
    membership_row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="De naam van het lid.")
    async def member_name(self, info: Info) -> str:
        found = await info.context.load(members_by_id, self.membership_row_id)
        return found.display_name if found else "?"

    @strawberry.field(description="De leeractiviteit.")
    async def activity(self, info: Info) -> LearningActivityNode | None:
        row = await info.context.load(activities.activities_by_id, self.activity_row_id)
        return LearningActivityNode.from_row(row) if row else None

    @classmethod
    def from_view(cls, view: RegistrationView) -> ActivityRegistrationNode:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            activity_id=strawberry.ID(str(row.activity_id)),
            membership_id=strawberry.ID(str(row.membership_id)),
            state=member(ActivityRegistrationState, row.state),
            waiting_position=view.waiting_position,
            registered_at=row.registered_at,
            cancelled_at=row.cancelled_at,
            attendance_recorded_at=row.attendance_recorded_at,
            activity_row_id=row.activity_id,
            membership_row_id=row.membership_id,
        )

    @classmethod
    async def from_views(cls, views: list[RegistrationView]) -> list[ActivityRegistrationNode]:
        return [cls.from_view(view) for view in views]


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="LearningActivity", description="Een leeractiviteit van de coalitie, georganiseerd door een partnerorganisatie, op één of meer data.")
class LearningActivityNode:
    id: strawberry.ID
    kind: LearningActivityKind  # type: ignore[valid-type]
    title: str
    description: str
    place: str | None
    online_url: str | None
    capacity: int | None = strawberry.field(description="Het aantal plaatsen; null: onbeperkt.")
    roles: list[RoleEnum] = strawberry.field(description="Voor welke rollen; leeg: iedereen. Niet afgedwongen.")  # type: ignore[valid-type]
    partner_types: list[PartnerTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        description="Voor welke soorten organisaties; leeg: alle. Niet afgedwongen."
    )
    competence_keys: list[str] = strawberry.field(description="De sleutels van de competenties waaraan de activiteit werkt.")
    organiser_partner_id: strawberry.ID
    experts_co_lead: bool = strawberry.field(description="Waar: ervaringsdeskundigen leiden de activiteit mee.")
    starts_at: dt.datetime = strawberry.field(description="Het begin van de eerste datum.")
    ends_at: dt.datetime = strawberry.field(description="Het einde van de laatste datum.")
    cancelled: bool = strawberry.field(description="Waar: de activiteit gaat niet door.")
    cancelled_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    row_id: strawberry.Private[uuid.UUID]
    organiser_row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="De naam van de organiserende organisatie.")
    async def organiser_name(self, info: Info) -> str:
        partner = await info.context.load(partners_by_id, self.organiser_row_id)
        return partner.name if partner else "?"

    @strawberry.field(description="De data, de eerste eerst.")
    async def dates(self, info: Info) -> list[LearningActivityDateNode]:
        return [LearningActivityDateNode.from_row(row) for row in await info.context.load(activities.dates_by_activity, self.row_id) or []]

    @strawberry.field(description="De competenties waaraan de activiteit werkt, met hun naam.")
    async def competences(self, info: Info) -> list[ActivityCompetenceNode]:
        found = await info.context.load_many(activities.competences_by_key, self.competence_keys)
        return [ActivityCompetenceNode(key=key, name=row.name if row else key) for key, row in zip(self.competence_keys, found, strict=True)]

    @strawberry.field(description="Het aantal bezette plaatsen (ingeschreven, aanwezig of afwezig).")
    async def seats_taken(self, info: Info) -> int:
        return (await info.context.load(activities.seat_counts, self.row_id)).seats_taken

    @strawberry.field(description="Het aantal vrije plaatsen; null bij een onbeperkt aantal.")
    async def seats_available(self, info: Info) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - (await info.context.load(activities.seat_counts, self.row_id)).seats_taken, 0)

    @strawberry.field(description="Hoeveel leden op de wachtlijst staan.")
    async def waiting_list_length(self, info: Info) -> int:
        return (await info.context.load(activities.seat_counts, self.row_id)).waiting

    @strawberry.field(description="De eigen inschrijving van de vrager (null: nooit ingeschreven).")
    async def my_registration(self, info: Info) -> ActivityRegistrationNode | None:
        view = await activities.my_registration(info.context, self.row_id)
        return ActivityRegistrationNode.from_view(view) if view else None

    @strawberry.field(description="Waar: de vrager beheert deze activiteit (de organiserende organisatie of de coalitieregisseur).")
    def can_manage(self, info: Info) -> bool:
        return activities.may_manage(info.context, self.organiser_row_id)

    @field(
        permission=ACTIVITIES_ORGANISE,
        description="De deelnemers (met een plaats, dan de wachtlijst op volgorde), alleen voor de organiserende organisatie en de coalitieregisseur.",
    )
    async def registrations(self, info: Info) -> list[ActivityRegistrationNode]:
        return [ActivityRegistrationNode.from_view(view) for view in await activities.participants(info.context, self.row_id, self.organiser_row_id)]

    @classmethod
    def from_row(cls, row: Activity) -> LearningActivityNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=member(LearningActivityKind, row.kind),
            title=row.title,
            description=row.description,
            place=row.place,
            online_url=row.online_url,
            capacity=row.capacity,
            roles=[RoleEnum(role) for role in row.roles],
            partner_types=[PartnerTypeEnum(kind) for kind in row.partner_types],
            competence_keys=list(row.competence_keys),
            organiser_partner_id=strawberry.ID(str(row.organiser_partner_id)),
            experts_co_lead=row.experts_co_lead,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            cancelled=row.cancelled_at is not None,
            cancelled_at=row.cancelled_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
            organiser_row_id=row.organiser_partner_id,
        )

    @classmethod
    async def from_rows(cls, rows: list[Activity]) -> list[LearningActivityNode]:
        return [cls.from_row(row) for row in rows]


@container
@strawberry.type
class LearningActivityPayload:
    activity: LearningActivityNode


@container
@strawberry.type
class ActivityRegistrationPayload:
    registration: ActivityRegistrationNode
    activity: LearningActivityNode

    @classmethod
    def from_result(cls, result: tuple[RegistrationView, Activity]) -> ActivityRegistrationPayload:
        view, row = result
        return cls(registration=ActivityRegistrationNode.from_view(view), activity=LearningActivityNode.from_row(row))


@container
@strawberry.type
class ActivityAttendancePayload:
    activity: LearningActivityNode
    registrations: list[ActivityRegistrationNode] = strawberry.field(description="De inschrijvingen van de genoemde leden, zoals ze nu zijn.")

    @classmethod
    def from_result(cls, result: AttendanceResult) -> ActivityAttendancePayload:
        return cls(
            activity=LearningActivityNode.from_row(result.activity),
            registrations=[ActivityRegistrationNode.from_view(view) for view in result.registrations],
        )

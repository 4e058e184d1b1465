"""The input types of learning activities (turned into data with `input_data`; the service
validates them). In the update input a field left out stays as it is."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.plugin import PartnerTypeEnum, RoleEnum
from plugins.handvat4_leren.graphql.activities.enums import LearningActivityKind

ROLES_HELP = "Voor welke rollen in de gemeente de activiteit bedoeld is; leeg: voor iedereen."
PARTNER_TYPES_HELP = (
    "Voor welke soorten organisaties de activiteit bedoeld is; "
    "leeg: voor alle. Ter informatie: een lid van een andere organisatie kan zich ook inschrijven."
)
COMPETENCES_HELP = "De sleutels van de (actieve) competenties uit het competentiekader van de coalitie waaraan de activiteit werkt."


@strawberry.input(description="Een datum van een activiteit: begin en einde (een training van drie middagen heeft er drie).")
class LearningActivityDateInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Bij wijzigen: de id van een bestaande datum die blijft (of verschuift); weggelaten: een nieuwe datum."
    )
    starts_at: dt.datetime = strawberry.field(description="Het begin (niet in het verleden, behalve voor een datum die blijft zoals hij was).")
    ends_at: dt.datetime = strawberry.field(description="Het einde, na het begin.")


@strawberry.input(description="Een nieuwe leeractiviteit van een partnerorganisatie van de coalitie.")
class CreateLearningActivityInput:
    kind: LearningActivityKind  # type: ignore[valid-type]
    title: str
    description: str = ""
    place: str | None = strawberry.field(default=None, description="Waar de activiteit is (een adres of zaal); een plaats of een online link is nodig.")
    online_url: str | None = strawberry.field(default=None, description="De online link (http:// of https://), bijvoorbeeld van een e-learning.")
    capacity: int | None = strawberry.field(default=None, description="Het aantal plaatsen; null: onbeperkt. Wie zich inschrijft als alles vol is, komt op de wachtlijst.")
    roles: list[RoleEnum] = strawberry.field(default_factory=list, description=ROLES_HELP)  # type: ignore[valid-type]
    partner_types: list[PartnerTypeEnum] = strawberry.field(default_factory=list, description=PARTNER_TYPES_HELP)  # type: ignore[valid-type]
    competence_keys: list[str] = strawberry.field(default_factory=list, description=COMPETENCES_HELP)
    organiser_partner_id: strawberry.ID = strawberry.field(
        description="De organiserende partnerorganisatie: de eigen organisatie (de coalitieregisseur kiest elke actieve organisatie)."
    )
    experts_co_lead: bool = strawberry.field(default=False, description="Waar: ervaringsdeskundigen leiden de activiteit mee.")
    dates: list[LearningActivityDateInput] = strawberry.field(description="Eén of meer data.")


@strawberry.input(description="Een leeractiviteit wijzigen die nog komt of loopt; weggelaten velden blijven zoals ze waren.")
class UpdateLearningActivityInput:
    id: strawberry.ID
    kind: LearningActivityKind | None = strawberry.UNSET  # type: ignore[valid-type]
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    place: str | None = strawberry.field(default=strawberry.UNSET, description="null: geen plaats (dan is een online link nodig).")
    online_url: str | None = strawberry.field(default=strawberry.UNSET, description="null: geen online link (dan is een plaats nodig).")
    capacity: int | None = strawberry.field(
        default=strawberry.UNSET, description="null: onbeperkt. Meer plaatsen geeft de eersten op de wachtlijst een plaats; minder dan er bezet zijn kan niet."
    )
    roles: list[RoleEnum] | None = strawberry.field(default=strawberry.UNSET, description=ROLES_HELP)  # type: ignore[valid-type]
    partner_types: list[PartnerTypeEnum] | None = strawberry.field(default=strawberry.UNSET, description=PARTNER_TYPES_HELP)  # type: ignore[valid-type]
    competence_keys: list[str] | None = strawberry.field(default=strawberry.UNSET, description=COMPETENCES_HELP)
    organiser_partner_id: strawberry.ID | None = strawberry.UNSET
    experts_co_lead: bool | None = strawberry.UNSET
    dates: list[LearningActivityDateInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Alle data zoals ze worden: een bestaande datum met zijn id (verzet: de herinnering gaat opnieuw uit), een nieuwe zonder; een weggelaten datum vervalt.",
    )


@strawberry.input(description="Een leeractiviteit gaat niet door.")
class CancelLearningActivityInput:
    id: strawberry.ID


@strawberry.input(description="Inschrijven voor een leeractiviteit (of op de wachtlijst als ze vol is).")
class RegisterForActivityInput:
    activity_id: strawberry.ID


@strawberry.input(description="Afmelden voor een leeractiviteit (een plaats of een plaats op de wachtlijst).")
class CancelActivityRegistrationInput:
    activity_id: strawberry.ID


@strawberry.input(description="De aanwezigheid bij een leeractiviteit, na de start; opnieuw registreren geeft hetzelfde resultaat.")
class RecordActivityAttendanceInput:
    activity_id: strawberry.ID
    attended: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Lidmaatschappen die er waren (zij krijgen de competenties van de activiteit); elk met een plaats."
    )
    absent: list[strawberry.ID] = strawberry.field(default_factory=list, description="Lidmaatschappen die er niet waren; elk met een plaats.")


@strawberry.input(description="Welke leeractiviteiten.")
class LearningActivityFilter:
    kind: LearningActivityKind | None = None  # type: ignore[valid-type]
    from_: dt.date | None = strawberry.field(
        default=None, name="from", description="Activiteiten die op of na deze dag nog lopen; weggelaten: vandaag (komende en lopende)."
    )
    to: dt.date | None = strawberry.field(default=None, description="Activiteiten die op of voor deze dag beginnen.")
    competence_key: str | None = strawberry.field(default=None, description="Alleen activiteiten die aan deze competentie werken.")
    organiser_partner_id: strawberry.ID | None = strawberry.field(default=None, description="Alleen activiteiten van deze organisatie.")
    include_cancelled: bool = strawberry.field(default=False, description="Ook activiteiten die niet doorgaan.")

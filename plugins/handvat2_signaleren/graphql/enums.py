"""The enums of handvat 2's GraphQL: every value a field or argument takes from a fixed set.

Each is built from the values the services store (`domain`, the shipped worries, the
referral workflow), so that the schema cannot drift from them: a GraphQL member is the
stored value in capitals (`kind_0_2`: `KIND_0_2`), and a resolver maps between the two at
the edge (core's `enum_member(Enum, stored)` out, `input_data` / `.value` in). The referral's states
and steps are generated from `REFERRAL_WORKFLOW` itself.

What a gemeente configures stays a String: its own risk and protective factors (keys it
chooses), its wijken; so do free texts and months (JJJJ-MM)."""

from __future__ import annotations

from core.plugin import value_enum as _enum
from plugins.handvat2_signaleren import domain
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW


FamilyPhase = _enum(
    "FamilyPhase",
    domain.PHASES,
    "De fase van een gezin in de eerste 1000 dagen.",
    {
        "preconceptie": "Voor de zwangerschap (kinderwens).",
        "zwanger": "Zwanger, met de verwachte maand.",
        "kind_0_2": "Een kind van 0 tot 2 jaar, met de geboortemaand.",
    },
)
FamilyStatus = _enum(
    "FamilyStatus",
    ("open", "closed"),
    "Of de ondersteuning van een gezin loopt (een geanonimiseerd gezin ziet niemand meer).",
    {
        "open": "De ondersteuning loopt.",
        "closed": "Afgesloten: de bewaartermijn loopt; de organisatie die het registreerde kan het heropenen.",
    },
)
Classification = _enum(
    "Classification",
    tuple(domain.CLASSIFICATIONS),
    "De indeling van Erasmus MC: een momentopname, geen label.",
    {code: label for code, label in domain.CLASSIFICATIONS.items()},
)
SupportType = _enum(
    "SupportType",
    domain.SUPPORT_TYPES,
    "De steun waarvoor verwezen wordt.",
    {
        "financiele_hulp": "Financiële hulp.",
        "materiele_steun": "Materiële steun (spullen, voedsel).",
        "opvoedondersteuning": "Ondersteuning bij het opvoeden.",
        "sociale_steun": "Sociale steun.",
        "schuldhulp": "Hulp bij schulden.",
        "overig": "Andere steun.",
    },
)
ConsentMethod = _enum(
    "ConsentMethod",
    domain.CONSENT_METHODS,
    "Hoe de ouder toestemming gaf.",
    {"mondeling": "Mondeling gegeven (en door de professional vastgelegd).", "schriftelijk": "Schriftelijk gegeven."},
)
PlanDomain = _enum(
    "PlanDomain",
    domain.PLAN_DOMAINS,
    "Het domein van een onderdeel van het ondersteuningsplan.",
    {"financieel": "Geld en inkomen.", "materieel": "Spullen en wonen.", "opvoeding": "Opvoeden en opgroeien.", "sociaal": "Netwerk en meedoen."},
)
PlanStatus = _enum(
    "PlanStatus",
    domain.PLAN_STATUSES,
    "De stand van een onderdeel van het ondersteuningsplan.",
    {"open": "Nog niet begonnen.", "bezig": "Hier wordt aan gewerkt.", "gereed": "Klaar.", "gestopt": "Gestopt zonder af te ronden."},
)
ReferralOutcome = _enum(
    "ReferralOutcome",
    domain.OUTCOMES,
    "De uitkomst van een afgeronde verwijzing.",
    {
        "geholpen": "Het gezin is geholpen.",
        "deels_geholpen": "Het gezin is voor een deel geholpen.",
        "niet_geholpen": "Het gezin is niet geholpen.",
        "geen_contact": "Er kwam geen contact met het gezin tot stand.",
        "elders_geholpen": "Het gezin is elders geholpen.",
    },
)
ReferralDirection = _enum(
    "ReferralDirection",
    ("incoming", "outgoing"),
    "Verwijzingen naar of van uw organisatie.",
    {"incoming": "Verwijzingen naar uw organisatie.", "outgoing": "Verwijzingen van uw organisatie."},
)
FactorKind = _enum(
    "FactorKind",
    domain.FACTOR_KINDS,
    "Het soort risicofactor: (psycho)sociaal of medisch.",
    {"sociaal": "Een sociale factor.", "psychisch": "Een psychische factor.", "medisch": "Een medische factor."},
)
FamilyDeletionAction = _enum(
    "FamilyDeletionAction",
    ("anonymised", "erased"),
    "Wat er met de gezinnen gebeurde.",
    {"anonymised": "Geanonimiseerd na de bewaartermijn.", "erased": "Gewist op verzoek van de ouder."},
)
WorryType = _enum(
    "WorryType",
    (worry["key"] for worry in domain.shipped_content()["worries"]),
    "Een zorg die een professional kan signaleren (de gesprekshulp per zorg: signaleringOptions).",
    {worry["key"]: f"{worry['name']}: {worry['description']}" for worry in domain.shipped_content()["worries"]},
)

#: The referral's states and steps, generated from the workflow definition (a state has no
#: description of its own there; a step has).
STATE_DESCRIPTIONS = {
    "concept": "Nog niet verstuurd.",
    "verstuurd": "Verstuurd; de ontvangende organisatie ziet het gezin (met geldige toestemming) en reageert.",
    "geaccepteerd": "Aangenomen door de ontvangende organisatie.",
    "afgewezen": "Afgewezen door de ontvangende organisatie, met reden.",
    "in_behandeling": "Het eerste contact met het gezin is geweest.",
    "afgerond": "De hulp is klaar, met de uitkomst.",
    "teruggetrokken": "Ingetrokken door de verwijzer (of omdat de toestemming eindigde).",
}
ReferralState = _enum(
    "ReferralState",
    (str(state) for state in REFERRAL_WORKFLOW.states),
    "De stand van een warme verwijzing (uit de workflow van de verwijzing).",
    STATE_DESCRIPTIONS,
)
ReferralTransition = _enum(
    "ReferralTransition",
    (str(transition.name) for transition in REFERRAL_WORKFLOW.transitions),
    "Een stap in een warme verwijzing (uit de workflow van de verwijzing).",
    {str(transition.name): transition.description for transition in REFERRAL_WORKFLOW.transitions},
)

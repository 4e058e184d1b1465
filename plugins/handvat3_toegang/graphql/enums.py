"""The enums of handvat 3's GraphQL: every value a field or argument takes from a fixed set.

Each is built from the values the services and rules use (`eligibility`, the national
`catalogue`), so that the schema cannot drift from them: a member is the stored value in
capitals (`alleenstaande_ouder`: `ALLEENSTAANDE_OUDER`), mapped at the edge (core's `enum_member(...)`
out, `input_data` / `.value` in).

Strings stay where the set is the gemeente's or open: regeling keys and tags, condition
ids, wijk codes, texts; and the keys of the rules' parameters (`toegangParameters` lists
them): reference data of the national seed that rules name in their JSON
(`{"var": "param.<key>"}`) and that grows with each year's amounts."""

from __future__ import annotations

from core.plugin import value_enum as _enum
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import FACTS, HOUSEHOLD_TYPES, MET, NOT_MET, OUTCOMES, UNKNOWN


EligibilityOutcome = _enum(
    "EligibilityOutcome",
    OUTCOMES,
    "De uitkomst van de check voor een regeling.",
    {
        "ELIGIBLE": "Komt in aanmerking: elke voorwaarde is vervuld.",
        "POSSIBLY": "Misschien: geen voorwaarde faalt, maar gegevens ontbreken (missingFacts).",
        "NOT_ELIGIBLE": "Komt niet in aanmerking: een voorwaarde is niet vervuld.",
    },
)
ConditionStatus = _enum(
    "ConditionStatus",
    (MET, NOT_MET, UNKNOWN),
    "De uitkomst van één voorwaarde voor een huishouden.",
    {
        MET: "Vervuld.",
        NOT_MET: "Niet vervuld.",
        UNKNOWN: "Onbekend: een gegeven dat de voorwaarde leest ontbreekt (missingFacts), of de regel is niet uit te rekenen.",
    },
)
HouseholdType = _enum(
    "HouseholdType",
    HOUSEHOLD_TYPES,
    "De soort huishouden (bepaalt onder meer de bijstandsnorm).",
    {"alleenstaand": "Alleenstaand, zonder kinderen.", "alleenstaande_ouder": "Alleenstaande ouder.", "paar": "Gehuwd of samenwonend."},
)

#: Profile fields that are no fact of their own: the facts derived from them are.
PROFILE_ONLY = {
    "children_birth_dates": "geboortedata van de kinderen in het huishouden",
    "due_date": "uitgerekende datum",
}
HouseholdFact = _enum(
    "HouseholdFact",
    (*FACTS, *PROFILE_ONLY),
    "Een gegeven over het huishouden: wat een regel leest (in de regel in kleine letters: {\"var\": \"net_monthly_income\"}), "
    "of een veld van HouseholdProfileInput dat nog nodig is (NET_MONTHLY_INCOME: netMonthlyIncome).",
    {**FACTS, **PROFILE_ONLY},
)
RegelingCategory = _enum(
    "RegelingCategory",
    catalogue.CATEGORIES,
    "Het onderwerp van een regeling.",
    {
        "inkomen": "Inkomen en uitkeringen.",
        "toeslagen": "Toeslagen van de Belastingdienst.",
        "zorgverzekering": "Zorgverzekering.",
        "spullen": "Spullen voor baby en gezin.",
        "voedsel": "Voedsel.",
        "schulden": "Schulden en geldzaken.",
        "opvoeden": "Opvoeden en opgroeien.",
        "kinderopvang": "Kinderopvang.",
        "kennis": "Kennis en informatie (rekenhulpen, voorlichting).",
        "vrije_tijd": "Sport, cultuur en vrije tijd.",
        "verlof": "Verlof rond de geboorte.",
        "zorg": "Zorg (kraamzorg, verloskunde, jeugdgezondheidszorg).",
        "wonen": "Wonen.",
    },
)
RegelingLevel = _enum(
    "RegelingLevel",
    catalogue.LEVELS,
    "Wie de regeling vaststelt.",
    {"landelijk": "Een landelijke regeling.", "gemeente": "Een regeling van de gemeente.", "partner": "Een voorziening van een (partner)organisatie."},
)
ParameterUnit = _enum(
    "ParameterUnit",
    catalogue.UNITS,
    "De eenheid van een parameter van de regels.",
    {
        "euro": "Een bedrag in euro.",
        "euro_per_maand": "Een bedrag in euro per maand.",
        "euro_per_jaar": "Een bedrag in euro per jaar.",
        "procent": "Een percentage (bijvoorbeeld van het sociaal minimum).",
        "maanden": "Een aantal maanden.",
    },
)
SearchHitKind = _enum(
    "SearchHitKind",
    ("regeling", "service"),
    "Wat een zoekresultaat is.",
    {"regeling": "Een regeling uit de catalogus.", "service": "Aanbod op de sociale kaart."},
)

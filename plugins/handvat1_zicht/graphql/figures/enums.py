"""The enums of handvat 1's GraphQL, built from the values the services store (a member
is the stored value in capitals), mapped at the edge."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.services.figures import CBS, OWN


FigureStatus = _enum(
    "FigureStatus",
    kwb.STATUSES,
    "Of een cijfer bekend is.",
    {
        kwb.AVAILABLE: "Het cijfer is bekend (value).",
        kwb.SUPPRESSED: "Geheim of onvoldoende betrouwbaar: de bron publiceert het niet ('.'); value is null, en is geen nul.",
        kwb.UNKNOWN: "Onbekend: de bron heeft geen waarde; value is null, en is geen nul.",
    },
)
RegionType = _enum(
    "RegionType",
    kwb.KEPT_REGION_TYPES,
    "Het soort gebied van een cijfer.",
    {kwb.GEMEENTE: "De hele gemeente.", kwb.WIJK: "Een wijk van de gemeente."},
)
IndicatorSource = _enum(
    "IndicatorSource",
    (CBS, OWN),
    "Waar een indicator vandaan komt.",
    {CBS: "CBS, Kerncijfers wijken en buurten (landelijk).", OWN: "Een eigen indicator van de coalitie (CSV-upload)."},
)

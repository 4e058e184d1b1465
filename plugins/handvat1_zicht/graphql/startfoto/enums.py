"""The enums of the startfoto, built from the values the service stores."""

from __future__ import annotations

from core.plugin import value_enum as _enum
from plugins.handvat1_zicht.services.startfoto import (
    CONCEPT,
    FIXED,
    GAP_MISSING,
    GAP_SERIES_BREAK,
    GAP_UNKNOWN,
    GAPS,
    KINDS,
    STARTFOTO,
    STATES,
    VERVOLGFOTO,
)

StartfotoKind = _enum(
    "StartfotoKind",
    KINDS,
    "Wat voor foto: de nulmeting of een latere foto die ermee vergeleken wordt.",
    {
        STARTFOTO: "De startfoto: de nulmeting van de coalitie op een peildatum.",
        VERVOLGFOTO: "Een vervolgfoto: een latere foto, vergeleken met een vastgestelde startfoto.",
    },
)
StartfotoState = _enum(
    "StartfotoState",
    STATES,
    "Of de foto nog bewerkt kan worden.",
    {
        CONCEPT: "Concept: het verhaal en de titel kunnen nog veranderen; de cijfers liggen al vast.",
        FIXED: "Vastgesteld: er verandert niets meer aan; maak een vervolgfoto voor een nieuwe stand.",
    },
)
ComparisonGap = _enum(
    "ComparisonGap",
    GAPS,
    "Waarom een vergelijking geen verschil geeft.",
    {
        GAP_MISSING: "Het cijfer staat maar in een van de twee foto's.",
        GAP_UNKNOWN: "Een van beide cijfers is onbekend of geheim (onderdrukt).",
        GAP_SERIES_BREAK: "Tussen de twee jaren ligt een reeksbreuk: de definitie veranderde, de cijfers zijn niet te vergelijken.",
    },
)

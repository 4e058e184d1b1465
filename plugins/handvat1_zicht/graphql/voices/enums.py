"""The enums of the voice of parents, built from the values the service stores."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat1_zicht.services.voices import ERVARINGSDESKUNDIGEN, GROUP_KINDS, OUDERS, SPIEGELGROEP

__all__ = ["VoiceGroupKind", "member"]

VoiceGroupKind = _enum(
    "VoiceGroupKind",
    GROUP_KINDS,
    "Met wie de bijeenkomst was (een soort groep, nooit namen).",
    {
        SPIEGELGROEP: "De spiegelgroep van de coalitie.",
        ERVARINGSDESKUNDIGEN: "Ervaringsdeskundigen.",
        OUDERS: "Ouders (bijvoorbeeld een koffieochtend of een gesprek in de wijk).",
    },
)

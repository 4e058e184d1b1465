"""The enums of the monitoring view, built from the values the service uses."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat1_zicht.services.monitoring import GEMEENTE, REGION_TYPES, UNKNOWN_WIJK, WIJK

__all__ = ["MonitoringRegionType", "member"]

MonitoringRegionType = _enum(
    "MonitoringRegionType",
    REGION_TYPES,
    "Het soort rij in de monitoring.",
    {
        GEMEENTE: "De hele gemeente: de totalen, en het werk dat niet per wijk wordt geteld.",
        WIJK: "Een wijk van de gemeente.",
        UNKNOWN_WIJK: "Werk bij gezinnen van wie de wijk niet bekend is (geen CBS-cijfers; regionCode is null).",
    },
)

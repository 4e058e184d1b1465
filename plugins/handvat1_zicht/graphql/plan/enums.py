"""The enums of the plan van aanpak, built from the values the service stores."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat1_zicht.services.plan import ACTION_STATUSES, BEZIG, GEPLAND, GEREED, GESTOPT

__all__ = ["ActionStatus", "member"]

ActionStatus = _enum(
    "ActionStatus",
    ACTION_STATUSES,
    "Hoe ver een actie is. Stappen: GEPLAND → BEZIG of GESTOPT; BEZIG → GEREED of GESTOPT; GEREED → BEZIG (heropend); GESTOPT → GEPLAND (weer opgepakt).",
    {
        GEPLAND: "Afgesproken, nog niet begonnen.",
        BEZIG: "De organisatie werkt eraan.",
        GEREED: "Afgerond.",
        GESTOPT: "Niet (verder) uitgevoerd; de reden staat in de voortgang.",
    },
)

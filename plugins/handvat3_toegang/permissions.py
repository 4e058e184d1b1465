"""What handvat 3 lets whom do (defaults per role)."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, MEMBER, PARTNER_WORKER, PRIVACY_OFFICER, PROFESSIONAL, Permission

EVERYONE = (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, ANALYST, EXPERIENCE_EXPERT, PRIVACY_OFFICER, MEMBER)

PERMISSIONS = [
    Permission("handvat3_toegang.catalogue.read", "De catalogus van regelingen en de sociale kaart zien.", EVERYONE),
    Permission(
        "handvat3_toegang.catalogue.manage",
        "Regelingen toevoegen en aanpassen, verbergen en ordenen, parameters en testgevallen beheren.",
        (COALITION_ADMIN,),
    ),
    Permission(
        "handvat3_toegang.check.run",
        "Een huishouden checken op regelingen (er wordt niets over het huishouden bewaard).",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, EXPERIENCE_EXPERT),
    ),
    Permission("handvat3_toegang.services.manage", "Aanbod op de sociale kaart beheren.", (COALITION_ADMIN,)),
    Permission(
        "handvat3_toegang.knowledge.mark",
        "Aangeven welke regelingen je kent en kunt uitleggen.",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER),
    ),
    Permission("handvat3_toegang.usage.read", "Bekendheid en gebruik van regelingen zien (de gaten).", (COALITION_ADMIN, ANALYST)),
]

"""What handvat 3 lets whom do (defaults per role)."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, MEMBER, PARTNER_WORKER, PRIVACY_OFFICER, PROFESSIONAL, Permission
from plugins.handvat3_toegang import MODULE_KEY

CATALOGUE_READ = f"{MODULE_KEY}.catalogue.read"
CATALOGUE_MANAGE = f"{MODULE_KEY}.catalogue.manage"
CHECK_RUN = f"{MODULE_KEY}.check.run"
SERVICES_MANAGE = f"{MODULE_KEY}.services.manage"
KNOWLEDGE_MARK = f"{MODULE_KEY}.knowledge.mark"
USAGE_READ = f"{MODULE_KEY}.usage.read"

EVERYONE = (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, ANALYST, EXPERIENCE_EXPERT, PRIVACY_OFFICER, MEMBER)

PERMISSIONS = [
    Permission(CATALOGUE_READ, "De catalogus van regelingen en de sociale kaart zien.", EVERYONE),
    Permission(
        CATALOGUE_MANAGE,
        "Regelingen toevoegen en aanpassen, verbergen en ordenen, parameters en testgevallen beheren.",
        (COALITION_ADMIN,),
    ),
    Permission(
        CHECK_RUN,
        "Een huishouden checken op regelingen (er wordt niets over het huishouden bewaard).",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, EXPERIENCE_EXPERT),
    ),
    Permission(SERVICES_MANAGE, "Aanbod op de sociale kaart beheren.", (COALITION_ADMIN,)),
    Permission(
        KNOWLEDGE_MARK,
        "Aangeven welke regelingen je kent en kunt uitleggen.",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER),
    ),
    Permission(USAGE_READ, "Bekendheid en gebruik van regelingen zien (de gaten).", (COALITION_ADMIN, ANALYST)),
]

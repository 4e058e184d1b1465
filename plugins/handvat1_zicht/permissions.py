"""What handvat 1 lets whom do (defaults per role): the coalition lead and analysts edit
figures, startfoto and plan; professionals read them; experts by experience read them and
contribute voices. The CBS import has no permission: it
is the operator's command (`kansrijk zicht import-cbs`), outside any gemeente."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, PROFESSIONAL, Permission
from plugins.handvat1_zicht import MODULE_KEY

FIGURES_READ = f"{MODULE_KEY}.figures.read"
OWN_INDICATORS_MANAGE = f"{MODULE_KEY}.own_indicators.manage"
STARTFOTO_MANAGE = f"{MODULE_KEY}.startfoto.manage"
PLAN_READ = f"{MODULE_KEY}.plan.read"
PLAN_MANAGE = f"{MODULE_KEY}.plan.manage"
VOICES_READ = f"{MODULE_KEY}.voices.read"
VOICES_CONTRIBUTE = f"{MODULE_KEY}.voices.contribute"

PERMISSIONS = [
    Permission(
        FIGURES_READ,
        "De cijfers per wijk zien (CBS-kerncijfers, eigen indicatoren, het eigen werk van de coalitie per wijk) en de startfoto's, met grafieken en exports.",
        (COALITION_ADMIN, ANALYST, PROFESSIONAL, EXPERIENCE_EXPERT),
    ),
    Permission(
        OWN_INDICATORS_MANAGE,
        "Eigen indicatoren per wijk toevoegen en bijwerken (CSV-upload).",
        (COALITION_ADMIN, ANALYST),
    ),
    Permission(
        STARTFOTO_MANAGE,
        "Een startfoto of vervolgfoto maken, het verhaal erbij schrijven en haar vaststellen.",
        (COALITION_ADMIN, ANALYST),
    ),
    Permission(
        PLAN_READ,
        "Het plan van aanpak zien: doelen, acties, voortgang en de eigen actiekalender.",
        (COALITION_ADMIN, ANALYST, PROFESSIONAL, EXPERIENCE_EXPERT),
    ),
    Permission(
        PLAN_MANAGE,
        "Het plan van aanpak bijhouden: doelen en acties toevoegen en wijzigen, voortgang noteren.",
        (COALITION_ADMIN, ANALYST),
    ),
    Permission(
        VOICES_READ,
        "De stem van ouders lezen: bijeenkomsten met de spiegelgroep of ervaringsdeskundigen en de citaten.",
        (COALITION_ADMIN, ANALYST, PROFESSIONAL, EXPERIENCE_EXPERT),
    ),
    Permission(
        VOICES_CONTRIBUTE,
        "Bijeenkomsten en citaten van ouders en ervaringsdeskundigen vastleggen (anoniem, met toestemming).",
        (COALITION_ADMIN, ANALYST, EXPERIENCE_EXPERT),
    ),
]

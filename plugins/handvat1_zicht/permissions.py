"""What handvat 1 lets whom do (defaults per role). The CBS import has no permission: it
is the operator's command (`kansrijk handvat1_zicht import-cbs`), outside any gemeente."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, PROFESSIONAL, Permission
from plugins.handvat1_zicht import MODULE_KEY

FIGURES_READ = f"{MODULE_KEY}.figures.read"
OWN_INDICATORS_MANAGE = f"{MODULE_KEY}.own_indicators.manage"

PERMISSIONS = [
    Permission(
        FIGURES_READ,
        "De cijfers per wijk zien: CBS-kerncijfers en de eigen indicatoren van de coalitie.",
        (COALITION_ADMIN, ANALYST, PROFESSIONAL, EXPERIENCE_EXPERT),
    ),
    Permission(
        OWN_INDICATORS_MANAGE,
        "Eigen indicatoren per wijk toevoegen en bijwerken (CSV-upload).",
        (COALITION_ADMIN, ANALYST),
    ),
]

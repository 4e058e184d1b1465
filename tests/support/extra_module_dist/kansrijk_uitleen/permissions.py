"""The permissions of the module and the roles that have them by default."""

from __future__ import annotations

from core.plugin import COALITION_ADMIN, PARTNER_WORKER, PROFESSIONAL, Permission

KEY = "uitleen"
ITEM_READ = f"{KEY}.item.read"
ITEM_WRITE = f"{KEY}.item.write"

PERMISSIONS = [
    Permission(ITEM_READ, "De spullen van het uitleenpunt zien.", (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER)),
    Permission(ITEM_WRITE, "Spullen aan het uitleenpunt toevoegen.", (COALITION_ADMIN, PARTNER_WORKER)),
]

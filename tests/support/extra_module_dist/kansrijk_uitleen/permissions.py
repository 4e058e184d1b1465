"""The permissions of the module, one constant each, and the roles that have them by default."""

from core.plugin import COALITION_ADMIN, PARTNER_WORKER, PROFESSIONAL, Permission

from kansrijk_uitleen import MODULE_KEY

ITEM_READ = f"{MODULE_KEY}.item.read"
ITEM_WRITE = f"{MODULE_KEY}.item.write"

PERMISSIONS = [
    Permission(ITEM_READ, "De spullen van het uitleenpunt zien.", (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER)),
    Permission(ITEM_WRITE, "Spullen aan het uitleenpunt toevoegen.", (COALITION_ADMIN, PARTNER_WORKER)),
]

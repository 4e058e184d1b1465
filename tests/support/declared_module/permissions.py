from core.plugin import TENANT_ROLES, Permission
from tests.support.declared_module import MODULE_KEY

THING_READ = f"{MODULE_KEY}.thing.read"

PERMISSIONS = [Permission(THING_READ, "Dingen lezen.", TENANT_ROLES)]

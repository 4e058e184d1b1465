"""Roles, permissions and the principal of a request.

Permissions are strings `module.resource.action`, declared by core and by modules through
the `register_permissions` hook, each with the roles granted it by default. A principal's
permissions in a tenant are the union of its roles' grants. Deny by default: a field or
operation without a granted permission is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.errors import Forbidden, ValidationFailed
from core.module_types import Permission


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    tenant_role: bool = True


MEMBER = "member"
COALITION_ADMIN = "coalition_admin"
PROFESSIONAL = "professional"
PARTNER_WORKER = "partner_worker"
ANALYST = "analyst"
EXPERIENCE_EXPERT = "experience_expert"
PRIVACY_OFFICER = "privacy_officer"
PLATFORM_OPERATOR = "platform_operator"

ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(COALITION_ADMIN, "Coalitieregisseur: leden, partners, modules en configuratie."),
        Role(MEMBER, "Coalitielid met de minste rechten: ziet de coalitie, verder niets (rol bij automatische aanmelding)."),
        Role(PROFESSIONAL, "Professional die met gezinnen werkt."),
        Role(PARTNER_WORKER, "Medewerker van een partnerorganisatie: ziet alleen wat naar de eigen organisatie is verwezen."),
        Role(ANALYST, "Analist of beleidsmaker: geaggregeerde cijfers, nooit persoonsgegevens."),
        Role(EXPERIENCE_EXPERT, "Ervaringsdeskundige: draagt inzichten en leerinhoud bij, nooit persoonsgegevens."),
        Role(PRIVACY_OFFICER, "Privacyfunctionaris: leest het verwerkingenlogboek."),
        Role(PLATFORM_OPERATOR, "Beheerder van het platform: gemeenten en modules; geen toegang tot gezinsgegevens.", tenant_role=False),
    )
}
TENANT_ROLES = tuple(name for name, role in ROLES.items() if role.tenant_role)


def tenant_roles_problem(roles: Iterable[str]) -> str | None:
    """Why these roles cannot be given to a member, or None when they can."""
    cleaned = set(roles)
    if not cleaned:
        return "Geef minstens één rol op."
    unknown = sorted(role for role in cleaned if role not in TENANT_ROLES)
    if unknown:  # the roles asked for are not repeated: the message names the known ones only
        return f"Onbekende rol. Kies uit: {', '.join(TENANT_ROLES)}."
    return None


def validate_tenant_roles(roles: Iterable[str], *, field_name: str = "roles") -> list[str]:
    roles = list(roles)
    problem = tenant_roles_problem(roles)
    if problem:
        raise ValidationFailed(problem, field=field_name)
    return sorted(set(roles))


class PermissionRegistry:
    """Every declared permission and the default grants per role (built once at start-up)."""

    def __init__(self, declared: Iterable[tuple[str, Permission]]) -> None:
        self.permissions: dict[str, Permission] = {}
        self.declared_by: dict[str, str] = {}
        self.grants: dict[str, set[str]] = {role: set() for role in ROLES}
        for plugin_name, permission in declared:
            if permission.name in self.permissions:
                raise ValueError(f"permission {permission.name} is declared twice")
            owner = permission.name.split(".", 1)[0]
            if owner != plugin_name:
                raise ValueError(f"{plugin_name} declares {permission.name}, outside its own namespace")
            for role in permission.default_roles:
                if role not in ROLES:
                    raise ValueError(f"permission {permission.name} grants unknown role {role}")
                self.grants[role].add(permission.name)
            self.permissions[permission.name] = permission
            self.declared_by[permission.name] = plugin_name

    def for_roles(self, roles: Iterable[str]) -> frozenset[str]:
        granted: set[str] = set()
        for role in roles:
            granted |= self.grants.get(role, set())
        return frozenset(granted)

    def is_declared(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class Principal:
    """Who makes a request, and what they may do in the request's tenant."""

    subject: str  # e-mail address of a person, or a client id
    person_id: uuid.UUID | None = None
    client_id: str | None = None
    membership_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = field(default_factory=frozenset)

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden("U heeft geen toestemming voor deze handeling.", permission=permission)

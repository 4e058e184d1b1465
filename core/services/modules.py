"""Switching modules on and off per tenant, with their configuration.

Activation is data (`module_activations`). Enabling checks the module's dependencies and
validates its configuration; disabling keeps the module's data. The lifecycle hooks fire
exactly once per change, inside the transaction of the change. Every change bumps the
tenant's `modules_revision`, which invalidates the cached hook callers in every replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select

from core.db import utcnow
from core.errors import DomainError, NotFound, ValidationFailed
from core.events import forget_module_events
from core.models import ModuleActivation, WorkflowHistory
from core.runtime import LoadedModule, ModuleRuntime
from core.services.tenants import bump_modules_revision, lock_tenant
from core.validation import validation_error
from core.work import Work
from core.step_links import forget_module_links
from core.workflows import WORKFLOW_TRANSITIONED


class ModuleDependencyMissing(DomainError):
    code = "MODULE_DEPENDENCY_MISSING"
    http_status = 409


class ModuleRequired(DomainError):
    code = "MODULE_REQUIRED_BY_OTHERS"
    http_status = 409


class InvalidModuleConfig(ValidationFailed):
    code = "INVALID_CONFIG"


@dataclass
class ModuleState:
    module: LoadedModule
    activation: ModuleActivation | None

    @property
    def enabled(self) -> bool:
        return bool(self.activation and self.activation.enabled)

    @property
    def config(self) -> dict[str, Any]:
        if self.module.config_model is None:
            return {}
        stored = self.activation.config if self.activation else {}
        return self.module.config_model.model_validate(stored).model_dump(mode="json")


async def enabled_module_keys(session: Any) -> list[str]:
    rows = await session.execute(select(ModuleActivation.module_key).where(ModuleActivation.enabled.is_(True)))
    return [key for (key,) in rows]


async def activations(session: Any) -> dict[str, ModuleActivation]:
    rows = (await session.execute(select(ModuleActivation))).scalars()
    return {row.module_key: row for row in rows}


async def stored_config(work: Work, key: str) -> BaseModel | None:
    module = _require_module(work.runtime, key)
    if module.config_model is None:
        return None
    activation = (
        await work.session.execute(select(ModuleActivation).where(ModuleActivation.module_key == key))
    ).scalar_one_or_none()
    return module.config_model.model_validate(activation.config if activation else {})


async def module_states(work: Work) -> list[ModuleState]:
    stored = await activations(work.session)
    return [ModuleState(module, stored.get(key)) for key, module in sorted(work.runtime.modules.items())]


def _require_module(runtime: ModuleRuntime, key: str) -> LoadedModule:
    module = runtime.modules.get(key)
    if module is None:
        known = ", ".join(sorted(runtime.modules)) or "geen"
        raise NotFound(f"Onbekende module. Geïnstalleerd: {known}.", field="input.key", code="UNKNOWN_MODULE")  # never the key asked for
    return module


def validate_config(module: LoadedModule, config: dict[str, Any] | None) -> dict[str, Any]:
    if module.config_model is None:
        if config:
            raise InvalidModuleConfig(f"De module {module.key} heeft geen configuratie.", field="input.config")
        return {}
    if config is not None and not isinstance(config, dict):
        raise InvalidModuleConfig("De configuratie moet een JSON-object zijn.", field="input.config")
    # A misspelt key would otherwise be dropped without a word while the admin thinks it is set.
    known = set(module.config_model.model_fields)
    unknown = sorted(set(config or {}) - known)
    if unknown:
        raise InvalidModuleConfig(
            f"Onbekende instelling: {', '.join(unknown)}. Bekend: {', '.join(sorted(known))}.", field=f"input.config.{unknown[0]}"
        )
    try:
        validated: BaseModel = module.config_model.model_validate(config or {})
    except ValidationError as exc:
        error = validation_error(exc, prefix="input.config")
        raise InvalidModuleConfig(error.message, field=error.field, errors=error.details["errors"]) from None
    return validated.model_dump(mode="json")


def merged_config(module: Any, stored: dict[str, Any] | None, given: Any) -> Any:
    """A change of configuration sets the settings given and keeps the others as stored
    (an admin changing one setting does not silently reset the rest to their defaults).
    Settings the module no longer knows are dropped from what was stored. The merge is by
    setting: a setting whose value is a list or an object is replaced as a whole."""
    if not isinstance(given, dict) or module.config_model is None:
        return given
    known = module.config_model.model_fields
    return {**{name: value for name, value in (stored or {}).items() if name in known}, **given}


async def enable_module(work: Work, key: str, config: dict[str, Any] | None = None) -> ModuleState:
    module = _require_module(work.runtime, key)
    await lock_tenant(work.session, work.tenant.id)
    stored = await activations(work.session)
    activation = stored.get(key)
    if activation is not None and activation.enabled:
        if config is not None:
            activation.config = validate_config(module, merged_config(module, activation.config, config))
            await work.session.flush()
        return ModuleState(module, activation)  # already on: no lifecycle hook
    missing = [dep for dep in module.meta.depends_on if not (stored.get(dep) and stored[dep].enabled)]
    if missing:
        raise ModuleDependencyMissing(
            f"Zet eerst {', '.join(missing)} aan: {key} heeft die module(s) nodig.", field="input.key", missing=missing
        )
    stored_config = activation.config if activation else None
    validated = validate_config(module, merged_config(module, stored_config, config) if config is not None else stored_config)
    if activation is None:
        activation = ModuleActivation(module_key=key)
        work.session.add(activation)
    activation.enabled = True
    activation.config = validated
    activation.version = module.version
    activation.enabled_at = utcnow()
    activation.enabled_by = work.actor
    await work.session.flush()
    await bump_modules_revision(work.session, work.tenant.id)
    work.hooks = work.runtime.hooks_for(work.enabled_modules | {key})
    config_object = module.config_model.model_validate(validated) if module.config_model else None
    await work.runtime.module_hooks(key).module_enabled(tenant=work.tenant, session=work.session, config=config_object, actor=work.actor)
    return ModuleState(module, activation)


async def disable_module(work: Work, key: str) -> ModuleState:
    module = _require_module(work.runtime, key)
    await lock_tenant(work.session, work.tenant.id)
    stored = await activations(work.session)
    activation = stored.get(key)
    if activation is None or not activation.enabled:
        return ModuleState(module, activation)  # already off: no lifecycle hook
    dependents = [
        other.key
        for other in work.runtime.modules.values()
        if key in other.meta.depends_on and stored.get(other.key) and stored[other.key].enabled
    ]
    if dependents:
        raise ModuleRequired(
            f"{', '.join(dependents)} gebruikt {key}; zet die module(s) eerst uit.",
            field="input.key",
            dependents=dependents,
        )
    activation.enabled = False
    activation.disabled_at = utcnow()
    activation.disabled_by = work.actor
    await work.session.flush()
    await bump_modules_revision(work.session, work.tenant.id)
    work.hooks = work.runtime.hooks_for(work.enabled_modules - {key})
    await work.runtime.module_hooks(key).module_disabled(tenant=work.tenant, session=work.session, actor=work.actor)
    return ModuleState(module, activation)


async def configure_module(work: Work, key: str, config: dict[str, Any]) -> ModuleState:
    module = _require_module(work.runtime, key)
    await lock_tenant(work.session, work.tenant.id)
    activation = (await activations(work.session)).get(key)
    if activation is None:
        activation = ModuleActivation(module_key=key, enabled=False)
        work.session.add(activation)
    activation.config = validate_config(module, merged_config(module, activation.config, config))
    await work.session.flush()
    return ModuleState(module, activation)


async def forget_module(work: Work, key: str) -> None:
    """Drop what core keeps of a purged module in the tenant (its own tables are already
    gone): the history of its workflows (actors, free-text reasons), its outbox events and
    the deliveries of those events and to its subscriber, the step links of its workflows
    (recipients' addresses), and its activation."""
    workflows = [definition.key for module_key, definition in work.runtime.workflows() if module_key == key]
    event_types = [event_type.name for module_key, event_type in work.runtime.event_types() if module_key == key]
    if workflows:
        await work.session.execute(delete(WorkflowHistory).where(WorkflowHistory.workflow.in_(workflows)))
    await forget_module_events(work.session, key, event_types, workflows, workflow_event_type=WORKFLOW_TRANSITIONED)
    await forget_module_links(work.session, key)
    activation = (await activations(work.session)).get(key)
    if activation is not None:
        await work.session.delete(activation)
        await work.session.flush()
        await bump_modules_revision(work.session, work.tenant.id)

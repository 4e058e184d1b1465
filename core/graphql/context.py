"""The per-request GraphQL context: the unit of work plus per-request DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from core.models import Tenant
from core.work import Work


@dataclass
class RequestContext(Work):
    """`info.context` in every resolver. DataLoaders live here, created per request, so
    nothing is cached across requests or tenants."""

    tenant_row: Tenant | None = None
    request: Any = None
    request_id: str | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    async def forget_attempt(self) -> None:
        """Also forget what the DataLoaders read in the attempt that is run again."""
        await super().forget_attempt()
        self._loaders.clear()

    def loader(self, name: str, load: Callable[[Sequence[Hashable]], Awaitable[Sequence[Any]]]) -> DataLoader[Any, Any]:
        """The request's DataLoader called `name` (created on first use). `load` receives the
        keys and returns one result per key, in order."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = DataLoader(load_fn=load)
            self._loaders[name] = existing
        return existing

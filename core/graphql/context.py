"""The per-request GraphQL context: the unit of work plus per-request DataLoaders."""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import AbstractCache, DataLoader

from core.models import Tenant
from core.work import Work


class _ReadCache(AbstractCache[Any, Any]):
    """What a request's loader read, by the key itself (strawberry's default cache calls a
    key function for every look-up: a page's keys are looked up several times each)."""

    def __init__(self) -> None:
        self.read: dict[Hashable, Future[Any]] = {}

    def get(self, key: Any) -> Future[Any] | None:
        return self.read.get(key)

    def set(self, key: Any, value: Future[Any]) -> None:
        self.read[key] = value

    def delete(self, key: Any) -> None:
        del self.read[key]

    def clear(self) -> None:
        self.read.clear()


def _unread(known: Future[Any] | None) -> bool:
    """Whether a key's read is still to be made: none yet, or it was cancelled (as strawberry's
    `load` reads such a key again)."""
    return known is None or known.cancelled()


#: A batch read: (session, keys) -> {key: value}; keys it does not know are left out.
Fetch = Callable[[Any, Sequence[Any]], Awaitable[Mapping[Any, Any]]]


@dataclass
class RequestContext(Work):
    """`info.context` in every resolver. DataLoaders live here, created per request, so
    nothing is cached across requests or tenants."""

    tenant_row: Tenant | None = None
    request: Any = None
    request_id: str | None = None
    _loaders: dict[Fetch, DataLoader[Any, Any]] = field(default_factory=dict)

    async def forget_attempt(self) -> None:
        """Also forget what the DataLoaders read in the attempt that is run again."""
        await super().forget_attempt()
        self.forget_loaded()

    def forget_loaded(self) -> None:
        """Drop what the DataLoaders hold: a mutation may change it (a document's mutations
        run one after another, and each must read what the ones before it wrote)."""
        self._loaders.clear()

    def loader(self, fetch: Fetch) -> DataLoader[Any, Any]:
        """The request's DataLoader over `fetch` (created on first use). One registry keyed by
        the function itself, so two resolvers asking the same thing share one batch, and two
        different functions can never take each other's place."""
        if not callable(fetch):  # plugin API 1.0: loader(name, load_fn)
            raise TypeError(
                f"info.context.loader({fetch!r}, ...) is plugin API 1.0: since 1.1 the loaders are keyed by their function, "
                "use `await info.context.load(fetch, key)` with fetch(session, keys) -> {key: value}"
            )
        existing = self._loaders.get(fetch)
        if existing is None:
            session = self.session

            async def load(keys: Sequence[Hashable]) -> list[Any]:
                found = await fetch(session, keys)
                return [found.get(key) for key in keys]

            existing = DataLoader(load_fn=load, cache_map=_ReadCache())
            self._loaders[fetch] = existing
        return existing

    async def load(self, fetch: Fetch, key: Hashable) -> Any:
        """`fetch(session, keys)[key]`, batched with every other `load` of the same function
        in this request (None when `fetch` does not know the key)."""
        return await self.loader(fetch).load(key)

    async def load_many(self, fetch: Fetch, keys: Collection[Hashable]) -> list[Any]:
        """`load` for many keys at once, in the order given: the keys this request has not
        read yet in one call of `fetch`, the others as read (a page's keys are already a
        batch: no awaitable per key, as `DataLoader.load_many` makes, is needed for them)."""
        loader = self.loader(fetch)
        keys = list(keys)
        read = loader.cache_map.read  # type: ignore[attr-defined]  # a _ReadCache: see `loader`
        missing = [key for key in dict.fromkeys(keys) if _unread(read.get(key))]
        if missing:
            found = await fetch(self.session, missing)
            # Kept for the request's later `load`s (a cancelled read replaced, one made meanwhile kept).
            loader.prime_many({key: found.get(key) for key in missing if _unread(read.get(key))}, force=True)
        values = []
        for key in keys:
            known = read.get(key)
            if _unread(known):  # cleared or cancelled meanwhile: read as `load` reads
                values.append(await loader.load(key))
            else:
                values.append(known.result() if known.done() else await known)
        return values

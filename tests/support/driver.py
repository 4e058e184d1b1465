"""What the platform's PostgreSQL connections send as transaction control (asyncpg's simple
queries): for tests of the tenant setting that travels with each BEGIN (core/postgres_driver.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def begins_sent(into: list[str] | None = None) -> Iterator[list[str]]:
    """The BEGIN messages sent meanwhile, as the server receives them, appended to `into`
    (e.g. a `count_statements` list, where they fall among the statements) or a new list."""
    import asyncpg

    sent: list[str] = [] if into is None else into
    execute = asyncpg.Connection.execute

    async def recording(self: Any, query: str, *args: Any, timeout: float | None = None) -> str:
        if not args and query.startswith("BEGIN"):
            sent.append(query)
        return await execute(self, query, *args, timeout=timeout)

    asyncpg.Connection.execute = recording  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        asyncpg.Connection.execute = execute  # type: ignore[method-assign]

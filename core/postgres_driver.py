"""asyncpg, sending the setting of a transaction's tenant in the message of its BEGIN.

Row-level security (isolation layer 2) reads a transaction's tenant from a setting made
with `set_config(..., true)` (local to the transaction) at its start. Sent as a statement of
its own, that is a round trip on every request: about 0.1 ms and 50 µs of the server
process's CPU, as much as the rest of a small request's work in the driver. PostgreSQL's
simple-query protocol carries several statements in one message, so the setting travels
with the BEGIN at no extra cost.

The session's `after_begin` hook (core.db) hands the setting over with `begin_with`;
SQLAlchemy's asyncpg adapter sends the BEGIN (asyncpg's `Transaction.start`, through
`execute`) just before the transaction's first statement, and this connection puts the
setting in the same message. Fail-closed: a setting that would not travel leaves the
transaction without a tenant, where row-level security shows nothing. A setting not sent
is dropped when its transaction ends and when the connection goes back to the pool
(core.db), so it never starts someone else's transaction; a BEGIN message that fails
closes the connection (see `execute`)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


class TenantBeginConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection whose next BEGIN may carry one more statement (`begin_with`).
    Ask `type(connection) is TenantBeginConnection`: asyncpg's metaclass makes every
    asyncpg connection an `isinstance` of every subclass."""

    __slots__ = ("_begin_with",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._begin_with: str | None = None

    def begin_with(self, statement: str | None) -> None:
        """Send `statement` (literal SQL, no parameters) in the message of the next BEGIN;
        None: nothing (what was handed over before is dropped)."""
        self._begin_with = statement

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        statement = self._begin_with
        if statement is None or args or not query.startswith("BEGIN"):
            return await super().execute(query, *args, timeout=timeout)
        self._begin_with = None
        try:
            return await super().execute(f"{query} {statement}", timeout=timeout)
        except BaseException:
            # The BEGIN may have run and the setting failed after it (a cancel, a timeout): the
            # server is then in a failed transaction that neither asyncpg (to which its
            # transaction never started) nor SQLAlchemy (which never saw one begin) rolls
            # back. Closed instead: SQLAlchemy finds the connection closed and discards it,
            # so it never goes back to the pool in that state.
            self.terminate()
            raise


def set_local(setting: str, value: uuid.UUID | str) -> str:
    """`SELECT set_config(setting, value, true)` as literal SQL, for `begin_with`. The value
    is a tenant's id (a UUID: hex digits and dashes only) or `on`: never caller's text."""
    if value != "on" and not isinstance(value, uuid.UUID):
        value = uuid.UUID(value)  # refuses anything but a UUID
    return f"SELECT set_config('{setting}', '{value}', true);"

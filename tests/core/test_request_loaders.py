"""The request's loaders (`info.context.load` and `load_many`): a page's keys are read in one
call of the batch function, what the request read before is not read again, and a key a
`load` is still waiting for is answered by that read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from core.graphql.context import RequestContext

NAMES = {1: "een", 2: "twee", 3: "drie", 4: "vier"}


def context() -> RequestContext:
    session = SimpleNamespace(info={})
    runtime = SimpleNamespace(declared_event_types=frozenset())
    return RequestContext(session=session, tenant=None, principal=None, hooks=None, runtime=runtime, settings=None)  # type: ignore[arg-type]


class Reads:
    """A batch function that notes the keys of each call (unknown keys left out)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[int]] = []
        self.fail = fail

    async def __call__(self, session: Any, keys: Sequence[int]) -> dict[int, str]:
        self.calls.append(list(keys))
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("kapot")
        return {key: NAMES[key] for key in keys if key in NAMES}


async def test_a_pages_keys_are_read_in_one_call_in_the_order_given() -> None:
    work, reads = context(), Reads()
    assert await work.load_many(reads, [3, 1, 3, 9]) == ["drie", "een", "drie", None]
    assert reads.calls == [[3, 1, 9]]  # once each, unknown keys too (answered None)


async def test_what_the_request_read_is_not_read_again() -> None:
    work, reads = context(), Reads()
    assert await work.load(reads, 1) == "een"
    assert await work.load_many(reads, [1, 2]) == ["een", "twee"]
    assert await work.load_many(reads, [2, 9, 1]) == ["twee", None, "een"]
    assert await work.load(reads, 2) == "twee"
    assert reads.calls == [[1], [2], [9]]


async def test_a_key_a_load_waits_for_is_answered_by_that_read() -> None:
    work, reads = context(), Reads()
    pending = asyncio.ensure_future(work.load(reads, 1))
    await asyncio.sleep(0)  # the load is queued in its batch, not yet read
    assert await work.load_many(reads, [1, 4]) == ["een", "vier"]
    assert await pending == "een"
    assert sorted(map(sorted, reads.calls)) == [[1], [4]]


async def test_a_failed_read_is_not_kept() -> None:
    work, failing = context(), Reads(fail=True)
    with pytest.raises(RuntimeError, match="kapot"):
        await work.load_many(failing, [1, 2])
    failing.fail = False
    assert await work.load_many(failing, [2, 1]) == ["twee", "een"]
    assert failing.calls == [[1, 2], [2, 1]]


async def test_different_functions_never_share_what_they_read() -> None:
    work, first, second = context(), Reads(), Reads()
    assert await work.load_many(first, [1]) == ["een"]
    assert await work.load_many(second, [1]) == ["een"]
    assert first.calls == [[1]] and second.calls == [[1]]


async def test_a_cancelled_read_is_read_again() -> None:
    """As `load` does with a key whose read was cancelled (a request that gave up on it)."""
    work, reads = context(), Reads()
    cancelled = asyncio.get_running_loop().create_future()
    cancelled.cancel()
    work.loader(reads).cache_map.set(1, cancelled)
    assert await work.load_many(reads, [1, 2]) == ["een", "twee"]
    assert await work.load(reads, 1) == "een"
    assert reads.calls == [[1, 2]]

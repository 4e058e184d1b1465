"""What a process of the platform does while it starts, shared by its entry points
(gateway.asgi for a server process, gateway.command for the `kansrijk` command). Imports
nothing of the platform, so that an entry point can pause the garbage collector before it
imports anything heavy.

Start-up makes some 300,000 objects that live as long as the process (modules, mappers, the
GraphQL schema). The collector's full passes over them while they were made freed next to
nothing and took ~0.65 s of a server's start (traced with `gc.callbacks`) and ~0.17 s of
every command; afterwards every full collection walked them again (~10 % of a process
under a load of mutations)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off for the block and back as it was afterwards, also when the
    block fails (a collector switched off by whoever runs the process stays off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Net new container objects (allocations less deallocations) before the collector looks at
#: the youngest generation; Python's default is 700. A request builds its answer out of
#: thousands of dicts and lists that its end frees again, so at 700 the collector ran some
#: ten times during every page of 40 families (~2 ms of its ~50, measured with
#: `gc.callbacks`), each time finding those objects alive; at 10,000 it runs about once in
#: fifteen such pages (0.15 ms a page) and once in a few hundred lists of regelingen (0.2 ms
#: each before). It still collects: cycles are freed a little later, never kept.
YOUNG_GENERATION_THRESHOLD = 10_000


def prepare_collector_for_serving() -> None:
    """One collection, then what start-up made moved out of the collector's generations, once
    per process: under a load of mutations full collections took 0.94 s of 10 s, frozen 0.3 s.
    Then the youngest generation collected less often (`YOUNG_GENERATION_THRESHOLD`)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)

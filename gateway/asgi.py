"""The entry point of a server process: `uvicorn --factory gateway.asgi:app_factory` (what
`kansrijk serve --workers N` starts in each process; `kansrijk serve` in one process serves
`served_app` too).

Nothing of the platform is imported here at module level: `served_app` imports and builds
it with the garbage collector paused and freezes what start-up made (gateway.start_up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.start_up import collector_paused, prepare_collector_for_serving

if TYPE_CHECKING:
    from fastapi import FastAPI

    from core.config import Settings


def served_app(settings: Settings | None = None) -> FastAPI:
    """The app a server process serves (settings from the environment when not given)."""
    with collector_paused():
        from gateway.app import create_app

        app = create_app(settings)
        prepare_collector_for_serving()
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory gateway.asgi:app_factory`."""
    return served_app()

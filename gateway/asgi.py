"""The entry point of a server process: `uvicorn --factory gateway.asgi:app_factory` (what
`kansrijk serve --workers N` starts in each process; `kansrijk serve` in one process builds
the same app with `served_app`).

Nothing of the platform is imported here at module level: `served_app` pauses the garbage
collector before it imports the platform, so that what the imports make (objects that live
as long as the process) is not walked by full collections while it is made (~0.2 s of a
start), then builds the app (`create_app(freeze_start_up=True)`: built with the collector
paused, what it made frozen out of the collector's generations) and switches the collector
back on."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from core.config import Settings


def served_app(settings: Settings | None = None) -> FastAPI:
    """The app a server process serves (settings from the environment when not given)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from gateway.app import create_app

        return create_app(settings, freeze_start_up=True)
    finally:
        if was_enabled:
            gc.enable()


def app_factory() -> FastAPI:
    """For `uvicorn --factory gateway.asgi:app_factory`."""
    return served_app()

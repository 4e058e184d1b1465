"""The `kansrijk` command's entry point ([project.scripts] in pyproject.toml).

Nothing of the platform is imported here at module level: the command line is imported and
made (the installed modules loaded for their commands) with the garbage collector paused,
as a server process's start-up is (gateway.asgi): its full passes over what the imports
make, objects that live as long as the process, took ~0.17 s of every command and freed
next to nothing. The collector is on again before the command runs."""

from __future__ import annotations

import gc


def main() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from gateway.cli import command_line

        command = command_line()
    finally:
        if was_enabled:
            gc.enable()
    command()

"""The `kansrijk` command's entry point ([project.scripts] in pyproject.toml).

Nothing of the platform is imported here at module level: the command line is imported and
made (the installed modules loaded for their commands) with the garbage collector paused
(gateway.start_up); it is on again before the command runs."""

from __future__ import annotations

from gateway.start_up import collector_paused


def main() -> None:
    with collector_paused():
        from gateway.cli import command_line

        command = command_line()
    command()

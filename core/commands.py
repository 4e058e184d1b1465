"""Running a module's own `kansrijk` command (see the `register_cli_commands` hook).

    @commands.command("import")
    def import_figures(path: Path) -> None:
        count = run_command(lambda work: load_figures(work, path))           # for the platform
        count = run_command(lambda work: recount(work), tenant="utrecht")    # in one gemeente

The platform is built from the environment (DATABASE_URL and the other settings), the
action runs in one unit of work that is committed afterwards, and a domain error ends the
command with its code and message (exit code 1) instead of a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core.errors import DomainError, ModuleNotEnabled

T = TypeVar("T")
COMMAND_ACTOR = "cli"


def run_command(
    action: Callable[[Any], Awaitable[T]], *, tenant: str | None = None, module: str | None = None, actor: str = COMMAND_ACTOR
) -> T:
    """Run `action(work)` and commit: with `tenant` (a slug) in a unit of work of that
    gemeente as the system (a coalition admin's permissions), without it in a
    `PlatformWork` (the system context, for national reference data). With `module` (your
    module key) a gemeente that has not switched the module on is refused
    (`MODULE_NOT_ENABLED`). When the action fails, what it processed is logged with status
    `error` and nothing else is kept."""
    from core.config import Settings
    from core.platform import Platform

    async def runner() -> T:
        platform = Platform.create(Settings())
        try:
            if tenant is None:
                async with platform.work_as_platform(actor) as platform_work:
                    result = await action(platform_work)
                    await platform_work.commit()
                    return result
            async with platform.work_as_system(tenant, actor) as work:
                if module is not None and module not in work.enabled_modules:
                    raise ModuleNotEnabled(f"De module {module} staat niet aan in {work.tenant.name}.")
                try:
                    result = await action(work)
                except BaseException:
                    await work.save_failure()
                    raise
                await work.commit()
                return result
        finally:
            await platform.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as error:
        print(f"{error.code}: {error}", file=sys.stderr)
        raise SystemExit(1) from None

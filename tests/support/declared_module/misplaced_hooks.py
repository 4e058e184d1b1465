"""A process hook written as a hook function (a test of the refusal at load)."""

from core.plugin import hookimpl


@hookimpl
def register_models() -> list[type]:
    return []

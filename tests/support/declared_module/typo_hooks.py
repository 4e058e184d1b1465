"""Hooks with a misspelt name (a test of the refusal at load)."""

from typing import Any

from core.plugin import hookimpl


@hookimpl
def on_domain_evnt(event: Any) -> None:
    """Misspelt: never called; the module must be refused, not silently deaf."""

"""docs/security.md carries the roles and permissions table of the platform: core and the
modules of its own distribution (plugins/*). The permissions of a module installed beside it
are not the platform's and are left out of the comparison (they are in the running
platform's registry, and tests/identity/test_authorization.py checks them)."""

from __future__ import annotations

from core.config import Settings
from core.platform import Platform
from core.runtime import platform_module_sources
from gateway.docs import SECURITY_DOC, permissions_table, render_security_doc


def test_security_doc_has_the_current_permissions_table() -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", strict_modules=True, debug=True)
    platform = Platform.create(settings, discover=False, extra_modules=platform_module_sources())
    current = SECURITY_DOC.read_text(encoding="utf-8")
    assert render_security_doc(platform, current) == current, (
        "run `uv run kansrijk export-schema` and commit docs/security.md (the platform's own modules only: core and plugins/*)"
    )
    table = permissions_table(platform)
    assert "| `core.module.manage` |" in table and "`platform_operator`" in table

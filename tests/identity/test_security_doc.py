"""docs/security.md carries the roles and permissions table of the running platform."""

from __future__ import annotations

from core.config import Settings
from core.platform import Platform
from gateway.docs import SECURITY_DOC, permissions_table, render_security_doc


def test_security_doc_has_the_current_permissions_table() -> None:
    platform = Platform.create(Settings(database_url="sqlite+aiosqlite:///:memory:", strict_modules=True, debug=True))
    current = SECURITY_DOC.read_text(encoding="utf-8")
    assert render_security_doc(platform, current) == current, "run `uv run kansrijk export-schema` and commit docs/security.md"
    table = permissions_table(platform)
    assert "| `core.module.manage` |" in table and "`platform_operator`" in table

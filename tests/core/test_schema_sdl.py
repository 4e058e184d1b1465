"""The committed SDL (docs/schema.graphql) is the schema the platform builds, so every API
change shows up in review. Regenerate with `uv run kansrijk export-schema`."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from core.platform import Platform

SDL = Path(__file__).resolve().parents[2] / "docs" / "schema.graphql"


def test_committed_sdl_matches_the_built_schema() -> None:
    platform = Platform.create(Settings(database_url="sqlite+aiosqlite:///:memory:", strict_modules=True, debug=True))
    built = platform.schema.as_str() + "\n"
    assert SDL.read_text(encoding="utf-8") == built, "schema changed: run `uv run kansrijk export-schema` and commit docs/schema.graphql"

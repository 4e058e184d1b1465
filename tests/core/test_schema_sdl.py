"""The committed SDL (docs/schema.graphql) is the schema the platform builds, so every API
change shows up in review. Regenerate with `uv run kansrijk export-schema`.

It describes the platform itself: core and the modules of the platform's own distribution
(plugins/*). A module installed beside it (a third party's) is left out of the comparison;
the second test shows that such a module only adds to the API, never changes it."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from core.config import Settings
from core.platform import Platform
from core.runtime import platform_module_sources

SDL = Path(__file__).resolve().parents[2] / "docs" / "schema.graphql"


def settings() -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///:memory:", strict_modules=True, debug=True)


def test_committed_sdl_matches_the_built_schema() -> None:
    platform = Platform.create(settings(), discover=False, extra_modules=platform_module_sources())
    built = platform.schema.as_str() + "\n"
    assert SDL.read_text(encoding="utf-8") == built, (
        "schema changed: run `uv run kansrijk export-schema` and commit docs/schema.graphql "
        "(the platform's own modules only: core and plugins/*)"
    )


def test_installed_modules_only_add_to_the_platforms_api() -> None:
    own = Platform.create(settings(), discover=False, extra_modules=platform_module_sources())
    everything = Platform.create(settings())
    extra = sorted(set(everything.runtime.modules) - set(own.runtime.modules))
    changes = find_breaking_changes(build_schema(own.schema.as_str()), build_schema(everything.schema.as_str()))
    assert not changes, f"installed modules {extra} change the platform's API: {[change.description for change in changes]}"


def test_a_schema_built_again_wraps_each_mutation_in_one_transaction() -> None:
    """The field extensions the builder adds (the transaction, the module gate) are added
    once, however often a schema is built in the process (every platform builds one):
    a second transaction around a mutation would end the first one's work."""
    from core.graphql.fields import ModuleGate, Transactional

    for _ in range(3):
        platform = Platform.create(settings(), discover=False, extra_modules=platform_module_sources())
    mutation = platform.schema.get_type_by_name("Mutation")
    assert mutation is not None
    for field in mutation.fields:  # type: ignore[attr-defined]
        kinds = [type(extension) for extension in field.extensions]
        assert kinds.count(Transactional) == 1, field.python_name
        assert kinds.count(ModuleGate) <= 1, field.python_name

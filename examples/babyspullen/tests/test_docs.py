"""The module's README keeps up with the code: its workflow diagram is the workflow's own, and
every configuration key and error code it names exists."""

from __future__ import annotations

from pathlib import Path

from kansrijk_babyspullen.config import Config
from kansrijk_babyspullen.services import errors
from kansrijk_babyspullen.workflows import REQUEST_WORKFLOW

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_diagram_is_the_workflow() -> None:
    assert f"```mermaid\n{REQUEST_WORKFLOW.to_mermaid()}\n```" in README


def test_the_readme_names_every_configuration_key_and_own_error_code() -> None:
    for key in Config.model_fields:
        assert f"| `{key}` |" in README, key
    for error in (errors.NoConsent, errors.FoundationNotConfigured, errors.NotYourStep):
        assert f"`{error.code}`" in README, error.code

"""docs/modules/handvat4_leren.md says what the module does: its workflow diagrams are the
ones the definitions generate, and every permission, setting and event is documented."""

from __future__ import annotations

from pathlib import Path

from plugins.handvat4_leren.config import Config
from plugins.handvat4_leren.domain import NATIONAL_FRAMEWORK
from plugins.handvat4_leren.events import EVENT_TYPES
from plugins.handvat4_leren.permissions import PERMISSIONS
from plugins.handvat4_leren.workflows import WORKFLOWS

DOCUMENT = (Path(__file__).resolve().parents[3] / "docs" / "modules" / "handvat4_leren.md").read_text(encoding="utf-8")


def test_the_diagrams_are_generated_from_the_workflows() -> None:
    for workflow in WORKFLOWS:
        assert f"```mermaid\n{workflow.to_mermaid()}\n```" in DOCUMENT, f"paste {workflow.key}'s to_mermaid() into the document"


def test_every_permission_setting_event_and_competence_is_documented() -> None:
    missing = [permission.name for permission in PERMISSIONS if f"`{permission.name}`" not in DOCUMENT]
    missing += [name for name in Config.model_fields if f"`{name}`" not in DOCUMENT]
    missing += [event.name for event in EVENT_TYPES if f"`{event.name}`" not in DOCUMENT]
    missing += [item.key for item in NATIONAL_FRAMEWORK if f"| `{item.key}` | {item.name} |" not in DOCUMENT]
    assert not missing, missing

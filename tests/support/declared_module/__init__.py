"""A module declared with the `Module` object (plugin API 1.1): its parts live at the
default resource paths, its tenant hooks in `hooks.py`."""

from __future__ import annotations

from core.plugin import Module, ModuleMeta

MODULE_KEY = "declared"

module = Module(__name__, ModuleMeta(key=MODULE_KEY, name="Declared", description="Test module.", category="test", plugin_api=">=1.1"), migrations=None)

"""Samen leren (handvat 4 van Kansrijke Start).

Its features are added in their own issues; until then the module contributes its
metadata and its (empty) migration branch.
"""

from __future__ import annotations

from core.plugin import Module, ModuleMeta

MODULE_KEY = "handvat4_leren"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Samen leren",
        description="Trainingen, competenties en praktijkvoorbeelden om als coalitie samen te leren.",
        category="handvat",
        plugin_api=">=1.1",
    ),
)

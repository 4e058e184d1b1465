"""Zicht op armoede (handvat 1 van Kansrijke Start).

Its features are added in their own issues; until then the module contributes its
metadata and its (empty) migration branch.
"""

from __future__ import annotations

from core.plugin import Module, ModuleMeta

MODULE_KEY = "handvat1_zicht"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Zicht op armoede",
        description="Inzicht in armoede per wijk: cijfers, een startfoto (nulmeting) en een plan van aanpak.",
        category="handvat",
        plugin_api=">=1.1",
    ),
)

"""Zicht op armoede (handvat 1 van Kansrijke Start).

The module object: metadata and hook implementations. Its features are added in their
own issues; until then it contributes its metadata and its (empty) migration branch.
"""

from __future__ import annotations

from pathlib import Path

from core.plugin import ModuleMeta, hookimpl

MODULE_KEY = "handvat1_zicht"


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(
        key=MODULE_KEY,
        name="Zicht op armoede",
        description="Inzicht in armoede per wijk: cijfers, een startfoto (nulmeting) en een plan van aanpak.",
        category="handvat",
        plugin_api=">=1.0",
    )


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")

"""Zicht op armoede (handvat 1 van Kansrijke Start).

CBS's *Kerncijfers wijken en buurten* per gemeente and wijk, imported by the operator from
the files CBS publishes (OData JSON, CSV) as national reference data that each gemeente
reads for itself, and a coalition's own indicators per wijk (CSV upload); the monitoring
of the coalition's own work per wijk beside them (through other modules' hooks); the
startfoto and vervolgfoto's with charts, exports and a printable report; the plan van
aanpak; and the voice of parents.
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
        plugin_api=">=1.6",
        command="zicht",
    ),
)

"""Armoede signaleren en gezinnen ondersteunen (handvat 2 van Kansrijke Start).

Professionals recognise money worries, discuss them stress-sensitively (a conversation
guide per worry), classify the family's situation as a dated snapshot (A-D), record the
parent's consent and refer the family warmly to a partner organisation, which reports
back on every step. Families are pseudonymous, seen only by the organisations involved,
anonymised after the retention period, and every access is in the processing log.
"""

from __future__ import annotations

from core.plugin import Module, ModuleMeta

MODULE_KEY = "handvat2_signaleren"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Armoede signaleren en gezinnen ondersteunen",
        description="Geldzorgen herkennen en bespreekbaar maken, toestemming vastleggen, warm doorverwijzen en terugkoppeling krijgen.",
        category="handvat",
        plugin_api=">=1.7",
    ),
)

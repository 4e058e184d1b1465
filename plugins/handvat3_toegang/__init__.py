"""Bekendheid en toegankelijkheid van regelingen (handvat 3 van Kansrijke Start).

A catalogue of regelingen and voorzieningen (a national seed every gemeente starts with,
adapted and extended by the gemeente), eligibility as data (JSON Logic conditions over
facts of a household, with versioned parameters), an explainable check for professionals
and a public one for parents, the sociale kaart, bekendheid and Dutch full-text search.
"""

from __future__ import annotations

from core.plugin import Module, ModuleMeta

MODULE_KEY = "handvat3_toegang"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Bekendheid en toegankelijkheid van regelingen",
        description="Een catalogus van regelingen en voorzieningen, met een uitlegbare check wie er recht op heeft.",
        category="handvat",
        plugin_api=">=1.8",
    ),
)

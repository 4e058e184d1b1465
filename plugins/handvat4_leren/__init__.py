"""Samen leren (handvat 4 van Kansrijke Start).

Learning activities of the coalition (trainings, themabijeenkomsten, masterclasses,
intervisie, a serious game, e-learning, werkbezoeken) with registration, a waiting list,
attendance and a calendar; a competence framework (the national default, adapted per
coalition) and the coverage per partner organisation: "is every professional equipped?";
and the practice library every coalition shares: examples written, reviewed, published,
searched, adopted into the plan van aanpak and commented on.
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
        plugin_api=">=1.2",
    ),
)

"""The processing of personal data by handvat 4: the members' own learning (registrations,
attendance, competences). Practice examples and experience notes are about a coalition's
work, never about a family: identifying data in them is refused."""

from __future__ import annotations

from core.plugin import ProcessingActivity
from plugins.handvat4_leren import MODULE_KEY

LEARNING = f"{MODULE_KEY}.learning"

ACTIVITIES = [
    ProcessingActivity(
        key=LEARNING,
        name="Deskundigheid van professionals in de coalitie",
        purpose=(
            "Leeractiviteiten organiseren (inschrijven, wachtlijst, aanwezigheid) en zien of elke professional van de "
            "coalitie is toegerust om geldzorgen te signaleren en bespreken (dekking van competenties per organisatie)."
        ),
        legal_basis="Gerechtvaardigd belang van de coalitie en de deelnemende organisaties (AVG art. 6 lid 1 sub f): deskundigheidsbevordering.",
        data_categories=("lidmaatschap en organisatie", "inschrijvingen en aanwezigheid", "competenties met onderbouwing"),
        retention="Zolang het lidmaatschap loopt; de cijfers daarna alleen geaggregeerd.",
    )
]

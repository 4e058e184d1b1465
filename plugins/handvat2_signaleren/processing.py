"""The processing of personal data handvat 2 does, for every gemeente's register."""

from __future__ import annotations

from core.plugin import ProcessingActivity
from plugins.handvat2_signaleren import MODULE_KEY

ACTIVITY = f"{MODULE_KEY}.family_support"

ACTIVITIES = [
    ProcessingActivity(
        key=ACTIVITY,
        name="Signaleren van geldzorgen en warm doorverwijzen",
        purpose=(
            "Gezinnen in de eerste 1000 dagen met geldzorgen tijdig de juiste steun bieden: signaleren, met toestemming "
            "van de ouder doorverwijzen naar een partnerorganisatie en terugkoppelen."
        ),
        legal_basis=(
            "Toestemming van de ouder (AVG art. 6 lid 1 sub a) voor het delen met andere organisaties; "
            "de wettelijke taak van de professional (Wet publieke gezondheid, Jeugdwet, Wmo 2015) voor het eigen dossier."
        ),
        data_categories=(
            "pseudoniem gezinskenmerk",
            "fase (maand)",
            "wijk",
            "zorgen, risico- en beschermende factoren (mogelijk gezondheid)",
            "toestemming",
            "verwijzingen en uitkomst",
        ),
        retention="Tot het gezin is afgesloten, daarna de bewaartermijn van de gemeente (standaard 12 maanden); dan geanonimiseerd.",
    )
]

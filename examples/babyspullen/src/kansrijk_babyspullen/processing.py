"""The processing activity of the module, for the gemeente's register (AVG art. 30)."""

from core.plugin import ProcessingActivity

from kansrijk_babyspullen import MODULE_KEY

REQUESTS = f"{MODULE_KEY}.request"

ACTIVITIES = [
    ProcessingActivity(
        key=REQUESTS,
        name="Een startpakket aanvragen bij Stichting Babyspullen",
        purpose="(Aanstaande) ouders met weinig geld helpen aan de spullen voor de eerste maanden, via een professional van de coalitie.",
        legal_basis="Toestemming van de ouder voor delen met de stichting (AVG art. 6 lid 1 sub a), vastgelegd in handvat 2.",
        data_categories=(
            "uitgerekende datum of leeftijd van het kind",
            "kledingmaat en gevraagde spullen",
            "bezorgadres (alleen bij bezorgen, gewist bij afsluiten)",
        ),
        retention="Tot het gezin in handvat 2 wordt geanonimiseerd of gewist; het bezorgadres tot de aanvraag is afgesloten.",
    )
]

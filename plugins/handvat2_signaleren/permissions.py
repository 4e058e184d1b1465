"""What handvat 2 lets whom do (defaults per role). Families are seen per organisation on
top of these: see `services.visibility`."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, PARTNER_WORKER, PRIVACY_OFFICER, PROFESSIONAL, Permission
from plugins.handvat2_signaleren import MODULE_KEY

FAMILY_READ = f"{MODULE_KEY}.family.read"
FAMILY_WRITE = f"{MODULE_KEY}.family.write"
REFERRAL_SEND = f"{MODULE_KEY}.referral.send"
REFERRAL_RESPOND = f"{MODULE_KEY}.referral.respond"
REFERRAL_OVERDUE = f"{MODULE_KEY}.referral.overdue"
FEEDBACK_READ = f"{MODULE_KEY}.feedback.read"
GUIDE_READ = f"{MODULE_KEY}.guide.read"
FIGURES_READ = f"{MODULE_KEY}.figures.read"
FAMILY_RIGHTS = f"{MODULE_KEY}.family.rights"

PERMISSIONS = [
    Permission(
        FAMILY_READ,
        "Gezinnen zien waarmee je organisatie te maken heeft: die je organisatie registreerde (met gezin registreren) "
        "of die met toestemming naar je organisatie zijn verwezen.",
        (PROFESSIONAL, PARTNER_WORKER),
        for_clients=False,
    ),
    Permission(
        FAMILY_WRITE,
        "Een gezin registreren, signalen, toestemming en het ondersteuningsplan vastleggen, een gezin afsluiten.",
        (PROFESSIONAL,),
        for_clients=False,
    ),
    Permission(REFERRAL_SEND, "Een gezin warm doorverwijzen of een verwijzing terugtrekken.", (PROFESSIONAL,), for_clients=False),
    Permission(
        REFERRAL_RESPOND,
        "Een verwijzing naar je organisatie accepteren, afwijzen, starten en afronden.",
        (PROFESSIONAL, PARTNER_WORKER),
        for_clients=False,
    ),
    Permission(REFERRAL_OVERDUE, "Verwijzingen zien waarop te laat is gereageerd (zonder gegevens over het gezin).", (COALITION_ADMIN,)),
    Permission(
        FEEDBACK_READ, "Je terugkoppelingen over verwijzingen zien en als gelezen markeren.", (PROFESSIONAL, PARTNER_WORKER), for_clients=False
    ),
    Permission(
        GUIDE_READ,
        "De gesprekshulp per zorg en de lijsten met risico- en beschermende factoren zien.",
        (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, EXPERIENCE_EXPERT),
    ),
    Permission(
        FIGURES_READ,
        "Cijfers van de coalitie over signalen en verwijzingen (kleine aantallen worden niet getoond).",
        (COALITION_ADMIN, PROFESSIONAL, ANALYST, EXPERIENCE_EXPERT),
    ),
    Permission(
        FAMILY_RIGHTS,
        "Op verzoek van een ouder alles over het gezin exporteren of het gezin wissen.",
        (PRIVACY_OFFICER,),
    ),
]

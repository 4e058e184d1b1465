"""What handvat 4 lets whom do (defaults per role). Every member takes part in learning
activities and reads the practice library; professionals organise activities of their own
organisation and write and review practice examples; the coalition lead coordinates every
activity, keeps the competence framework, confirms declared competences and sees the
coverage; analysts see the coverage and figures."""

from __future__ import annotations

from core.plugin import ANALYST, COALITION_ADMIN, EXPERIENCE_EXPERT, PARTNER_WORKER, PROFESSIONAL, Permission
from plugins.handvat4_leren import MODULE_KEY

MEMBERS = (COALITION_ADMIN, PROFESSIONAL, PARTNER_WORKER, ANALYST, EXPERIENCE_EXPERT)

ACTIVITIES_READ = f"{MODULE_KEY}.activities.read"
ACTIVITIES_REGISTER = f"{MODULE_KEY}.activities.register"
ACTIVITIES_ORGANISE = f"{MODULE_KEY}.activities.organise"
ACTIVITIES_COORDINATE = f"{MODULE_KEY}.activities.coordinate"
COMPETENCES_DECLARE = f"{MODULE_KEY}.competences.declare"
COMPETENCES_CONFIRM = f"{MODULE_KEY}.competences.confirm"
COMPETENCES_MANAGE = f"{MODULE_KEY}.competences.manage"
COVERAGE_READ = f"{MODULE_KEY}.coverage.read"
LIBRARY_READ = f"{MODULE_KEY}.library.read"
LIBRARY_WRITE = f"{MODULE_KEY}.library.write"
LIBRARY_REVIEW = f"{MODULE_KEY}.library.review"
LIBRARY_WITHDRAW = f"{MODULE_KEY}.library.withdraw"
LIBRARY_ADOPT = f"{MODULE_KEY}.library.adopt"
LIBRARY_NOTE = f"{MODULE_KEY}.library.note"

PERMISSIONS = [
    Permission(ACTIVITIES_READ, "De leeractiviteiten van de coalitie zien, met de eigen inschrijvingen en competenties.", MEMBERS),
    Permission(ACTIVITIES_REGISTER, "Zich inschrijven voor een leeractiviteit (of op de wachtlijst) en zich afmelden.", MEMBERS),
    Permission(
        ACTIVITIES_ORGANISE,
        "Leeractiviteiten van de eigen organisatie aanbieden en wijzigen, de deelnemers zien en de aanwezigheid registreren.",
        (COALITION_ADMIN, PROFESSIONAL),
    ),
    Permission(ACTIVITIES_COORDINATE, "Alle leeractiviteiten van de coalitie beheren, van elke organisatie.", (COALITION_ADMIN,)),
    Permission(COMPETENCES_DECLARE, "Zelf een competentie opgeven, met een onderbouwing, ter bevestiging.", MEMBERS),
    Permission(COMPETENCES_CONFIRM, "Opgegeven competenties van leden bevestigen of afwijzen.", (COALITION_ADMIN,)),
    Permission(COMPETENCES_MANAGE, "Het competentiekader van de coalitie aanpassen: eigen competenties toevoegen, wijzigen, uitzetten.", (COALITION_ADMIN,)),
    Permission(
        COVERAGE_READ,
        "De dekking van competenties per organisatie en soort organisatie zien, met de gaten, en de cijfers over samen leren.",
        (COALITION_ADMIN, ANALYST),
    ),
    Permission(LIBRARY_READ, "De landelijke bibliotheek met praktijkvoorbeelden lezen en doorzoeken.", MEMBERS),
    Permission(LIBRARY_WRITE, "Praktijkvoorbeelden van de coalitie schrijven, bijwerken en ter beoordeling aanbieden.", (COALITION_ADMIN, PROFESSIONAL, ANALYST, EXPERIENCE_EXPERT)),
    Permission(LIBRARY_REVIEW, "Een praktijkvoorbeeld van een ander lid van de coalitie beoordelen: publiceren of terugsturen.", (COALITION_ADMIN, PROFESSIONAL, ANALYST)),
    Permission(LIBRARY_WITHDRAW, "Een praktijkvoorbeeld van de coalitie intrekken.", (COALITION_ADMIN,)),
    Permission(LIBRARY_ADOPT, "Een praktijkvoorbeeld overnemen in het plan van aanpak van de coalitie.", (COALITION_ADMIN, ANALYST)),
    Permission(LIBRARY_NOTE, "Een korte ervaring bij een gepubliceerd praktijkvoorbeeld achterlaten.", (COALITION_ADMIN, PROFESSIONAL, ANALYST, EXPERIENCE_EXPERT)),
]

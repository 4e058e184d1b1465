"""The words of handvat 4, fixed: the kinds of learning activity, the national competence
framework, and how the practice library classifies an example (themes, target groups,
gemeente size, the Dutch intervention databases and their erkenningsniveaus). Texts are
Dutch: coalition members read them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActivityKind(StrEnum):
    TRAINING = "training"
    THEMABIJEENKOMST = "themabijeenkomst"
    MASTERCLASS = "masterclass"
    INTERVISIE = "intervisie"
    SERIOUS_GAME = "serious_game"
    E_LEARNING = "e_learning"
    WERKBEZOEK = "werkbezoek"


ACTIVITY_KIND_NAMES = {
    ActivityKind.TRAINING: "Training",
    ActivityKind.THEMABIJEENKOMST: "Themabijeenkomst",
    ActivityKind.MASTERCLASS: "Masterclass",
    ActivityKind.INTERVISIE: "Intervisie",
    ActivityKind.SERIOUS_GAME: "Serious game",
    ActivityKind.E_LEARNING: "E-learning",
    ActivityKind.WERKBEZOEK: "Werkbezoek",
}


class RegistrationState(StrEnum):
    INGESCHREVEN = "ingeschreven"
    WACHTLIJST = "wachtlijst"
    AFGEMELD = "afgemeld"
    AANWEZIG = "aanwezig"
    AFWEZIG = "afwezig"


class CompetenceSource(StrEnum):
    ACTIVITEIT = "activiteit"
    VERKLARING = "verklaring"
    BEKENDHEID = "bekendheid"  # handvat 3's bekendheid of regelingen (computed, never stored)


@dataclass(frozen=True)
class CompetenceDefinition:
    key: str
    name: str
    description: str


#: The competence of knowing the regelingen, which handvat 3's bekendheid also evidences.
REGELINGEN_COMPETENCE = "kennis_regelingen"

#: The national default framework (Pharos' handvat 4 and the speerpunt vakmanschap): every
#: coalition starts with it and adapts it.
NATIONAL_FRAMEWORK = (
    CompetenceDefinition(
        "signaleren_geldzorgen",
        "Signaleren van geldzorgen",
        "Signalen van geldzorgen en armoede bij (aanstaande) ouders herkennen, ook als ze er niet zelf over beginnen.",
    ),
    CompetenceDefinition(
        "bespreekbaar_maken",
        "Bespreekbaar maken",
        "Geldzorgen respectvol en zonder oordeel ter sprake brengen, zodat ouders zich gehoord voelen en niet bang worden voor bemoeienis.",
    ),
    CompetenceDefinition(
        "stress_sensitief_werken",
        "Stress-sensitief werken",
        "Weten wat armoede en stress met mensen doen (keuzestress, minder overzicht) en de eigen aanpak daarop afstemmen.",
    ),
    CompetenceDefinition(
        "cultuursensitief_werken",
        "Cultuursensitief werken",
        "Rekening houden met taal, cultuur en eerdere ervaringen van ouders, en informatie begrijpelijk brengen.",
    ),
    CompetenceDefinition(
        REGELINGEN_COMPETENCE,
        "Kennis van regelingen en sociale kaart",
        "De regelingen en voorzieningen van de gemeente en de sociale kaart kennen en kunnen uitleggen.",
    ),
    CompetenceDefinition(
        "warm_doorverwijzen",
        "Warm doorverwijzen",
        "Met toestemming van de ouder doorverwijzen naar de juiste partner, met een persoonlijke overdracht en terugkoppeling.",
    ),
    CompetenceDefinition(
        "samenwerken_ervaringsdeskundigen",
        "Samenwerken met ervaringsdeskundigen",
        "Ervaringsdeskundigen en ouders betrekken bij het werk en van hun ervaring leren.",
    ),
)


class Theme(StrEnum):
    SIGNALEREN = "signaleren"
    BESPREEKBAAR_MAKEN = "bespreekbaar_maken"
    TOEGANG_REGELINGEN = "toegang_regelingen"
    WARM_DOORVERWIJZEN = "warm_doorverwijzen"
    SAMENWERKING = "samenwerking"
    ERVARINGSDESKUNDIGHEID = "ervaringsdeskundigheid"
    DESKUNDIGHEID = "deskundigheid"
    FINANCIELE_STEUN = "financiele_steun"
    MONITORING = "monitoring"


THEME_NAMES = {
    Theme.SIGNALEREN: "Signaleren van geldzorgen",
    Theme.BESPREEKBAAR_MAKEN: "Geldzorgen bespreekbaar maken",
    Theme.TOEGANG_REGELINGEN: "Bekendheid en toegang van regelingen",
    Theme.WARM_DOORVERWIJZEN: "Warm doorverwijzen en korte lijnen",
    Theme.SAMENWERKING: "Samenwerking in de coalitie",
    Theme.ERVARINGSDESKUNDIGHEID: "Ervaringsdeskundigheid en de stem van ouders",
    Theme.DESKUNDIGHEID: "Deskundigheid en samen leren",
    Theme.FINANCIELE_STEUN: "Financiële en materiële steun",
    Theme.MONITORING: "Zicht op armoede en monitoring",
}


class TargetGroup(StrEnum):
    AANSTAANDE_OUDERS = "aanstaande_ouders"
    OUDERS_JONGE_KINDEREN = "ouders_jonge_kinderen"
    PROFESSIONALS = "professionals"
    NIEUWKOMERS = "nieuwkomers"
    JONGE_OUDERS = "jonge_ouders"
    EENOUDERGEZINNEN = "eenoudergezinnen"


TARGET_GROUP_NAMES = {
    TargetGroup.AANSTAANDE_OUDERS: "Aanstaande ouders",
    TargetGroup.OUDERS_JONGE_KINDEREN: "Ouders van jonge kinderen (0-2 jaar)",
    TargetGroup.PROFESSIONALS: "Professionals",
    TargetGroup.NIEUWKOMERS: "Nieuwkomers en statushouders",
    TargetGroup.JONGE_OUDERS: "Jonge ouders",
    TargetGroup.EENOUDERGEZINNEN: "Eenoudergezinnen",
}


class GemeenteSize(StrEnum):
    """The size of the gemeente an example comes from, as the author states it."""

    KLEIN = "klein"  # fewer than 50,000 inhabitants
    MIDDEL = "middel"  # 50,000 to 100,000
    GROOT = "groot"  # more than 100,000


GEMEENTE_SIZE_NAMES = {
    GemeenteSize.KLEIN: "Kleine gemeente (minder dan 50.000 inwoners)",
    GemeenteSize.MIDDEL: "Middelgrote gemeente (50.000 tot 100.000 inwoners)",
    GemeenteSize.GROOT: "Grote gemeente (meer dan 100.000 inwoners)",
}


class InterventionDatabase(StrEnum):
    """The Dutch databases of recognised interventions."""

    NJI = "nji"  # NJi, Databank Effectieve Jeugdinterventies
    LOKET_GEZOND_LEVEN = "loket_gezond_leven"  # RIVM, Loket Gezond Leven (interventiedatabase)


INTERVENTION_DATABASE_NAMES = {
    InterventionDatabase.NJI: "NJi Databank Effectieve Jeugdinterventies",
    InterventionDatabase.LOKET_GEZOND_LEVEN: "Loket Gezond Leven",
}


class Erkenningsniveau(StrEnum):
    """The levels of the erkenningstraject both databases use."""

    GOED_BESCHREVEN = "goed_beschreven"
    GOED_ONDERBOUWD = "goed_onderbouwd"
    EFFECTIEF_EERSTE = "effectief_eerste_aanwijzingen"
    EFFECTIEF_GOEDE = "effectief_goede_aanwijzingen"
    EFFECTIEF_STERKE = "effectief_sterke_aanwijzingen"


ERKENNINGSNIVEAU_NAMES = {
    Erkenningsniveau.GOED_BESCHREVEN: "Goed beschreven",
    Erkenningsniveau.GOED_ONDERBOUWD: "Goed onderbouwd",
    Erkenningsniveau.EFFECTIEF_EERSTE: "Effectief volgens eerste aanwijzingen",
    Erkenningsniveau.EFFECTIEF_GOEDE: "Effectief volgens goede aanwijzingen",
    Erkenningsniveau.EFFECTIEF_STERKE: "Effectief volgens sterke aanwijzingen",
}

"""The module's permissions, one constant each, with the roles that have them by default.
What a member sees is narrowed further by their organisation: the requesting organisation
sees its own requests, the foundation those addressed to it (services/requests.py)."""

from core.plugin import COALITION_ADMIN, PARTNER_WORKER, PROFESSIONAL, Permission

from kansrijk_babyspullen import MODULE_KEY

REQUEST_CREATE = f"{MODULE_KEY}.request.create"
REQUEST_READ = f"{MODULE_KEY}.request.read"
REQUEST_HANDLE = f"{MODULE_KEY}.request.handle"
LINK_SEND = f"{MODULE_KEY}.link.send"
LIST_READ = f"{MODULE_KEY}.list.read"

PERMISSIONS = [
    Permission(
        REQUEST_CREATE,
        "Een startpakket aanvragen voor een gezin dat toestemming gaf, en de eigen aanvraag intrekken.",
        (PROFESSIONAL,),
        for_clients=False,
    ),
    Permission(
        REQUEST_READ,
        "De aanvragen van de eigen organisatie zien (de aanvrager) of die aan de stichting (haar vrijwilligers).",
        (PROFESSIONAL, PARTNER_WORKER),
        for_clients=False,
    ),
    Permission(
        REQUEST_HANDLE,
        "Als stichting een aanvraag aannemen of afwijzen, het pakket klaarzetten en de overdracht vastleggen.",
        (PARTNER_WORKER,),
        for_clients=False,
    ),
    Permission(
        LINK_SEND,
        "Een eenmalige link naar de stichting sturen, waarmee zij zonder account de volgende stap van een aanvraag zet.",
        (PROFESSIONAL, COALITION_ADMIN),
        for_clients=False,
    ),
    Permission(LIST_READ, "De lijst van spullen en uitgiftepunten van de stichting in deze gemeente zien.", (PROFESSIONAL, PARTNER_WORKER, COALITION_ADMIN)),
]

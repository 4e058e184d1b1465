"""The domain events of the module. Payloads hold ids and codes only."""

from core.plugin import EventType

from kansrijk_babyspullen import MODULE_KEY

EVENT_REQUESTED = f"{MODULE_KEY}.request.requested"
EVENT_FEEDBACK = f"{MODULE_KEY}.request.feedback"

EVENT_TYPES = [
    EventType(
        EVENT_REQUESTED,
        "Een professional vroeg een startpakket aan bij de stichting.",
        payload={"request_id": ("uuid", "De aanvraag."), "foundation_partner_id": ("uuid", "De stichting (partnerorganisatie).")},
        data_subject="request_id",
    ),
    EventType(
        EVENT_FEEDBACK,
        "Terugkoppeling aan de aanvrager: de aanvraag deed een stap.",
        payload={
            "request_id": ("uuid", "De aanvraag."),
            "recipient_id": ("uuid", "Het lidmaatschap van de professional die aanvroeg."),
            "transition": ("string", "De stap (bijv. accepteren)."),
            "to_state": ("string", "De nieuwe toestand."),
        },
        data_subject="request_id",
    ),
]

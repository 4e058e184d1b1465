"""The module's own error codes (each class's docstring is its meaning in the schema's `ErrorCode`)."""

from core.plugin import Conflict, Forbidden


class NoConsent(Forbidden):
    """Het gezin heeft (nu) geen geldige toestemming om gegevens met de stichting te delen."""

    code = "NO_CONSENT"


class FoundationNotConfigured(Conflict):
    """De coalitie heeft nog niet ingesteld welke partnerorganisatie de stichting is."""

    code = "FOUNDATION_NOT_CONFIGURED"


class NotYourStep(Forbidden):
    """Deze stap is van de andere kant: de stichting neemt aan en legt de overdracht vast, de aanvrager trekt in."""

    code = "NOT_YOUR_STEP"

"""The scheduled work of handvat 4, per gemeente that enabled it."""

from __future__ import annotations

from core.plugin import ScheduledJob
from plugins.handvat4_leren import MODULE_KEY
from plugins.handvat4_leren.services.activities import send_reminders

JOBS = [
    ScheduledJob(
        f"{MODULE_KEY}.reminders",
        "Herinneringen (als gebeurtenis, voor een webhook of mail) voor de data van leeractiviteiten die binnen de ingestelde uren beginnen.",
        900,
        send_reminders,
    ),
]

"""The scheduled work of handvat 2, per gemeente that enabled it."""

from __future__ import annotations

from core.plugin import ScheduledJob
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.permissions import REFERRAL_SEND
from plugins.handvat2_signaleren.services.referrals import report_overdue, withdraw_expired
from plugins.handvat2_signaleren.services.rights import apply_retention

JOBS = [
    ScheduledJob(f"{MODULE_KEY}.retention", "Gezinnen na de bewaartermijn anonimiseren.", 24 * 3600, apply_retention),
    ScheduledJob(f"{MODULE_KEY}.overdue_referrals", "Te laat beantwoorde verwijzingen melden.", 3600, report_overdue),
    ScheduledJob(
        f"{MODULE_KEY}.expired_consents",
        "Verwijzingen waarvan de toestemming verlopen is terugtrekken.",
        3600,
        withdraw_expired,
        permissions=(REFERRAL_SEND,),  # withdrawing is the referrer's step; the job takes it for them
    ),
]

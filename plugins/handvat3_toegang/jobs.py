"""The scheduled jobs of handvat 3."""

from __future__ import annotations

from core.plugin import ScheduledJob
from plugins.handvat3_toegang import MODULE_KEY
from plugins.handvat3_toegang.services.check import write_usage_job

JOBS = [
    ScheduledJob(
        f"{MODULE_KEY}.write_usage",
        "Het gebruik van regelingen (geteld in het geheugen) wegschrijven.",
        60,
        write_usage_job,
        per_process=True,
    )
]

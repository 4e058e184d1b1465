"""The processing of personal data by handvat 3: none of its own.

The check stores nothing about the household (no row, no log line, no processing record;
only anonymous counts per regeling), and the catalogue and the sociale kaart hold no
personal data. A member's mark "I know this regeling" names the membership only, as part
of the coalition's own work.
"""

from __future__ import annotations

from core.plugin import ProcessingActivity

ACTIVITIES: list[ProcessingActivity] = []

"""The processing of personal data by handvat 1: none. CBS's figures are aggregates per
gemeente and wijk (CBS suppresses small cells itself), and a coalition's own indicators
are values per wijk, never about a person."""

from __future__ import annotations

from core.plugin import ProcessingActivity

ACTIVITIES: list[ProcessingActivity] = []

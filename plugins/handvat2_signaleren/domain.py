"""The rules of handvat 2 that need no database: the A-D classification, working days,
and the shipped Dutch content (worries with their
conversation guides, risk and protective factors)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"

PHASES = ("preconceptie", "zwanger", "kind_0_2")
SUPPORT_TYPES = ("financiele_hulp", "materiele_steun", "opvoedondersteuning", "sociale_steun", "schuldhulp", "overig")
PLAN_DOMAINS = ("financieel", "materieel", "opvoeding", "sociaal")
PLAN_STATUSES = ("open", "bezig", "gereed", "gestopt")
CONSENT_METHODS = ("mondeling", "schriftelijk")
OUTCOMES = ("geholpen", "deels_geholpen", "niet_geholpen", "geen_contact", "elders_geholpen")
FACTOR_KINDS = ("sociaal", "psychisch", "medisch")  # the kind of a risk factor
CLASSIFICATIONS = {
    "A": "zelfredzaam",
    "B": "potentieel kwetsbaar",
    "C": "kwetsbaar",
    "D": "zeer kwetsbaar",
}


@functools.cache
def shipped_content() -> dict[str, Any]:
    """The Dutch defaults: worries with conversation guides, risk and protective factors."""
    worries = yaml.safe_load((DATA / "worries.yaml").read_text(encoding="utf-8"))["worries"]
    factors = yaml.safe_load((DATA / "factors.yaml").read_text(encoding="utf-8"))
    return {"worries": worries, "risk_factors": factors["risk_factors"], "protective_factors": factors["protective_factors"]}


#: The rule of `suggest_classification`, as the professional reads it.
CLASSIFICATION_RULE = (
    "A (zelfredzaam): nu geen risicofactoren. "
    "B (potentieel kwetsbaar): wel risicofactoren, maar minstens evenveel beschermende factoren. "
    "D (zeer kwetsbaar): {several} of meer risicofactoren en minder beschermende factoren. "
    "C (kwetsbaar): de overige gevallen met risicofactoren. "
    "Het is een voorstel en een momentopname: u kiest zelf, met een reden als u afwijkt."
)


def suggest_classification(risk_factors: Sequence[str], protective_factors: Sequence[str], *, several: int) -> str:
    """The Erasmus MC classification suggested by the factors (a snapshot, not a label):

    - A zelfredzaam: no risk factor now;
    - B potentieel kwetsbaar: at least one risk factor, and the protective factors suffice,
      which this rule takes as at least as many protective factors as risk factors;
    - D zeer kwetsbaar: `several` or more risk factors and the protective factors do not suffice;
    - C kwetsbaar: otherwise (at least one risk factor, protective factors insufficient).

    The professional chooses the classification; a different one needs a reason."""
    risks, protection = len(set(risk_factors)), len(set(protective_factors))
    if risks == 0:
        return "A"
    if protection >= risks:
        return "B"
    if risks >= several:
        return "D"
    return "C"


@functools.lru_cache(maxsize=16)
def _dutch_public_holidays(year: int) -> frozenset[dt.date]:
    """The Dutch public holidays of `year`, made once per year. `holidays` is imported
    here, when first needed: importing it loads the calendars of every country (~0.1 s of
    the server's start-up)."""
    import holidays

    return frozenset(holidays.country_holidays("NL", years=year))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """`days` working days after `start`: weekends and Dutch public holidays do not count."""
    current, counted = start, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in _dutch_public_holidays(current.year):
            counted += 1
    return current

"""A coalition's own indicators per wijk (JGZ reach, a vulnerability index), uploaded as
CSV: `wijkcode;waarde` per line, under a header. Each upload names its definition, source,
unit and period; uploading the same indicator and period again replaces that period's
values. Every line is checked before anything is written (the mutation's transaction is
undone on any error): a wijkcode of another gemeente, an unknown wijk, a value that is no
number or a mangled line is refused with the line number."""

from __future__ import annotations


import csv
import io
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, select

from core.plugin import ValidationFailed, Work, all_wijken, utcnow, validate
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import OwnFigure, OwnIndicator

MAX_CSV = 1_000_000


class OwnIndicatorData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=200)
    definition: str = Field(min_length=1, max_length=5000)
    source: str = Field(min_length=1, max_length=300)
    unit: str = Field(min_length=1, max_length=60)
    period: int = Field(ge=1990, le=2100)
    csv: str = Field(min_length=1, max_length=MAX_CSV)

    @field_validator("name", "definition", "source", "unit")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Vul dit in.")
        return value


def _value(raw: str, line: int) -> tuple[float | None, str]:
    text = raw.strip()
    if not text:
        return None, kwb.UNKNOWN
    if text == ".":
        return None, kwb.SUPPRESSED
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):  # "nan", "inf", 1e999: no number a figure can be
        raise ValidationFailed(f"Regel {line}: de waarde is geen getal (of '.' voor onbekend).", field="input.csv", line=line)
    return value, kwb.AVAILABLE


def parse_upload(text: str, gemeente: str, known_wijken: set[str]) -> list[tuple[str, float | None, str]]:
    """(region code, value, status) per line; the gemeente's own code counts as a region."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise ValidationFailed("Regel 1: verwacht een kopregel 'wijkcode;waarde'.", field="input.csv", line=1)
    delimiter = ";" if ";" in lines[0] else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = [cell.strip().lower() for cell in rows[0]]
    if header != ["wijkcode", "waarde"]:
        raise ValidationFailed("Regel 1: verwacht de kopregel 'wijkcode;waarde'.", field="input.csv", line=1)
    out: list[tuple[str, float | None, str]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise ValidationFailed(f"Regel {line}: verwacht twee velden (wijkcode en waarde), gevonden {len(row)}.", field="input.csv", line=line)
        code = row[0].strip().upper()
        if code != gemeente and not code.startswith("WK" + gemeente[2:]):
            raise ValidationFailed(f"Regel {line}: deze wijkcode hoort bij een andere gemeente.", field="input.csv", line=line)
        if code != gemeente and code not in known_wijken:
            raise ValidationFailed(f"Regel {line}: deze wijk kent de gemeente niet.", field="input.csv", line=line)
        if code in seen:
            raise ValidationFailed(f"Regel {line}: deze wijk staat er al eerder in.", field="input.csv", line=line)
        seen.add(code)
        value, status = _value(row[1], line)
        out.append((code, value, status))
    if not out:
        raise ValidationFailed("Het bestand heeft geen enkele regel met een wijk.", field="input.csv")
    return out


async def import_own_indicator(work: Work, data: dict[str, Any]) -> tuple[OwnIndicator, int]:
    """Create or update the indicator and replace its values for the period."""
    checked = validate(OwnIndicatorData, data, prefix="input")
    if checked.code in kwb.catalogue().by_code:
        raise ValidationFailed("Deze code is van een CBS-indicator; kies een andere.", field="input.code")
    wijken = {wijk.code for wijk in await all_wijken(work.session, active_only=False)}
    values = parse_upload(checked.csv, work.tenant.code, wijken)
    session = work.session
    indicator = (await session.execute(select(OwnIndicator).where(OwnIndicator.code == checked.code))).scalar_one_or_none()
    if indicator is None:
        indicator = OwnIndicator(code=checked.code, name=checked.name, definition=checked.definition, source=checked.source, unit=checked.unit, updated_by=work.actor)
        session.add(indicator)
    else:
        indicator.name, indicator.definition, indicator.source, indicator.unit = checked.name, checked.definition, checked.source, checked.unit
        indicator.updated_by, indicator.updated_at = work.actor, utcnow()
    await session.flush()
    await session.execute(delete(OwnFigure).where(OwnFigure.indicator_id == indicator.id, OwnFigure.period == checked.period))
    session.add_all(
        OwnFigure(indicator_id=indicator.id, region_code=code, period=checked.period, value=value, status=status)
        for code, value, status in values
    )
    await session.flush()
    return indicator, len(values)

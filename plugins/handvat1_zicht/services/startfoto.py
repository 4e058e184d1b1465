"""The startfoto and vervolgfoto's: a dated picture of the coalition, and later pictures
compared with it indicator by indicator.

Making one copies everything it shows in one go (so later imports, uploads or a partner
leaving change nothing of it): the CBS figures of the gemeente and its wijken of every
imported period up to the reference date, the own indicators' values, the partners and
the offer (`coalition_offer`, answered by the module that keeps the regelingen). The
figures go in as one bulk insert, whatever their number.

A picture is a concept until it is fixed (`vastgesteld`); only then is it a baseline for a
vervolgfoto, and from then on nothing of it changes: an edit or a second fix is refused
with STARTFOTO_FIXED (make a vervolgfoto instead). Fixing and editing are each one
conditional UPDATE (`… WHERE state = 'concept'`) whose row count decides: on PostgreSQL,
two people fixing at once, or an edit racing a fix, cannot both win (the second waits for
the first and then finds no concept row left)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import insert, select, update

from core.plugin import DomainError, NotFound, ValidationFailed, Work, all_partners, parse_id, refuse_identifying_in, utcnow, validate
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import SnapshotFigure, Startfoto
from plugins.handvat1_zicht.services import figures
from plugins.handvat1_zicht.services.dates import today

STARTFOTO = "startfoto"
VERVOLGFOTO = "vervolgfoto"
KINDS = (STARTFOTO, VERVOLGFOTO)
CONCEPT = "concept"
FIXED = "vastgesteld"
STATES = (CONCEPT, FIXED)

#: The narrative sections, in the order a report shows them.
SECTIONS = ("went_well", "gaps", "ambitions", "voices")
MAX_SECTION = 10_000

#: Why a comparison row has no difference (`ComparisonRow.gap`).
GAP_MISSING = "missing"  # one of the two pictures has no figure for it
GAP_UNKNOWN = "unknown"  # one of the two values is suppressed or unknown
GAP_SERIES_BREAK = "series_break"  # the definition changed between the two periods
GAPS = (GAP_MISSING, GAP_UNKNOWN, GAP_SERIES_BREAK)


class StartfotoFixed(DomainError):
    """Een vastgestelde startfoto of vervolgfoto verandert niet meer: maak een vervolgfoto."""

    code = "STARTFOTO_FIXED"
    http_status = 409
    description = "De startfoto of vervolgfoto is vastgesteld en verandert niet meer; maak een vervolgfoto."


def _fixed(field: str | None = None) -> StartfotoFixed:
    return StartfotoFixed(
        "Deze foto is vastgesteld en kan niet meer veranderen. Maak een vervolgfoto om de nieuwe stand vast te leggen.", field=field
    )


class _Narrative(BaseModel):
    model_config = ConfigDict(extra="forbid")

    went_well: str | None = Field(default=None, max_length=MAX_SECTION)
    gaps: str | None = Field(default=None, max_length=MAX_SECTION)
    ambitions: str | None = Field(default=None, max_length=MAX_SECTION)
    voices: str | None = Field(default=None, max_length=MAX_SECTION)

    @field_validator("went_well", "gaps", "ambitions", "voices")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "\x00" in value:
            raise ValueError("Deze tekst bevat een ongeldig teken.")
        return value.strip()


def _title(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        raise ValueError("Geef de foto een titel.")
    return value


class CreateData(_Narrative):
    title: str = Field(max_length=200)
    reference_date: dt.date

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str) -> str | None:
        return _title(value)

    @field_validator("reference_date")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > today():
            raise ValueError("De peildatum ligt in de toekomst; een foto legt vast wat er al is.")
        return value


class CreateFollowUpData(CreateData):
    baseline_id: Any


class NarrativeData(_Narrative):
    title: str | None = Field(default=None, max_length=200)

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str | None) -> str | None:
        return _title(value)


# -- reading ------------------------------------------------------------------------------------


async def read_startfoto(work: Work, startfoto_id: Any, *, field: str = "id") -> Startfoto:
    """A picture of this gemeente (another gemeente's id is NOT_FOUND, as an unknown one)."""
    identifier = parse_id(startfoto_id, field)
    row = (await work.session.execute(select(Startfoto).where(Startfoto.id == identifier))).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze startfoto bestaat niet.", field=field)
    return row


def startfotos_statement(kind: str | None) -> Any:
    """The pictures (of one kind), for a page newest first (`paginate`, by reference date)."""
    statement = select(Startfoto)
    if kind is not None:
        if kind not in KINDS:
            raise ValidationFailed("Kies startfoto of vervolgfoto.", field="kind")
        statement = statement.where(Startfoto.kind == kind)
    return statement


STARTFOTO_ORDER = (Startfoto.reference_date, Startfoto.created_at, Startfoto.id)
FIGURE_ORDER = (SnapshotFigure.region_code, SnapshotFigure.indicator, SnapshotFigure.period, SnapshotFigure.id)


def figures_statement(startfoto_id: uuid.UUID, *, indicator: str | None = None, region_code: str | None = None, period: int | None = None) -> Any:
    """The figures a picture holds (filtered), for a page (`paginate`, by region, indicator, period)."""
    statement = select(SnapshotFigure).where(SnapshotFigure.startfoto_id == startfoto_id)
    if indicator is not None:
        statement = statement.where(SnapshotFigure.indicator == indicator)
    if region_code is not None:
        statement = statement.where(SnapshotFigure.region_code == region_code.strip().upper())
    if period is not None:
        statement = statement.where(SnapshotFigure.period == period)
    return statement


async def snapshot_figures(work: Work, startfoto_id: uuid.UUID, *, indicator: str | None = None, period: int | None = None) -> list[SnapshotFigure]:
    """All figures of a picture (for charts, exports and the report), gemeente first."""
    statement = figures_statement(startfoto_id, indicator=indicator, period=period).order_by(*FIGURE_ORDER)
    rows = list((await work.session.execute(statement)).scalars().all())
    order = {code: position for position, code in enumerate(indicator.code for indicator in kwb.catalogue().indicators)}
    rows.sort(key=lambda row: (row.region_type != kwb.GEMEENTE, row.region_code, order.get(row.indicator, len(order)), row.indicator, row.period))
    return rows


# -- making one ---------------------------------------------------------------------------------


async def _take(work: Work, checked: CreateData, kind: str, baseline_id: uuid.UUID | None) -> Startfoto:
    refuse_identifying_in(checked, (*SECTIONS, "title"))  # sections may quote parents; the title is printed
    session = work.session
    partners = [{"name": partner.name, "type": partner.type} for partner in await all_partners(session)]
    offer = [
        {"kind": item.kind, "code": item.code, "name": item.name, "description": item.description}
        for item in await work.hooks.coalition_offer(session=session)
    ]
    picture = Startfoto(
        kind=kind,
        title=checked.title,
        reference_date=checked.reference_date,
        baseline_id=baseline_id,
        state=CONCEPT,
        went_well=checked.went_well or "",
        gaps=checked.gaps or "",
        ambitions=checked.ambitions or "",
        voices=checked.voices or "",
        partners=partners,
        offer=offer,
        created_by=work.actor,
    )
    session.add(picture)
    await session.flush()
    last_period = checked.reference_date.year
    rows = [row for row in await figures.wijk_figures(work) if row.period <= last_period]
    own_sources = {item.code: item.source_description for item in await figures.indicators(work) if item.source == figures.OWN}
    if rows:
        # One ORM bulk insert (executemany): a fixed number of statements for any number of figures.
        await session.execute(
            insert(SnapshotFigure),
            [
                {
                    "id": uuid.uuid4(),
                    "startfoto_id": picture.id,
                    "region_code": row.region_code,
                    "region_type": row.region_type,
                    "region_name": row.region_name,
                    "indicator": row.indicator,
                    "indicator_name": row.indicator_name,
                    "unit": row.unit,
                    "definition": row.definition,
                    "source": row.source,
                    "source_description": cbs_source(row.period, row.table_id) if row.source == figures.CBS else own_sources.get(row.indicator, ""),
                    "period": row.period,
                    "value": row.value,
                    "status": row.status,
                    "series": row.series,
                    "table_id": row.table_id,
                    "cbs_key": row.cbs_key,
                }
                for row in rows
            ],
        )
    return picture


def cbs_source(period: int, table_id: str | None) -> str:
    """"CBS, Kerncijfers wijken en buurten 2024 (85984NED)"."""
    return f"CBS, Kerncijfers wijken en buurten {period}" + (f" ({table_id})" if table_id else "")


async def create_startfoto(work: Work, data: dict[str, Any]) -> Startfoto:
    """A new startfoto (a concept) on a reference date that is not in the future."""
    checked = validate(CreateData, data, prefix="input")
    return await _take(work, checked, STARTFOTO, None)


async def create_vervolgfoto(work: Work, data: dict[str, Any]) -> Startfoto:
    """A new vervolgfoto of a fixed startfoto of this gemeente."""
    checked = validate(CreateFollowUpData, data, prefix="input")
    baseline = await read_startfoto(work, checked.baseline_id, field="input.baselineId")
    if baseline.kind != STARTFOTO:
        raise ValidationFailed("Een vervolgfoto vergelijkt met een startfoto, niet met een andere vervolgfoto.", field="input.baselineId")
    if baseline.state != FIXED:
        raise ValidationFailed("Stel de startfoto eerst vast; pas dan is zij een vaste basis om mee te vergelijken.", field="input.baselineId")
    if checked.reference_date < baseline.reference_date:
        raise ValidationFailed("De peildatum van een vervolgfoto ligt niet vóór die van de startfoto.", field="input.referenceDate")
    return await _take(work, checked, VERVOLGFOTO, baseline.id)


async def update_narrative(work: Work, startfoto_id: Any, data: dict[str, Any]) -> Startfoto:
    """Change the title or narrative sections of a concept (only the ones given)."""
    row = await read_startfoto(work, startfoto_id, field="input.id")
    if row.state != CONCEPT:
        raise _fixed("input.id")
    checked = validate(NarrativeData, data, prefix="input")
    refuse_identifying_in(checked, (*SECTIONS, "title"))  # sections may quote parents; the title is printed
    changes = {name: value for name, value in checked.model_dump(exclude_unset=True).items() if value is not None}
    if changes:
        await _update_concept(work, row, changes)
    return row


async def fix_startfoto(work: Work, startfoto_id: Any) -> Startfoto:
    """Fix a concept: from now on it is a baseline and nothing of it changes."""
    row = await read_startfoto(work, startfoto_id, field="input.id")
    if row.state != CONCEPT:
        raise _fixed("input.id")
    await _update_concept(work, row, {"state": FIXED, "fixed_by": work.actor, "fixed_at": utcnow()})
    return row


async def _update_concept(work: Work, row: Startfoto, changes: dict[str, Any]) -> None:
    """Write `changes` only if the row is still a concept; a fix that came first wins."""
    statement = (
        update(Startfoto)
        .where(Startfoto.id == row.id, Startfoto.state == CONCEPT)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    result = await work.session.execute(statement)
    if result.rowcount != 1:
        raise _fixed("input.id")
    await work.session.refresh(row)


# -- comparing ----------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    indicator: str
    indicator_name: str
    unit: str
    source: str
    region_code: str
    region_type: str
    region_name: str | None
    baseline_period: int | None
    baseline_value: float | None
    baseline_status: str | None
    baseline_series: int | None
    follow_up_period: int | None
    follow_up_value: float | None
    follow_up_status: str | None
    follow_up_series: int | None
    difference: float | None
    relative_difference: float | None  # in %, of the baseline value
    break_between: bool
    gap: str | None
    reason: str | None


@dataclass
class Comparison:
    baseline: Startfoto
    follow_up: Startfoto
    rows: list[ComparisonRow]


def _latest(rows: list[SnapshotFigure]) -> dict[tuple[str, str], SnapshotFigure]:
    """Per (indicator, region) the figure of the latest period the picture holds."""
    latest: dict[tuple[str, str], SnapshotFigure] = {}
    for row in rows:
        key = (row.indicator, row.region_code)
        if key not in latest or row.period > latest[key].period:
            latest[key] = row
    return latest


def is_percentage(unit: str) -> bool:
    """A share (%): its change is in percentage points, a relative change would mislead."""
    return "%" in unit or "procent" in unit.lower()


def series_break(indicator: str, first: SnapshotFigure, second: SnapshotFigure) -> tuple[bool, str | None]:
    """Whether a series break lies between two figures of an indicator, and why."""
    catalogued = kwb.catalogue().by_code.get(indicator)
    low, high = sorted((first.period, second.period))
    years = [year for year in (catalogued.break_before if catalogued else ()) if low < year <= high]
    if first.series == second.series and not years:
        return False, None
    why = f"Reeksbreuk vanaf {years[0]}" if years else "Reeksbreuk: de cijfers horen bij verschillende reeksen"
    note = catalogued.break_note if catalogued and catalogued.break_note else None
    return True, f"{why}: de definitie veranderde, dus de cijfers zijn niet te vergelijken." + (f" {note}" if note else "")


def compare_figures(baseline_rows: list[SnapshotFigure], follow_up_rows: list[SnapshotFigure]) -> list[ComparisonRow]:
    """Indicator by indicator per region: the latest figure of each picture and the
    difference, or no difference (with the reason) when either is unknown or a series
    break lies between them."""
    before, after = _latest(baseline_rows), _latest(follow_up_rows)
    order = {code: position for position, code in enumerate(indicator.code for indicator in kwb.catalogue().indicators)}
    keys = sorted(
        set(before) | set(after),
        key=lambda key: (
            (before.get(key) or after[key]).region_type != kwb.GEMEENTE,
            key[1],
            order.get(key[0], len(order)),
            key[0],
        ),
    )
    out: list[ComparisonRow] = []
    for key in keys:
        first, second = before.get(key), after.get(key)
        either = second or first
        assert either is not None
        difference = relative = None
        broken, gap, reason = False, None, None
        if first is None or second is None:
            gap = GAP_MISSING
            reason = "Dit cijfer staat niet in de startfoto." if first is None else "Dit cijfer staat niet in de vervolgfoto."
        else:
            broken, break_reason = series_break(key[0], first, second)
            if broken:
                gap, reason = GAP_SERIES_BREAK, break_reason
            elif first.value is None or second.value is None:
                gap = GAP_UNKNOWN
                reason = "Een van beide cijfers is onbekend of geheim (onderdrukt): er is geen verschil te geven."
            else:
                difference = round(second.value - first.value, 6)
                if first.value != 0 and not is_percentage(second.unit):
                    relative = round(difference / abs(first.value) * 100, 2)
        out.append(
            ComparisonRow(
                indicator=key[0],
                indicator_name=either.indicator_name,
                unit=either.unit,
                source=either.source,
                region_code=key[1],
                region_type=either.region_type,
                region_name=either.region_name or (first.region_name if first else None),
                baseline_period=first.period if first else None,
                baseline_value=first.value if first else None,
                baseline_status=first.status if first else None,
                baseline_series=first.series if first else None,
                follow_up_period=second.period if second else None,
                follow_up_value=second.value if second else None,
                follow_up_status=second.status if second else None,
                follow_up_series=second.series if second else None,
                difference=difference,
                relative_difference=relative,
                break_between=broken,
                gap=gap,
                reason=reason,
            )
        )
    return out


async def compare(
    work: Work, baseline_id: Any, follow_up_id: Any, *, baseline_field: str = "baselineId", follow_up_field: str = "followUpId"
) -> Comparison:
    """Compare two pictures of this gemeente (usually a startfoto and its vervolgfoto)."""
    baseline = await read_startfoto(work, baseline_id, field=baseline_field)
    follow_up = await read_startfoto(work, follow_up_id, field=follow_up_field)
    statement = select(SnapshotFigure).where(SnapshotFigure.startfoto_id.in_([baseline.id, follow_up.id]))
    rows = (await work.session.execute(statement)).scalars().all()
    return Comparison(
        baseline=baseline,
        follow_up=follow_up,
        rows=compare_figures([row for row in rows if row.startfoto_id == baseline.id], [row for row in rows if row.startfoto_id == follow_up.id]),
    )

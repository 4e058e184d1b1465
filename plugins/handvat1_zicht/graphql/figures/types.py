"""The GraphQL output types of handvat 1, each built from a service result (`from_info`,
`from_row`); stored values become enum members here, at the edge. The Python classes keep
a `Node` suffix; their GraphQL names have none."""

from __future__ import annotations


import strawberry

from core.plugin import Connection, container, readable_with
from plugins.handvat1_zicht.graphql.figures.enums import FigureStatus, IndicatorSource, RegionType, member
from plugins.handvat1_zicht.models import OwnIndicator
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services.figures import OWN, FigureRow, IndicatorInfo


@container
@strawberry.type(name="IndicatorTable", description="Een CBS-tabel waarin de indicator staat, met de sleutel die het veld daar heeft.")
class IndicatorTableNode:
    table_id: str = strawberry.field(description="Het tabelnummer van CBS (bijvoorbeeld 85984NED).")
    period: int
    cbs_key: str = strawberry.field(description="De sleutel van het veld in die tabel; het achtervoegsel verschilt per jaar.")


@readable_with(FIGURES_READ)
@strawberry.type(name="Indicator", description="Een indicator: van het CBS of een eigen indicator van de coalitie.")
class IndicatorNode:
    code: str
    name: str
    unit: str
    definition: str
    source: IndicatorSource  # type: ignore[valid-type]
    source_description: str = strawberry.field(description="De bron in woorden.")
    break_before: list[int] = strawberry.field(description="De jaren vanaf welke de definitie veranderde (een reeksbreuk): trek geen lijn over zo'n jaar heen.")
    break_note: str | None
    tables: list[IndicatorTableNode] = strawberry.field(description="De geïmporteerde CBS-tabellen met dit cijfer.")

    @classmethod
    def from_info(cls, info: IndicatorInfo) -> IndicatorNode:
        return cls(
            code=info.code,
            name=info.name,
            unit=info.unit,
            definition=info.definition,
            source=member(IndicatorSource, info.source),
            source_description=info.source_description,
            break_before=list(info.break_before),
            break_note=info.break_note,
            tables=[IndicatorTableNode(table_id=table, period=period, cbs_key=key) for table, period, key in info.tables],
        )

    @classmethod
    def from_own(cls, row: OwnIndicator) -> IndicatorNode:
        return cls.from_info(IndicatorInfo(code=row.code, name=row.name, unit=row.unit, definition=row.definition, source=OWN, source_description=row.source))


@readable_with(FIGURES_READ)
@strawberry.type(name="WijkFigure", description="Een cijfer van de gemeente of een wijk voor een indicator in een jaar.")
class WijkFigureNode:
    region_code: str = strawberry.field(description="De gemeentecode (GM…) of wijkcode (WK…).")
    region_type: RegionType  # type: ignore[valid-type]
    region_name: str | None
    indicator: str = strawberry.field(description="De code van de indicator.")
    indicator_name: str
    source: IndicatorSource  # type: ignore[valid-type]
    period: int = strawberry.field(description="Het jaar van de tabel (de peildatum verschilt per cijfer, zie de definitie).")
    value: float | None = strawberry.field(description="Null als het cijfer onderdrukt of onbekend is (zie status): nooit nul.")
    status: FigureStatus  # type: ignore[valid-type]
    unit: str
    definition: str
    series: int = strawberry.field(description="De reeks: na een reeksbreuk (een andere definitie) een hoger nummer.")
    break_before: bool = strawberry.field(description="Waar: dit jaar begint een nieuwe reeks; trek geen lijn vanaf het jaar ervoor.")
    table_id: str | None = strawberry.field(description="De CBS-tabel (bij een eigen indicator null).")
    cbs_key: str | None = strawberry.field(description="De sleutel van het CBS-veld, met het achtervoegsel van die tabel.")

    @classmethod
    def from_row(cls, row: FigureRow) -> WijkFigureNode:
        return cls(
            region_code=row.region_code,
            region_type=member(RegionType, row.region_type),
            region_name=row.region_name,
            indicator=row.indicator,
            indicator_name=row.indicator_name,
            source=member(IndicatorSource, row.source),
            period=row.period,
            value=row.value,
            status=member(FigureStatus, row.status),
            unit=row.unit,
            definition=row.definition,
            series=row.series,
            break_before=row.break_before,
            table_id=row.table_id,
            cbs_key=row.cbs_key,
        )


@container
@strawberry.type
class ImportOwnIndicatorPayload:
    indicator: IndicatorNode
    imported: int = strawberry.field(description="Het aantal wijken (en gemeente) met een waarde in deze upload.")

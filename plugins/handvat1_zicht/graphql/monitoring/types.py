"""The output types of the monitoring view, built from the service's result; stored values
become enum members here, at the edge."""

from __future__ import annotations

import strawberry

from core.plugin import readable_with
from plugins.handvat1_zicht.graphql.figures.enums import FigureStatus
from plugins.handvat1_zicht.graphql.monitoring.enums import MonitoringRegionType, member
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services.monitoring import CbsIndicator, CbsValue, MonitoringRow, PlatformFigure, PlatformValue, WijkMonitoring


@readable_with(FIGURES_READ)
@strawberry.type(name="MonitoringIndicator", description="Een CBS-kerncijfer in de monitoring, met het jaar van de tabel waaruit het komt.")
class MonitoringIndicatorNode:
    code: str = strawberry.field(description="De code van de indicator (zie indicators).")
    name: str
    unit: str
    period: int | None = strawberry.field(
        description="Het jaar van de CBS-tabel: het gevraagde jaar, of het laatste jaar ervoor waarin het cijfer er is. Null: geen tabel tot en met het jaar heeft het."
    )

    @classmethod
    def from_info(cls, info: CbsIndicator) -> MonitoringIndicatorNode:
        return cls(code=info.code, name=info.name, unit=info.unit, period=info.period)


@readable_with(FIGURES_READ)
@strawberry.type(name="PlatformFigure", description="Een telling van het eigen werk van de coalitie, door een module van het platform.")
class PlatformFigureNode:
    key: str = strawberry.field(description="De sleutel van de telling: <module>.<telling>, bijvoorbeeld handvat2_signaleren.signals.")
    module: str = strawberry.field(description="De module die telt (de sleutel van de module).")
    name: str
    description: str
    per_births: bool = strawberry.field(description="Waar: de telling betekent iets per 100 geboorten (ratePer100Births is gevuld).")
    per_wijk: bool = strawberry.field(description="Onwaar: de module telt alleen voor de hele gemeente; de telling staat alleen in de rij van de gemeente.")

    @classmethod
    def from_figure(cls, figure: PlatformFigure) -> PlatformFigureNode:
        return cls(
            key=figure.key, module=figure.module, name=figure.name, description=figure.description, per_births=figure.per_births, per_wijk=figure.per_wijk
        )


@readable_with(FIGURES_READ)
@strawberry.type(name="MonitoringCbsValue", description="Een CBS-cijfer van een gebied.")
class MonitoringCbsValueNode:
    indicator: str = strawberry.field(description="De code van de indicator (zie cbsIndicators).")
    period: int | None = strawberry.field(description="Het jaar van de CBS-tabel.")
    value: float | None = strawberry.field(description="Null als het cijfer onderdrukt of onbekend is (zie status): nooit nul.")
    status: FigureStatus  # type: ignore[valid-type]

    @classmethod
    def from_value(cls, value: CbsValue) -> MonitoringCbsValueNode:
        return cls(indicator=value.indicator, period=value.period, value=value.value, status=member(FigureStatus, value.status))


@readable_with(FIGURES_READ)
@strawberry.type(name="MonitoringPlatformValue", description="Een telling van het eigen werk in een gebied, na onderdrukking van kleine aantallen.")
class MonitoringPlatformValueNode:
    figure: str = strawberry.field(description="De sleutel van de telling (zie platformFigures).")
    count: int | None = strawberry.field(
        description="Het aantal; null als het onderdrukt is (suppressed). Nul wordt altijd getoond."
    )
    suppressed: bool = strawberry.field(
        description="Waar: het aantal is verborgen, omdat het over te weinig gezinnen gaat of omdat een ander verborgen aantal anders uit het totaal te berekenen is."
    )
    rate_per_100_births: float | None = strawberry.field(
        description="Het aantal per 100 geboorten in het gebied (CBS, birthsYear), op één decimaal; null als de telling niet per geboorte is, het aantal verborgen is of de geboorten onbekend of nul zijn."
    )

    @classmethod
    def from_value(cls, value: PlatformValue) -> MonitoringPlatformValueNode:
        return cls(figure=value.figure, count=value.count, suppressed=value.suppressed, rate_per_100_births=value.rate_per_100_births)


@readable_with(FIGURES_READ)
@strawberry.type(name="MonitoringRow", description="Een gebied: de gemeente, een wijk, of 'wijk onbekend'.")
class MonitoringRowNode:
    region_code: str | None = strawberry.field(description="De gemeentecode (GM…) of wijkcode (WK…); null bij 'wijk onbekend'.")
    region_type: MonitoringRegionType  # type: ignore[valid-type]
    region_name: str
    cbs: list[MonitoringCbsValueNode] = strawberry.field(description="De CBS-cijfers, in de volgorde van cbsIndicators (leeg bij 'wijk onbekend').")
    platform: list[MonitoringPlatformValueNode] = strawberry.field(
        description="De tellingen van het eigen werk, in de volgorde van platformFigures; een telling die niet per wijk is, staat alleen bij de gemeente."
    )

    @classmethod
    def from_row(cls, row: MonitoringRow) -> MonitoringRowNode:
        return cls(
            region_code=row.region_code,
            region_type=member(MonitoringRegionType, row.region_type),
            region_name=row.region_name,
            cbs=[MonitoringCbsValueNode.from_value(value) for value in row.cbs],
            platform=[MonitoringPlatformValueNode.from_value(value) for value in row.platform],
        )


@readable_with(FIGURES_READ)
@strawberry.type(
    name="WijkMonitoring",
    description="Dienende monitoring: per wijk de CBS-cijfers naast het eigen werk van de coalitie in een jaar, kleine aantallen onderdrukt.",
)
class WijkMonitoringNode:
    year: int = strawberry.field(description="Het gevraagde jaar (kalenderjaar van het eigen werk).")
    cbs_year: int | None = strawberry.field(
        description="Het laatste CBS-tabeljaar dat gebruikt is: het gevraagde jaar, of eerder als dat er (nog) niet is; per cijfer staat het jaar in cbsIndicators. Null: geen CBS-cijfers."
    )
    births_year: int | None = strawberry.field(description="Het CBS-tabeljaar van de geboorten waardoor ratePer100Births is gedeeld.")
    threshold: int = strawberry.field(description="Het kleinste aantal gezinnen (of personen) dat getoond wordt.")
    cbs_indicators: list[MonitoringIndicatorNode] = strawberry.field(description="De CBS-cijfers in elke rij, in deze volgorde.")
    platform_figures: list[PlatformFigureNode] = strawberry.field(description="De tellingen van het eigen werk in elke rij, in deze volgorde.")
    available_sources: list[str] = strawberry.field(
        description="De modules die hun werk laten tellen (bijvoorbeeld handvat2_signaleren); leeg als geen enkele aan staat: dan alleen CBS."
    )
    rows: list[MonitoringRowNode] = strawberry.field(description="De gemeente, dan haar wijken op code, dan 'wijk onbekend' als er werk zonder wijk is.")

    @classmethod
    def from_result(cls, result: WijkMonitoring) -> WijkMonitoringNode:
        return cls(
            year=result.year,
            cbs_year=result.cbs_year,
            births_year=result.births_year,
            threshold=result.threshold,
            cbs_indicators=[MonitoringIndicatorNode.from_info(info) for info in result.cbs_indicators],
            platform_figures=[PlatformFigureNode.from_figure(figure) for figure in result.platform_figures],
            available_sources=list(result.available_sources),
            rows=[MonitoringRowNode.from_row(row) for row in result.rows],
        )

"""The output types of the startfoto, built from the service's rows (`from_row`); stored
values become enum members here. A picture's figures are a connection of their own
(filtered by indicator, region or period), so a picture never answers thousands at once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from core.plugin import Connection, container, paginate, paginate_list, readable_with
from plugins.handvat1_zicht.graphql.figures.enums import FigureStatus, IndicatorSource, RegionType, member
from plugins.handvat1_zicht.graphql.startfoto.enums import ComparisonGap, StartfotoKind, StartfotoState
from plugins.handvat1_zicht.models import SnapshotFigure, Startfoto
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services.startfoto import FIGURE_ORDER, Comparison, ComparisonRow, figures_statement


@readable_with(FIGURES_READ)
@strawberry.type(name="StartfotoPartner", description="Een partnerorganisatie van de coalitie zoals zij op de peildatum was.")
class StartfotoPartnerNode:
    name: str
    partner_type: str = strawberry.field(description="Het soort organisatie op de peildatum (de waarde van PartnerType, in kleine letters).")


@readable_with(FIGURES_READ)
@strawberry.type(name="StartfotoOfferItem", description="Iets wat de coalitie gezinnen op de peildatum aanbood (bijvoorbeeld een regeling).")
class StartfotoOfferItemNode:
    kind: str = strawberry.field(description="Wat het is, als <module>.<soort> (bijvoorbeeld handvat3_toegang.regeling).")
    code: str
    name: str
    description: str


@readable_with(FIGURES_READ)
@strawberry.type(name="StartfotoFigure", description="Een cijfer zoals de foto het bewaart: een kopie met bron en jaar, die latere imports niet veranderen.")
class StartfotoFigureNode:
    region_code: str = strawberry.field(description="De gemeentecode (GM…) of wijkcode (WK…).")
    region_type: RegionType  # type: ignore[valid-type]
    region_name: str | None
    indicator: str = strawberry.field(description="De code van de indicator.")
    indicator_name: str
    unit: str
    definition: str
    source: IndicatorSource  # type: ignore[valid-type]
    source_description: str = strawberry.field(description="De bron in woorden, bij CBS met tabel en jaar.")
    period: int
    value: float | None = strawberry.field(description="Null als het cijfer onderdrukt of onbekend is (zie status): nooit nul.")
    status: FigureStatus  # type: ignore[valid-type]
    series: int = strawberry.field(description="De reeks: na een reeksbreuk een hoger nummer.")
    table_id: str | None = strawberry.field(description="De CBS-tabel (bij een eigen indicator null).")
    cbs_key: str | None

    @classmethod
    def from_row(cls, row: SnapshotFigure) -> StartfotoFigureNode:
        return cls(
            region_code=row.region_code,
            region_type=member(RegionType, row.region_type),
            region_name=row.region_name,
            indicator=row.indicator,
            indicator_name=row.indicator_name,
            unit=row.unit,
            definition=row.definition,
            source=member(IndicatorSource, row.source),
            source_description=row.source_description,
            period=row.period,
            value=row.value,
            status=member(FigureStatus, row.status),
            series=row.series,
            table_id=row.table_id,
            cbs_key=row.cbs_key,
        )


@readable_with(FIGURES_READ)
@strawberry.type(name="Startfoto", description="Een startfoto of vervolgfoto: cijfers, partners en aanbod op een peildatum, met het eigen verhaal van de coalitie.")
class StartfotoNode:
    id: strawberry.ID
    kind: StartfotoKind  # type: ignore[valid-type]
    state: StartfotoState  # type: ignore[valid-type]
    title: str
    reference_date: dt.date = strawberry.field(description="De peildatum.")
    baseline_id: strawberry.ID | None = strawberry.field(description="Bij een vervolgfoto: de startfoto waarmee zij vergeleken wordt.")
    went_well: str = strawberry.field(description="Wat gaat goed.")
    gaps: str = strawberry.field(description="De lacunes.")
    ambitions: str = strawberry.field(description="De ambities.")
    voices: str = strawberry.field(description="Wat ouders en ervaringsdeskundigen zeiden.")
    partners: list[StartfotoPartnerNode] = strawberry.field(description="De partners van de coalitie op de peildatum.")
    offer: list[StartfotoOfferItemNode] = strawberry.field(description="Het aanbod op de peildatum (leeg als geen module het bijhoudt).")
    created_at: dt.datetime
    fixed_at: dt.datetime | None = strawberry.field(description="Wanneer de foto is vastgesteld (null: nog een concept).")
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="De cijfers van de foto, per gebied, indicator en jaar; te filteren.")
    async def figures(
        self,
        info: Info,
        indicator: str | None = None,
        region_code: str | None = None,
        period: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StartfotoFigureNode]:
        statement = figures_statement(self.row_id, indicator=indicator, region_code=region_code, period=period)
        return await paginate(
            info.context.session,
            statement,
            order_by=FIGURE_ORDER,
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=StartfotoFigureNode.from_row,
        )

    @classmethod
    def from_row(cls, row: Startfoto) -> StartfotoNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=member(StartfotoKind, row.kind),
            state=member(StartfotoState, row.state),
            title=row.title,
            reference_date=row.reference_date,
            baseline_id=strawberry.ID(str(row.baseline_id)) if row.baseline_id else None,
            went_well=row.went_well,
            gaps=row.gaps,
            ambitions=row.ambitions,
            voices=row.voices,
            partners=[StartfotoPartnerNode(name=item.get("name", ""), partner_type=item.get("type", "")) for item in row.partners or ()],
            offer=[
                StartfotoOfferItemNode(kind=item.get("kind", ""), code=item.get("code", ""), name=item.get("name", ""), description=item.get("description", ""))
                for item in row.offer or ()
            ],
            created_at=row.created_at,
            fixed_at=row.fixed_at,
            row_id=row.id,
        )


@readable_with(FIGURES_READ)
@strawberry.type(name="StartfotoComparisonRow", description="Een indicator in een gebied: de stand in de startfoto, in de vervolgfoto, en het verschil.")
class ComparisonRowNode:
    indicator: str
    indicator_name: str
    unit: str
    source: IndicatorSource  # type: ignore[valid-type]
    region_code: str
    region_type: RegionType  # type: ignore[valid-type]
    region_name: str | None
    baseline_period: int | None = strawberry.field(description="Het jaar van het cijfer in de startfoto (het laatste dat zij heeft).")
    baseline_value: float | None
    baseline_status: FigureStatus | None  # type: ignore[valid-type]
    follow_up_period: int | None = strawberry.field(description="Het jaar van het cijfer in de vervolgfoto (het laatste dat zij heeft).")
    follow_up_value: float | None
    follow_up_status: FigureStatus | None  # type: ignore[valid-type]
    difference: float | None = strawberry.field(
        description="Vervolgfoto min startfoto (bij een percentage in procentpunten); null als een van beide onbekend is of er een reeksbreuk tussen ligt."
    )
    relative_difference: float | None = strawberry.field(
        description="Het verschil in % van de startfoto; alleen bij aantallen en andere niet-percentages, en als de startfoto niet nul is."
    )
    break_between: bool = strawberry.field(description="Waar: tussen de twee jaren ligt een reeksbreuk; er is dan geen verschil.")
    gap: ComparisonGap | None = strawberry.field(description="Waarom er geen verschil is (null: er is er een).")  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="De uitleg in woorden waarom er geen verschil is, met de toelichting van het CBS bij een reeksbreuk.")

    @classmethod
    def from_row(cls, row: ComparisonRow) -> ComparisonRowNode:
        return cls(
            indicator=row.indicator,
            indicator_name=row.indicator_name,
            unit=row.unit,
            source=member(IndicatorSource, row.source),
            region_code=row.region_code,
            region_type=member(RegionType, row.region_type),
            region_name=row.region_name,
            baseline_period=row.baseline_period,
            baseline_value=row.baseline_value,
            baseline_status=member(FigureStatus, row.baseline_status),
            follow_up_period=row.follow_up_period,
            follow_up_value=row.follow_up_value,
            follow_up_status=member(FigureStatus, row.follow_up_status),
            difference=row.difference,
            relative_difference=row.relative_difference,
            break_between=row.break_between,
            gap=member(ComparisonGap, row.gap),
            reason=row.reason,
        )


@readable_with(FIGURES_READ)
@strawberry.type(name="StartfotoComparison", description="Twee foto's naast elkaar, indicator voor indicator per gebied.")
class StartfotoComparisonNode:
    baseline: StartfotoNode
    follow_up: StartfotoNode
    all_rows: strawberry.Private[list[ComparisonRow]]

    @strawberry.field(description="De vergelijking per indicator en gebied (gemeente eerst); te filteren op indicator of gebied.")
    async def rows(
        self, info: Info, indicator: str | None = None, region_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[ComparisonRowNode]:
        listed: list[Any] = [
            row
            for row in self.all_rows
            if (indicator is None or row.indicator == indicator) and (region_code is None or row.region_code == region_code.strip().upper())
        ]
        return await paginate_list(listed, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=ComparisonRowNode.from_row)

    @classmethod
    def from_comparison(cls, comparison: Comparison) -> StartfotoComparisonNode:
        return cls(baseline=StartfotoNode.from_row(comparison.baseline), follow_up=StartfotoNode.from_row(comparison.follow_up), all_rows=comparison.rows)


@container
@strawberry.type
class StartfotoPayload:
    startfoto: StartfotoNode

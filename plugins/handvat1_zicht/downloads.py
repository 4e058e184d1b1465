"""The files handvat 1 serves (`register_downloads`), at
`GET /t/{slug}/modules/handvat1_zicht/downloads/{name}`: charts as pictures, CSV exports,
the printable startfoto report and a member's calendar of action deadlines. Each handler
lives with its part (services); it is imported when the file is asked for, so the
plotting libraries load only then."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plugin import Download, DownloadFile
from plugins.handvat1_zicht.permissions import FIGURES_READ, PLAN_READ


async def wijk_chart(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat1_zicht.services import charts

    return await charts.wijk_chart_file(context, parameters)


async def trend_chart(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat1_zicht.services import charts

    return await charts.trend_chart_file(context, parameters)


async def table_csv(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat1_zicht.services import exports

    return await exports.table_csv_file(context, parameters)


async def startfoto_report(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat1_zicht.services import report

    return await report.startfoto_report_file(context, parameters)


async def action_calendar(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat1_zicht.services import plan

    return await plan.action_calendar_file(context, parameters)


DOWNLOADS = [
    Download(
        "wijk-chart",
        FIGURES_READ,
        "Staafdiagram van een indicator per wijk in een jaar (of uit een startfoto), als PNG of SVG: "
        "?indicator=…&period=…|startfoto=…&format=png|svg.",
        wijk_chart,
    ),
    Download(
        "trend-chart",
        FIGURES_READ,
        "Het verloop van een indicator over de jaren voor de gemeente en gekozen wijken, als PNG of SVG, "
        "zonder lijn over een reeksbreuk: ?indicator=…&regions=…&format=png|svg.",
        trend_chart,
    ),
    Download(
        "table.csv",
        FIGURES_READ,
        "Een tabel als CSV: de cijfers per wijk, de monitoring, een startfoto of de vergelijking met een vervolgfoto: ?table=…",
        table_csv,
    ),
    Download(
        "startfoto-report",
        FIGURES_READ,
        "De startfoto (of vervolgfoto) als printbaar HTML-verslag met de grafieken: ?startfoto=…",
        startfoto_report,
    ),
    Download(
        "actions.ics",
        PLAN_READ,
        "De deadlines van acties van het plan van aanpak als iCalendar: van de vrager (?scope=mine), of alle (?scope=all).",
        action_calendar,
        feed=True,
    ),
]

"""The files handvat 4 serves (`register_downloads`), at
`GET /t/{slug}/modules/handvat4_leren/downloads/{name}`: the calendar of learning
activities. The handler lives with its part (services) and is imported when the file is
asked for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plugin import Download, DownloadFile
from plugins.handvat4_leren.permissions import ACTIVITIES_READ


async def activity_calendar(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    from plugins.handvat4_leren.services import calendar

    return await calendar.activity_calendar_file(context, parameters)


DOWNLOADS = [
    Download(
        "activities.ics",
        ACTIVITIES_READ,
        "De leeractiviteiten als iCalendar, één afspraak per datum: waarvoor de vrager is ingeschreven of op de wachtlijst "
        "staat (?scope=mine, standaard), of alle activiteiten van de coalitie die doorgaan (?scope=all).",
        activity_calendar,
        feed=True,
    ),
]

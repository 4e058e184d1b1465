"""Dates of handvat 1 are Dutch calendar dates (a peildatum, a deadline, the day a session
was held): "today" is Amsterdam's, whatever the server's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def today() -> dt.date:
    return dt.datetime.now(LOCAL_ZONE).date()

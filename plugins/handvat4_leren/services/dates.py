"""Dutch calendar days: the coalition works in Amsterdam's time, whatever the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def local_today() -> dt.date:
    """Amsterdam's today."""
    return dt.datetime.now(LOCAL_ZONE).date()


def start_of(day: dt.date) -> dt.datetime:
    """The first moment of a Dutch calendar day, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


def end_of(day: dt.date) -> dt.datetime:
    """The moment a Dutch calendar day is over (held "at the end of" it: before this), in UTC."""
    return start_of(day + dt.timedelta(days=1))

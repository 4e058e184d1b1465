"""Downloads of the tiny test module, for the tests of core's download route and feed links
(tests/core/test_downloads.py). tiny_notes is shared by many tests, so they are not
declared by it: `serving(platform)` adds them to its loaded contributions for one test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from core.plugin import Conflict, Download, DownloadFile, ValidationFailed, record_processing
from tests.support import tiny_notes
from tests.support.tiny_notes.models import TinyNote

KEY = tiny_notes.KEY
READ = f"{KEY}.note.read"
WRITE = f"{KEY}.note.write"
STATES = ("draft", "published", "archived")


async def notes_csv(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """The notes as CSV (`?state=` one of STATES), logged as read."""
    state = parameters.get("state")
    if state is not None and state not in STATES:
        raise ValidationFailed("Kies een toestand: draft, published of archived.", field="state")
    statement = select(TinyNote).order_by(TinyNote.text)
    if state is not None:
        statement = statement.where(TinyNote.state == state)
    rows = list((await context.session.execute(statement)).scalars())
    record_processing(context, tiny_notes.ACTIVITY, "notes.csv", [row.id for row in rows], "exported")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tekst", "toestand"])
    writer.writerows([row.text, row.state] for row in rows)
    return DownloadFile(out.getvalue().encode(), "text/csv; charset=utf-8", "notities.csv")


async def whoami(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """A calendar naming who asked, with the parameters it got (feed tests)."""
    given = ",".join(f"{key}={value}" for key, value in sorted(parameters.items()))
    text = f"BEGIN:VCALENDAR\r\nX-WHO:{context.principal.subject}\r\nX-PARAMS:{given}\r\nEND:VCALENDAR\r\n"
    return DownloadFile(text.encode(), "text/calendar", "agenda.ics")


async def writers_feed(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """A feed only note writers may fetch (a role change takes it away)."""
    return DownloadFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "grafiek €.svg")


async def write_note(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """Writes a note, then fails when `?fail=1`: what it wrote must not be kept."""
    context.session.add(TinyNote(text=parameters.get("text", "geschreven")))
    await context.session.flush()
    if parameters.get("fail") == "1":
        raise ValidationFailed("Mislukt na het schrijven.", field="fail")
    return DownloadFile(b"ok", "text/plain", "ok.txt")


async def conflicting(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    raise Conflict("Dit bestand wordt nu gemaakt; probeer het zo opnieuw.")


async def broken(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    raise RuntimeError("bug in a handler (test)")


async def wrong_type(context: Any, parameters: Mapping[str, str]) -> Any:
    return b"not a DownloadFile"


DOWNLOADS = [
    Download("notes.csv", READ, "De notities als CSV: ?state=…", notes_csv),
    Download("whoami.ics", READ, "Wie vroeg, als agenda.", whoami, feed=True),
    Download("writers.svg", WRITE, "Alleen voor schrijvers.", writers_feed, feed=True),
    Download("write-note", WRITE, "Schrijft een notitie.", write_note),
    Download("conflicting", READ, "Antwoordt altijd CONFLICT.", conflicting),
    Download("broken", READ, "Faalt onverwacht.", broken),
    Download("wrong-type", READ, "Geeft geen DownloadFile.", wrong_type),
]


@contextmanager
def serving(platform: Any) -> Iterator[None]:
    """tiny_notes serves DOWNLOADS while the block runs."""
    contributions = platform.runtime.modules[KEY].contributions
    before = contributions.downloads
    contributions.downloads = [*before, *DOWNLOADS]
    try:
        yield
    finally:
        contributions.downloads = before

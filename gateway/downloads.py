"""Files that modules serve (`register_downloads`): `GET
/t/{tenant_slug}/modules/{module_key}/downloads/{name}`, with an access token as for
GraphQL, or with a member's personal feed link (`?feed=kf_…`, core.feeds) for a download
declared `feed=True`.

Errors are problem+json (RFC 9457) with the platform's codes: the caller's own
(`UNAUTHENTICATED`, `TENANT_MISMATCH`, `NOT_FOUND` for an unknown module or download,
`MODULE_NOT_ENABLED`, `FORBIDDEN`) and the handler's `DomainError` with its code, status and
`field` (the query parameter). With a feed link every refusal before the handler runs is the
one NOT_FOUND of an unknown link (core.feeds), so that no answer tells a real secret apart.
Anything else a handler raises is logged and answered 500 (`INTERNAL_SERVER_ERROR`), a busy
database 503 (`BUSY`).

The handler runs in the request's unit of work: what it recorded in the processing log, and
anything else it wrote, is committed when it succeeds and rolled back when it fails (its
processing records are then written with status `error`, as for a mutation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import structlog
from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from core.db import database_problem
from core.errors import Conflict, DomainError, ModuleNotEnabled, NotFound
from core.feeds import FEED_PARAMETER, feed_context
from core.graphql.context import RequestContext
from core.module_types import Download, DownloadFile
from core.platform import Platform
from core.processing import Trace
from core.validation import has_unsafe_characters
from gateway.auth import authenticate
from gateway.problems import domain_problem

log = structlog.get_logger(__name__)

router = APIRouter()


#: Media types a browser should save rather than show: a spreadsheet and a calendar.
ATTACHMENT_TYPES = frozenset({"text/csv", "text/calendar"})
#: A served file runs nothing and loads nothing from elsewhere, also when it is HTML or SVG
#: opened from the platform's own origin (a chart or a printable report).
DOWNLOAD_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class DownloadFailed(DomainError):
    """A handler failed unexpectedly (logged with its traceback)."""

    code = "INTERNAL_SERVER_ERROR"
    http_status = 500


def content_disposition(media_type: str, filename: str) -> str:
    """`inline` (attachment for CSV and calendars) with an ASCII file name, plus the UTF-8
    name (RFC 6266, 8187) when it has other characters."""
    kind = "attachment" if media_type.split(";")[0].strip().lower() in ATTACHMENT_TYPES else "inline"
    plain = _UNSAFE_FILENAME.sub("_", filename).strip("._") or "download"
    header = f'{kind}; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def download_parameters(request: Request) -> dict[str, str]:
    """The query parameters as a plain mapping: of a repeated parameter the last value
    counts; `feed` (the link's secret) is not passed on. A text with a NUL or a lone
    surrogate is refused here, so no handler meets one."""
    parameters = dict(request.query_params)  # a multi-dict: the last value of a key
    parameters.pop(FEED_PARAMETER, None)
    for key, value in parameters.items():
        if has_unsafe_characters(key) or has_unsafe_characters(value):
            raise DomainError(
                "Deze parameter bevat een teken dat niet is toegestaan, zoals een nul-teken.",
                code="INVALID_CHARACTERS",
                field=None if has_unsafe_characters(key) else key,
            )
    return parameters


@contextmanager
def _watch_writes(session: Any) -> Iterator[list[bool]]:
    """Whether the block flushed anything to the database (`[True]`), besides what is
    still pending in the session."""
    flushed: list[bool] = []

    def mark(*_args: Any) -> None:
        flushed[:] = [True]

    event.listen(session.sync_session, "after_flush", mark)
    try:
        yield flushed
    finally:
        event.remove(session.sync_session, "after_flush", mark)


async def serve(context: RequestContext, module_key: str, download: Download, parameters: Mapping[str, str]) -> Response:
    """Run `download`'s handler as the context's principal and answer its file."""
    if module_key not in context.enabled_modules:
        raise ModuleNotEnabled(f"De module {module_key} staat niet aan voor deze gemeente.", module=module_key)
    context.principal.require(download.permission)
    session = context.session
    try:
        with _watch_writes(session) as flushed:
            file = await download.handler(context, parameters)
        if not isinstance(file, DownloadFile):
            raise TypeError(f"download {module_key}/{download.name} returned {type(file).__name__}, not a DownloadFile")
        if flushed or session.new or session.dirty or session.deleted:
            # It wrote: commit that with its processing records (status ok), then deliver its events.
            await context.save()
            await context.dispatch_events()
        # Otherwise only its processing records are left: the request context writes them.
    except DomainError:
        await context.save_failure()
        raise
    except IntegrityError:
        await context.save_failure()
        raise Conflict("Deze gegevens zijn tegelijk door iemand anders gewijzigd of bestaan al. Probeer het opnieuw.") from None
    except Exception as exc:
        await context.save_failure()
        problem = database_problem(exc)
        if problem is not None:
            log.warning("download.database_problem", code=problem.code, error=type(exc).__name__)
            raise problem from None
        log.exception("download.failed", module=module_key, download=download.name)
        raise DownloadFailed("Er ging iets mis aan onze kant.") from None
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(file.media_type, file.filename)}
    return Response(content=file.content, media_type=file.media_type, headers=headers)


@router.get("/t/{tenant_slug}/modules/{module_key}/downloads/{name}", response_model=None, tags=["downloads"])
async def module_download(tenant_slug: str, module_key: str, name: str, request: Request) -> Response:
    """A file a module serves (a chart, a CSV export, a report, a calendar), for a caller
    with an access token who holds the download's permission, or with a personal feed link
    (`?feed=…`) for a feed download. Other query parameters go to the module."""
    try:
        return await _download(tenant_slug, module_key, name, request)
    except DomainError as exc:
        return domain_problem(request, exc)


async def _download(tenant_slug: str, module_key: str, name: str, request: Request) -> Response:
    platform: Platform = request.app.state.platform
    token = request.query_params.get(FEED_PARAMETER)
    download = platform.runtime.download(module_key, name)
    parameters = download_parameters(request)
    if token is not None:
        # A feed link: its member, for this download only. feed_context refuses whatever
        # does not serve (an unknown module, download or gemeente too) as an unknown link.
        async with feed_context(
            platform, tenant_slug, token, module_key, name, request=request, request_id=correlation_id.get(), trace=Trace.current()
        ) as (context, _link):
            assert download is not None  # feed_context checked it
            return await serve(context, module_key, download, parameters)
    claims = await authenticate(request, platform)
    async with platform.request_context(
        tenant_slug, claims, request=request, request_id=correlation_id.get(), trace=Trace.current()
    ) as context:
        if download is None:
            raise NotFound("Deze module heeft geen download met deze naam.")
        return await serve(context, module_key, download, parameters)

"""Answering a workflow step with a link, without an account (core.step_links):

* `GET /t/{slug}/step-link?link=ks_…`: what the link shows (the minimal request and the
  steps it allows); changes nothing, so a mail scanner that follows the link cannot use it
  up. A browser gets a small page with a form; `Accept: application/json` gets JSON.
* `POST /t/{slug}/step-link`: take one step, once (`link`, `transition`, `reason`), as a
  form (the page's) or as JSON.

Refusals carry the platform's codes (`LINK_UNKNOWN`, `LINK_EXPIRED`, `LINK_USED`,
`LINK_REVOKED`, `LINK_STALE`, `STEP_NOT_ALLOWED`, `VALIDATION_FAILED` with `field`): as
problem+json, or as the page with the message. The secret is in the query string or the
body, never the path: the access log and the traces keep the path only.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from core.errors import DomainError, ValidationFailed
from core.platform import Platform
from core.processing import Trace
from core.step_links import LINK_PARAMETER, LinkView, answer_link, view_link
from core.validation import has_unsafe_characters
from gateway.problems import domain_problem

router = APIRouter()

#: A form of three short fields: anything larger is not an answer.
MAX_BODY = 4096
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the page's URL holds the secret
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "dt{font-weight:bold}dd{margin:0 0 .5rem 0}button{margin:.25rem 0;padding:.5rem 1rem}"
        "textarea{width:100%}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _refusal(request: Request, error: DomainError, *, as_json: bool) -> Response:
    if as_json:
        response = domain_problem(request, error)
        response.headers.update(PAGE_HEADERS)
        return response
    return _page("Deze link werkt niet", f"<p>{escape(error.message)}</p><p>Code: {escape(error.code)}</p>", error.http_status)


def _view_json(view: LinkView) -> dict[str, Any]:
    return {
        "title": view.title,
        "gemeente": view.tenant_name,
        "summary": [{"label": label, "value": value} for label, value in view.summary],
        "steps": [{"transition": name, "description": description, "requiresReason": needs} for name, description, needs in view.steps],
        "expiresAt": view.expires_at.isoformat(),
    }


def _view_page(view: LinkView, token: str) -> HTMLResponse:
    rows = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in view.summary)
    buttons = "".join(
        f'<p><button type="submit" name="transition" value="{escape(name)}">{escape(name.capitalize())}</button> '
        f"{escape(description)}{' (reden verplicht)' if needs else ''}</p>"
        for name, description, needs in view.steps
    )
    body = (
        f"<p>Kansrijke Start {escape(view.tenant_name)} vraagt uw antwoord. Deze link werkt één keer, "
        f"tot {view.expires_at:%d-%m-%Y %H:%M} UTC.</p><dl>{rows}</dl>"
        f'<form method="post"><input type="hidden" name="{LINK_PARAMETER}" value="{escape(token)}">'
        '<p><label for="reason">Toelichting of reden</label><br><textarea id="reason" name="reason" rows="3" maxlength="500"></textarea></p>'
        f"{buttons}</form>"
    )
    return _page(view.title, body)


@router.get("/t/{tenant_slug}/step-link", response_model=None, tags=["step links"])
async def show_step_link(tenant_slug: str, request: Request) -> Response:
    """What a step link shows: the minimal request and the steps it allows (changes nothing)."""
    as_json = _wants_json(request)
    platform: Platform = request.app.state.platform
    token = request.query_params.get(LINK_PARAMETER) or ""
    try:
        view = await view_link(platform, tenant_slug, token, trace=Trace.current())
    except DomainError as error:
        return _refusal(request, error, as_json=as_json)
    if as_json:
        return JSONResponse(_view_json(view), headers=PAGE_HEADERS)
    return _view_page(view, token)


class PayloadTooLarge(DomainError):
    """A body over MAX_BODY: refused before it is read further."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge("Het antwoord is te groot.")


async def _bounded_body(request: Request) -> bytes:
    """The body, read no further than MAX_BODY (a larger one is refused, not buffered)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _too_large()
    return bytes(body)


async def _answer_fields(request: Request) -> dict[str, str]:
    body = await _bounded_body(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            fields = {key: data.get(key) for key in (LINK_PARAMETER, "transition", "reason")}
        else:
            parsed = parse_qs(text, max_num_fields=10)
            fields = {key: (parsed.get(key) or [None])[0] for key in (LINK_PARAMETER, "transition", "reason")}
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep to parse
        raise ValidationFailed("Het antwoord is geen geldig formulier of JSON-object.") from None
    for key, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise ValidationFailed("Dit veld moet tekst zijn.", field=key)
        if isinstance(value, str) and has_unsafe_characters(value):
            raise ValidationFailed("Dit veld bevat tekens die niet in tekst horen.", code="INVALID_CHARACTERS", field=key)
    if not fields["transition"]:
        raise ValidationFailed("Kies een stap.", field="transition")
    return {key: value for key, value in fields.items() if value is not None}


@router.post("/t/{tenant_slug}/step-link", response_model=None, tags=["step links"])
async def answer_step_link(tenant_slug: str, request: Request) -> Response:
    """Take one step with a step link, once (form fields or JSON: link, transition, reason)."""
    as_json = _wants_json(request) or request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
    platform: Platform = request.app.state.platform
    try:
        fields = await _answer_fields(request)
        state = await answer_link(
            platform, tenant_slug, fields.get(LINK_PARAMETER, ""), fields["transition"], fields.get("reason"), trace=Trace.current()
        )
    except DomainError as error:
        return _refusal(request, error, as_json=as_json)
    if as_json:
        return JSONResponse({"transition": fields["transition"], "state": state}, headers=PAGE_HEADERS)
    return _page("Dank u wel", f"<p>Uw antwoord is doorgegeven: {escape(fields['transition'])}. De aanvraag staat nu op '{escape(state)}'.</p>")

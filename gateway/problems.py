"""Errors of the REST endpoints as RFC 9457 problem details (`application/problem+json`),
with the platform's codes: the same `code`, `field` and details (`module`, `permission`, …)
that GraphQL puts in `extensions`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from core.errors import DomainError
from gateway.auth import challenge

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, *, code: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    """The problem details of a DomainError, with its headers (`Retry-After`, …); a 401
    always says how to authenticate (RFC 9110 section 15.5.2)."""
    response = problem(exc.http_status, exc.message, **exc.extensions())
    response.headers.update(exc.headers)
    if exc.http_status == 401:
        response.headers.update(challenge(request, exc.code))
    return response

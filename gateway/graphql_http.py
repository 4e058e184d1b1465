"""GraphQL over HTTP: `POST /t/{tenant_slug}/graphql` (JSON), one tenant per request.

Two kinds of answer, as the GraphQL-over-HTTP draft describes (docs/api.md):

- A request error (unknown or suspended tenant, not logged in, not a member, a body that
  is not a GraphQL request, a document that does not parse or validate): a 4xx (or 503)
  status and `{"errors": [...]}` without `data`: nothing was executed.
- Once execution started: 200 with `data` (fields that failed are null, with an error at
  their path) and `errors` if any.

Every error carries `extensions.code` (the enum `ErrorCode` of the SDL). Unexpected errors
are logged with their traceback and masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import structlog
from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from graphql import OperationDefinitionNode
from sqlalchemy.exc import SQLAlchemyError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.errors import DomainError
from core.db import database_problem
from core.graphql.errors import result_body, retry_after
from core.platform import Platform
from core.processing import Trace
from core.validation import MAX_JSON_NESTING, UnsafeInput, check_json_input, has_unsafe_characters
from gateway.auth import INVALID_TOKEN_HEADER, authenticate, challenge
from gateway.graphql_documents import parsed_document
from gateway.observability import graphql_operation

log = structlog.get_logger(__name__)

router = APIRouter()

MAX_BODY_BYTES = 1024 * 1024
ALLOWED_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)


class GraphQLAnswer(JSONResponse):
    """The answer of an executed document, written by orjson: for a page of a list it takes a
    fifth of the standard library's time, the same JSON (UTF-8, no spaces, keys in order; a
    float in exponent form may be written shorter: 1.5e-7 for 1.5e-07).
    What orjson refuses (an integer beyond 64 bits in a JSON scalar) is written as before; so
    are dataclasses and dates that a JSON scalar should not hold (orjson would write them,
    the standard library refuses them: a bug shows as before instead of leaking fields)."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=_STANDARD_TYPES_ONLY)
        except orjson.JSONEncodeError:
            return super().render(content)


_STANDARD_TYPES_ONLY = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def named_operations(query: str) -> int:
    """How many operations a document defines (0 when it does not parse: execution then
    reports the syntax error)."""
    document = parsed_document(query)
    if document is None:
        return 0
    return sum(1 for definition in document.definitions if isinstance(definition, OperationDefinitionNode))


def _request_error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status)


async def _parse_body(request: Request) -> tuple[str, dict[str, Any] | None, str | None] | JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _request_error(415, "Stuur een GraphQL-verzoek als application/json.", "UNSUPPORTED_MEDIA_TYPE")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _request_error(413, "Het verzoek is te groot.", "PAYLOAD_TOO_LARGE")
    raw = bytearray()
    async for chunk in request.stream():  # also bounded without (or with a false) Content-Length
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return _request_error(413, "Het verzoek is te groot.", "PAYLOAD_TOO_LARGE")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return _request_error(400, "De body is geen geldige JSON.", "BAD_REQUEST")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return _request_error(400, "Geef een GraphQL-query op in het veld 'query'.", "BAD_REQUEST")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _request_error(400, "'variables' moet een JSON-object zijn.", "BAD_REQUEST")
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        return _request_error(400, "'operationName' moet een tekst zijn.", "BAD_REQUEST")
    # NUL and lone surrogates are refused once, here, for every text of the request: no
    # resolver, database or JSON encoder of an answer meets them (string values written
    # as escapes inside the query are refused before validation, core.graphql.limits).
    unsafe = "Deze tekst bevat een teken dat niet is toegestaan, zoals een nul-teken of een ongeldig Unicode-teken."
    for name, text in (("query", body["query"]), ("operationName", operation_name or "")):
        if has_unsafe_characters(text):
            return JSONResponse(error_body(unsafe, "INVALID_CHARACTERS", field=name), status_code=400)
    try:
        check_json_input(variables)
    except UnsafeInput as exc:
        if exc.problem == "nesting":
            message = f"De variabelen zijn te diep genest: hoogstens {MAX_JSON_NESTING} niveaus."
            return JSONResponse(error_body(message, "BAD_REQUEST", field=exc.path or "variables"), status_code=400)
        return JSONResponse(error_body(unsafe, "INVALID_CHARACTERS", field=exc.path or "variables"), status_code=400)
    return body["query"], variables, operation_name


async def _execute(request: Request, schema: Any, open_context: Callable[[Trace], Any], operations: tuple[Any, ...]) -> Response:
    """Parse the body, run the document in the context `open_context` gives, answer."""
    platform: Platform = request.app.state.platform
    parsed = await _parse_body(request)
    if isinstance(parsed, JSONResponse):
        return parsed
    query, variables, operation_name = parsed
    if operation_name is None and named_operations(query) > 1:
        return _request_error(
            400, "Dit document bevat meerdere operaties: geef operationName op.", "GRAPHQL_VALIDATION_FAILED"
        )
    operation = graphql_operation(request, schema, query, operation_name)
    try:
        # The request's span (gateway.observability): its ids go into the processing log.
        async with open_context(Trace.current()) as context:
            operation.tenant = context.tenant.slug
            result = await schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=operations,
            )
    except (SQLAlchemyError, ConnectionError, TimeoutError) as exc:
        problem = database_problem(exc)
        if problem is None:
            raise
        log.warning("graphql.database_problem", code=problem.code, error=type(exc).__name__)
        return JSONResponse(
            {"errors": [{"message": problem.message, "extensions": problem.extensions()}]},
            status_code=problem.http_status,
            headers=problem.headers,
        )
    except DomainError as exc:
        headers = challenge(request, exc.code) if exc.http_status == 401 else None
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": exc.extensions()}]}, status_code=exc.http_status, headers=headers
        )
    except InvalidOperationTypeError:
        return _request_error(400, "Deze soort operatie wordt hier niet ondersteund.", "OPERATION_NOT_SUPPORTED")
    except CannotGetOperationTypeError:
        return _request_error(400, "Deze operatie staat niet in het document (operationName).", "GRAPHQL_VALIDATION_FAILED")
    body = result_body(result, debug=platform.settings.debug)
    operation.finish(body)
    # A document that could not run at all (parse or validation errors carry no path) is a
    # bad request; once execution started the answer is 200 with field errors.
    document_failed = result.data is None and bool(result.errors) and all(not error.path for error in result.errors)
    if document_failed:
        # A request error: nothing was executed, so the answer has no `data` (GraphQL spec,
        # "Response"), like every other request error of this endpoint.
        body.pop("data", None)
    headers: dict[str, str] = {}
    wait = retry_after(body)
    if wait is not None:
        headers["Retry-After"] = wait
    return GraphQLAnswer(body, status_code=400 if document_failed else 200, headers=headers)


@router.post("/t/{tenant_slug}/graphql", response_model=None)
async def graphql_post(tenant_slug: str, request: Request) -> Response:
    """The API of a gemeente, for its members and granted API clients."""
    platform: Platform = request.app.state.platform
    try:
        claims = await authenticate(request, platform)
    except DomainError as exc:
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": exc.extensions()}]}, status_code=exc.http_status, headers=INVALID_TOKEN_HEADER
        )

    def open_context(trace: Trace) -> Any:
        return platform.request_context(tenant_slug, claims, request=request, request_id=correlation_id.get(), trace=trace)

    return await _execute(request, platform.schema, open_context, ALLOWED_OPERATIONS)


@router.post("/t/{tenant_slug}/public/graphql", response_model=None)
async def public_graphql_post(tenant_slug: str, request: Request) -> Response:
    """The public API of a gemeente for parents: no login, only what modules offer
    publicly (queries only), rate-limited per client address."""
    platform: Platform = request.app.state.platform
    if platform.public_schema is None:
        return _request_error(404, "Deze gemeente heeft geen openbare API.", "NOT_FOUND")
    retry = await request.app.state.public_rate_limiter.refusal(tenant_slug, request, platform.settings.trusted_proxies)
    if retry is not None:
        log.warning("public.rate_limited", tenant=tenant_slug)
        return JSONResponse(
            error_body("Te veel verzoeken. Probeer het over een minuut opnieuw.", "RATE_LIMITED"),
            status_code=429,
            headers={"Retry-After": str(retry)},
        )

    def open_context(trace: Trace) -> Any:
        return platform.public_context(tenant_slug, request=request, request_id=correlation_id.get(), trace=trace)

    return await _execute(request, platform.public_schema, open_context, (OperationType.QUERY,))


@router.get("/t/{tenant_slug}/graphql", response_model=None)
async def graphql_get(tenant_slug: str, request: Request) -> Response:
    """GraphiQL in development; queries are never accepted by GET."""
    platform: Platform = request.app.state.platform
    if platform.settings.debug and "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    return JSONResponse(
        error_body("Stuur GraphQL-verzoeken met POST.", "METHOD_NOT_ALLOWED"),
        status_code=405,
        headers={"Allow": "POST"},
    )

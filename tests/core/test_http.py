"""The HTTP edge: health, readiness, request ids, request-level errors, GraphiQL only in
development, the development login only when debug is on."""

from __future__ import annotations

import httpx
import pytest

from core.platform import Platform
from core.testing import fresh_database, migrate_platform, require_backend, settings_for_database
from gateway.app import create_app
from tests.conftest import TINY_EXTRA, TINY_NOTES, Api, World

ADMIN = World.email("coalition_admin", "utrecht")


async def test_health_and_ready(api: Api) -> None:
    assert (await api.client.get("/health")).json() == {"status": "ok"}
    ready = await api.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_not_ready_before_migrations(backend: str, tmp_path) -> None:
    await require_backend(backend)
    database = await fresh_database(backend, tmp_path)
    try:
        app = create_app(settings_for_database(database), extra_modules=[TINY_NOTES, TINY_EXTRA])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response = await client.get("/ready")
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            if backend == "sqlite":
                assert response.json()["code"] == "MIGRATIONS_PENDING"
                assert "core_0001" in response.json()["pending"]
            else:  # the app's role is made by the first migration: it cannot even connect yet
                assert response.json()["code"] == "DATABASE_UNAVAILABLE"
            await migrate_platform(app.state.platform)
            assert (await client.get("/ready")).status_code == 200
        await app.state.platform.dispose()
    finally:
        await database.drop()


async def test_request_id_is_returned_and_kept(api: Api, world: World) -> None:
    response = await api.client.get("/health", headers={"X-Request-ID": "3f1c0e7a9b2d4c6e8f0a1b2c3d4e5f60"})
    assert response.headers["x-request-id"] == "3f1c0e7a9b2d4c6e8f0a1b2c3d4e5f60"
    generated = await api.gql("utrecht", "{ tenant { code } }", user=ADMIN)
    assert len(generated.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("text/plain", "{ tenant { code } }", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("application/json", "{not json", 400, "BAD_REQUEST"),
        ("application/json", "[]", 400, "BAD_REQUEST"),
        ("application/json", '{"query": ""}', 400, "BAD_REQUEST"),
        ("application/json", '{"query": "{ tenant { code } }", "variables": [1]}', 400, "BAD_REQUEST"),
        ("application/json", '{"query": "{ tenant { code "}', 400, "GRAPHQL_PARSE_FAILED"),
        ("application/json", '{"query": "{ nope }"}', 400, "GRAPHQL_VALIDATION_FAILED"),
        ("application/json", '{"query": "subscription { tenant { code } }"}', 400, "OPERATION_NOT_SUPPORTED"),
    ],
)
async def test_bad_requests(api: Api, world: World, content_type: str, body: str, status: int, code: str) -> None:
    token = await api.token("utrecht", ADMIN)
    response = await api.client.post(
        "/t/utrecht/graphql", content=body, headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("slug", "user", "status", "code"),
    [
        ("utrecht", None, 401, "UNAUTHENTICATED"),
        ("utrecht", "nobody@example.org", 401, "UNAUTHENTICATED"),
        ("utrecht", World.email("coalition_admin", "s-hertogenbosch"), 403, "NOT_A_MEMBER"),
        ("nergens", ADMIN, 404, "TENANT_NOT_FOUND"),
    ],
)
async def test_who_may_call_a_tenant(api: Api, world: World, slug: str, user: str | None, status: int, code: str) -> None:
    response = await api.gql(slug, "{ tenant { code } }", user=user)
    assert response.status == status and response.codes == [code]
    assert "data" not in response.body


async def test_graphql_by_get_is_refused_and_graphiql_only_in_development(api: Api, world: World) -> None:
    refused = await api.client.get("/t/utrecht/graphql?query={tenant{code}}")
    assert refused.status_code == 405 and refused.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    page = await api.client.get("/t/utrecht/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_production_mode(api: Api, platform: Platform, world: World) -> None:
    """Debug off: tokens work, no development shortcuts, no GraphiQL, no introspection."""
    production = Platform.create(platform.settings.model_copy(update={"debug": False}), extra_modules=[TINY_NOTES, TINY_EXTRA])
    app = create_app(platform=production)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            no_token = await client.post(
                "/t/utrecht/graphql", json={"query": "{ tenant { code } }"}, headers={"X-Dev-User": ADMIN}
            )
            assert no_token.status_code == 401
            assert no_token.headers["www-authenticate"] == "Bearer"  # no token sent: no error code (RFC 6750 section 3.1)
            token = await api.token("utrecht", ADMIN)
            ok = await client.post("/t/utrecht/graphql", json={"query": "{ tenant { code } }"}, headers={"Authorization": f"Bearer {token}"})
            assert ok.json() == {"data": {"tenant": {"code": "GM0344"}}}
            page = await client.get("/t/utrecht/graphql", headers={"Accept": "text/html"})
            assert page.status_code == 405
            assert (await client.get("/docs")).status_code == 404
            assert (await client.get("/nope")).headers["content-type"] == "application/problem+json"
        from core.testing import execute

        introspection = await execute(production, "utrecht", "{ __schema { types { name } } }", user=ADMIN)
        assert introspection["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        suggestion = await execute(production, "utrecht", "{ partner { id } }", user=ADMIN)
        assert "Did you mean" not in suggestion["errors"][0]["message"]
    finally:
        await production.dispose()


async def test_query_limits(api: Api, world: World) -> None:
    deep = "{ members { nodes " + "{ partner { members " * 8 + "{ email }" + " } }" * 8 + " } }"
    too_deep = await api.gql("utrecht", deep, user=ADMIN)
    assert too_deep.status == 400 and too_deep.codes == ["GRAPHQL_VALIDATION_FAILED"]
    aliases = "{ " + " ".join(f"a{index}: tenant {{ code }}" for index in range(40)) + " }"
    too_many = await api.gql("utrecht", aliases, user=ADMIN)
    assert too_many.status == 400 and too_many.codes[0] == "GRAPHQL_VALIDATION_FAILED"


async def test_unexpected_errors_are_masked_and_logged(api: Api, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.services import coalition

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(coalition, "get_wijk", broken)
    response = await api.gql("utrecht", '{ wijk(id: "00000000-0000-0000-0000-000000000001") { code } }', user=ADMIN)
    assert response.status == 200 and response.codes == ["INTERNAL_SERVER_ERROR"]
    assert "secret" not in response.errors[0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ tenant { code } }", "operationName": "Nope"}',
        '{"query": "query A { tenant { code } } query B { tenant { name } }"}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
async def test_more_bad_documents_are_400s(api: Api, world: World, body: str) -> None:
    token = await api.token("utrecht", ADMIN)
    response = await api.client.post(
        "/t/utrecht/graphql", content=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] in {"GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"}


async def test_too_large_body_is_refused(api: Api, world: World) -> None:
    body = '{"query": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = await api.client.post("/t/utrecht/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("values", [[{"a": 1}, "00000000-0000-0000-0000-000000000001"], [1, "00000000-0000-0000-0000-000000000001"], ["x", "not-a-uuid"], "x"])
async def test_forged_cursors_are_validation_errors(api: Api, world: World, values: object) -> None:
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    response = await api.gql("utrecht", "query($a: String) { partners(after: $a) { totalCount } }", {"a": cursor}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "after"


def test_graphql_answer_is_the_standard_librarys_json() -> None:
    """The executed answer's writer (orjson) gives the bytes the standard library gave for
    what GraphQL answers (strings of any script, numbers, null, booleans, nesting), and
    what orjson refuses is still written."""
    import json

    from gateway.graphql_http import GraphQLAnswer

    content = {
        "errors": [{"message": "Geen toegang tot ‘gezinnen’ 🙂", "path": ["families", 0], "extensions": {"code": "FORBIDDEN"}}],
        "data": {"families": [{"id": "a1", "count": 3, "ratio": 0.25, "closed": None, "open": True, "tags": ["wijk\u2028", "ĳ"]}]},
    }
    standard = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    assert GraphQLAnswer(content).body == standard
    huge = {"data": {"value": 2**80}}  # beyond orjson's 64 bits (a JSON scalar could hold it)
    assert json.loads(GraphQLAnswer(huge).body) == huge
    # What the standard library refuses stays refused (orjson would write an object's fields).
    import dataclasses
    import datetime as dt

    @dataclasses.dataclass
    class Leaked:
        secret: str

    for wrong in (Leaked("x"), dt.date(2026, 12, 5)):
        with pytest.raises(TypeError):
            GraphQLAnswer({"data": {"value": wrong}})

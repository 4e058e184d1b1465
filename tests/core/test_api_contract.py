"""The API contract for integrators (docs/api.md): partial data, permissions and error codes
in the SDL, date scalars, the `API-Version` header, both schemas served and committed, and
no breaking change against the released schemas that CHANGELOG.md does not list."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from graphql import build_schema

from core.config import Settings
from core.errors import ValidationFailed
from core.graphql.contract import API_VERSION, DateScalar, DateTimeScalar
from core.graphql.fields import RequirePermission
from core.identity import clients as client_service
from core.platform import Platform
from core.runtime import platform_module_sources
from gateway.api_contract import CHANGELOG, SDL_FILES, breaking_changes, schema_sdls, unlisted_breaking_changes
from gateway.app import create_app
from tests.conftest import Api, World

ROOT = Path(__file__).resolve().parents[2]
ADMIN = World.email("coalition_admin", "utrecht")


def own_platform(**overrides: object) -> Platform:
    values: dict[str, object] = {"database_url": "sqlite+aiosqlite:///:memory:", "strict_modules": True, "debug": True, **overrides}
    settings = Settings(**values)
    return Platform.create(settings, discover=False, extra_modules=platform_module_sources())


@pytest.fixture(scope="module")
def platform_schemas() -> dict[str, str]:
    return schema_sdls(own_platform())


# -- partial data ------------------------------------------------------------------------------


async def client_token(api: Api, platform: Platform, scopes: list[str]) -> dict[str, str]:
    async with platform.session(None) as session:
        created = await client_service.create_client(session, platform.permissions, name="Datawarehouse", allowed_scopes=scopes)
        await session.commit()
    grant = "mutation($c: String!, $s: [String!]!) { grantApiClient(input: {clientId: $c, scopes: $s}) { grant { clientId } } }"
    (await api.gql("utrecht", grant, {"c": created.client.client_id, "s": scopes}, user=ADMIN)).ok()
    response = await api.client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "tenant": "utrecht"}, auth=(created.client.client_id, created.secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_refused_nested_field_is_null_and_its_siblings_keep_their_data(api: Api, world: World, platform: Platform) -> None:
    headers = await client_token(api, platform, ["core.tenant.read", "core.wijk.read"])
    response = await api.client.post(
        "/t/utrecht/graphql", json={"query": "{ tenant { name modules { key } } wijken { totalCount } }"}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"tenant": {"name": "Utrecht", "modules": None}, "wijken": {"totalCount": 0}}
    (error,) = body["errors"]
    assert error["path"] == ["tenant", "modules"] and error["extensions"]["code"] == "FORBIDDEN"


async def test_a_refused_root_field_is_null_and_the_others_answer(api: Api, world: World, platform: Platform) -> None:
    headers = await client_token(api, platform, ["core.wijk.read"])
    response = await api.client.post("/t/utrecht/graphql", json={"query": "{ partners { totalCount } wijken { totalCount } }"}, headers=headers)
    body = response.json()
    assert body["data"] == {"partners": None, "wijken": {"totalCount": 0}}
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [(["partners"], "FORBIDDEN")]


async def test_request_errors_have_no_data_and_execution_errors_do(api: Api, world: World) -> None:
    token = await api.token("utrecht", ADMIN)
    headers = {"Authorization": f"Bearer {token}"}
    invalid = await api.client.post("/t/utrecht/graphql", json={"query": "{ nothingHere }"}, headers=headers)
    assert invalid.status_code == 400 and "data" not in invalid.json()
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    unauthenticated = await api.client.post("/t/utrecht/graphql", json={"query": "{ tenant { name } }"}, headers={"Authorization": "Bearer nope"})
    assert unauthenticated.status_code == 401 and "data" not in unauthenticated.json()
    assert unauthenticated.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    missing = await api.client.post("/t/utrecht/graphql", json={"query": '{ partner(id: "00000000-0000-0000-0000-000000000000") { name } }'}, headers=headers)
    assert missing.status_code == 200 and missing.json()["data"] == {"partner": None}
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_scope_a_client_cannot_use_is_refused_with_the_reason(api: Api, world: World, platform: Platform) -> None:
    family_read = "handvat2_signaleren.family.read"
    assert not platform.permissions.permissions[family_read].for_clients
    async with platform.session(None) as session:
        with pytest.raises(ValidationFailed) as refused:
            await client_service.create_client(session, platform.permissions, name="DWH", allowed_scopes=["core.partner.read", family_read])
    assert refused.value.code == "INVALID_SCOPE" and family_read in refused.value.message and "organisatie" in refused.value.message
    metadata = (await api.client.get("/.well-known/oauth-authorization-server")).json()
    assert "core.partner.read" in metadata["scopes_supported"] and family_read not in metadata["scopes_supported"]


# -- the SDL: permissions, error codes, scalars ---------------------------------------------------


def test_every_guarded_field_shows_its_permission_in_the_sdl() -> None:
    platform = own_platform()
    schema = platform.schema
    sdl = build_schema(schema.as_str())
    checked = 0
    for name, concrete in schema.schema_converter.type_map.items():
        definition = concrete.definition
        if not hasattr(definition, "fields") or getattr(definition, "is_input", False):
            continue
        graphql_type = sdl.get_type(name)
        for strawberry_field in definition.fields:
            required = sorted({e.permission for e in strawberry_field.extensions if isinstance(e, RequirePermission)})
            if not required:
                continue
            field = graphql_type.fields[schema.config.name_converter.get_graphql_name(strawberry_field)]
            directive = next(d for d in field.ast_node.directives if d.name.value == "requiresPermission")
            shown = [value.value for value in directive.arguments[0].value.values]
            assert shown == required, f"{name}.{strawberry_field.name}"
            assert not str(field.type).endswith("!"), f"{name}.{strawberry_field.name} must be nullable"
            checked += 1
    assert checked > 50
    modules = sdl.get_type("Tenant").fields["modules"]
    assert str(modules.type) == "[Module!]"


def test_every_error_code_in_the_source_is_listed_in_the_sdl(platform_schemas: dict[str, str]) -> None:
    listed = set(build_schema(platform_schemas["tenant"]).get_type("ErrorCode").values)
    used: set[str] = set()
    patterns = [
        re.compile(r"""\bcode\s*=\s*["']([A-Z][A-Z_]+)["']"""),
        re.compile(r"""["']code["']\s*:\s*["']([A-Z][A-Z_]+)["']"""),
        re.compile(r"""(?:error_body|_request_error)\([^)]*?["']([A-Z][A-Z_]{3,})["']\s*[,)]""", re.DOTALL),
    ]
    for folder in ("core", "gateway", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "testing.py":
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in patterns:
                used.update(pattern.findall(text))
    assert len(used) > 30
    assert not used - listed, f"codes answered but not in ErrorCode: {sorted(used - listed)}"
    assert build_schema(platform_schemas["public"]).get_type("ErrorCode") is not None


def test_dates_follow_rfc_3339_and_times_are_answered_in_utc() -> None:
    amsterdam = dt.timezone(dt.timedelta(hours=2))
    assert DateTimeScalar.serialize(dt.datetime(2026, 6, 1, 12, 0, tzinfo=amsterdam)) == "2026-06-01T10:00:00+00:00"
    assert DateTimeScalar.parse_value("2026-06-01T12:00:00+02:00") == dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    assert DateTimeScalar.parse_value("2026-06-01T10:00:00Z").tzinfo == dt.UTC
    assert DateTimeScalar.parse_value("2026-06-01T10:00:00") == dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="RFC 3339"):
        DateTimeScalar.parse_value("1 juni")
    assert DateScalar.parse_value("2026-06-01") == dt.date(2026, 6, 1)
    with pytest.raises(ValueError, match="JJJJ-MM-DD"):
        DateScalar.parse_value("01-06-2026")
    sdl = build_schema(Path(SDL_FILES["tenant"]).read_text(encoding="utf-8"))
    for name in ("Date", "DateTime"):
        assert sdl.get_type(name).specified_by_url == "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"


# -- the committed contract ----------------------------------------------------------------------


def test_both_committed_sdls_match_the_built_schemas(platform_schemas: dict[str, str]) -> None:
    for name, path in SDL_FILES.items():
        assert path.read_text(encoding="utf-8") == platform_schemas[name], (
            f"{name} schema changed: run `uv run kansrijk export-schema` and commit {path.relative_to(ROOT)}"
        )


def test_no_breaking_change_is_left_out_of_the_changelog() -> None:
    unlisted = unlisted_breaking_changes(own_platform(), CHANGELOG.read_text(encoding="utf-8"))
    assert not unlisted, (
        "breaking API changes that CHANGELOG.md does not list; run `uv run kansrijk schema changes` and add its lines "
        f"under the version that makes them: {unlisted}"
    )


def test_the_breaking_change_check_notices_a_removed_field_and_a_new_required_argument() -> None:
    before = "type Query { a: Int b(x: Int): Int }"
    assert breaking_changes(before, "type Query { a: Int }") == ["FIELD_REMOVED: Query.b was removed."]
    assert breaking_changes(before, "type Query { a: Int b(x: Int, y: Int!): Int }") == [
        "REQUIRED_ARG_ADDED: A required arg y on Query.b was added."
    ]
    assert breaking_changes(before, "type Query { a: Int b(x: Int): Int c: Int }") == []


# -- over HTTP: the version header and the served schemas ------------------------------------------


async def test_every_answer_carries_the_api_version(api: Api, world: World) -> None:
    answers = [
        await api.gql("utrecht", "{ tenant { name } }", user=ADMIN),
        await api.gql("utrecht", "{ nothingHere }", user=ADMIN),
    ]
    for answer in answers:
        assert answer.headers["API-Version"] == API_VERSION
    public = await api.client.post("/t/utrecht/public/graphql", json={"query": "{ __typename }"})
    assert public.headers["API-Version"] == API_VERSION
    for path in ("/health", "/t/atlantis/auth/login", "/api/schema.graphql"):
        response = await api.client.get(path)
        assert response.headers["API-Version"] == API_VERSION, path
    assert re.fullmatch(r"\d+\.\d+\.\d+", API_VERSION)


async def test_both_schemas_are_served_outside_debug_without_the_database() -> None:
    import httpx

    # Not started: no database was ever reached, and debug (introspection, GraphiQL) is off.
    platform = own_platform(debug=False, secret_key="een-geheim-van-minstens-32-tekens-lang")
    app = create_app(platform=platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        tenant = await client.get("/api/schema.graphql")
        public = await client.get("/api/public-schema.graphql")
    assert tenant.status_code == 200 and tenant.headers["content-type"].startswith("application/graphql")
    assert tenant.text == SDL_FILES["tenant"].read_text(encoding="utf-8")
    assert public.status_code == 200 and public.text == SDL_FILES["public"].read_text(encoding="utf-8")
    assert "type PublicQuery" in public.text and "type Mutation" not in public.text

"""Bad input at the edge (issue 10): documents whose fragments nest too deep, expand too far
or spread themselves are refused before any validation rule recurses through them; NUL and
lone surrogates are refused once, at the edge, in every text of a request (GraphQL and the
login and token endpoints), naming where but never repeating the value; error messages do
not repeat what was asked for."""

from __future__ import annotations

import base64
import json

import pytest
from graphql import parse

from core.graphql.limits import document_refusal, selection_problem
from core.validation import UnsafeInput, check_json_input, has_unsafe_characters
from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
LONE_SURROGATE = '"\\ud800"'  # as a JSON escape in the body: json.loads gives a lone surrogate
NUL = '"a\\u0000b"'


def fragment_chain(length: int, root: str = "Query") -> str:
    fragments = " ".join(f"fragment F{index} on {root} {{ ...F{index + 1} }}" for index in range(length))
    return f"query {{ ...F0 }} {fragments} fragment F{length} on {root} {{ __typename }}"


async def post(api: Api, body: str, *, path: str = "/t/utrecht/graphql", user: str | None = ADMIN) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if user is not None:
        headers["Authorization"] = f"Bearer {await api.token('utrecht', user)}"
    response = await api.client.post(path, content=body, headers=headers)
    return response.status_code, response.json()


# -- document shape ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/t/utrecht/graphql", "/t/utrecht/public/graphql"])
async def test_a_chain_of_fragment_spreads_is_refused_before_validation(api: Api, world: World, path: str) -> None:
    root = "PublicQuery" if "public" in path else "Query"
    user = None if "public" in path else ADMIN  # the public endpoint: no token at all
    status, body = await post(api, json.dumps({"query": fragment_chain(300, root)}), path=path, user=user)
    assert status == 400, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "te diep genest" in body["errors"][0]["message"] and "Recursion" not in json.dumps(body)


async def test_documents_that_would_recurse_or_explode_are_refused(api: Api, world: World) -> None:
    cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { tenant { code } ...A }"
    bomb = "query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} }}" for i in range(20))
    bomb += " fragment F20 on Query { __typename }"
    inline = "{ " + "... on Query { " * 140 + "__typename" + " }" * 141
    values = '{ regelingen(category: ' + "[" * 100 + "]" * 100 + ") { key } }"
    for query in (cycle, bomb, inline, values):
        status, body = await post(api, json.dumps({"query": query}))
        assert status == 400 and [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"], body
    # Fragments as people use them still work.
    ordinary = "query { ...T } fragment T on Query { tenant { ...C } } fragment C on Tenant { code name }"
    status, body = await post(api, json.dumps({"query": ordinary}))
    assert status == 200 and body["data"]["tenant"]["code"] == "GM0344", body


def test_the_shape_check_walks_without_recursion() -> None:
    limits = {"max_nesting": 36, "max_selections": 20_000}
    assert selection_problem(parse(fragment_chain(30)), **limits) is None  # 32 levels
    assert "te diep" in (selection_problem(parse(fragment_chain(3000), max_tokens=None), **limits) or "")
    cycle = parse("query { ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A }")
    assert "naar zichzelf" in (selection_problem(cycle, **limits) or "")
    self_spread = parse("query { __typename } fragment A on Query { ...A }")
    assert "naar zichzelf" in (selection_problem(self_spread, **limits) or "")
    unused_deep = parse("query { __typename } " + fragment_chain(100).split(" ", 4)[4])
    assert "te diep" in (selection_problem(unused_deep, **limits) or "")
    wide = parse("query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)) + " fragment F30 on Query { a }")
    assert "te groot" in (selection_problem(wide, **limits) or "")
    unknown_fragment = parse("query { ...Nowhere }")
    assert selection_problem(unknown_fragment, **limits) is None  # KnownFragmentNames reports it
    nul = document_refusal(parse('{ a(x: "\\u0000") }'), max_nesting=36, max_selections=100, max_value_nesting=32)
    assert nul is not None and nul.extensions == {"code": "INVALID_CHARACTERS", "field": "query"}


# -- characters no text may hold ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [LONE_SURROGATE, NUL, '"\\udfff tail"', '"ok \\ud83d"'])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("query($v: String) { partners(filter: {search: $v}) { totalCount } }", "v"),
        ("query($v: String) { members(filter: {search: $v}) { totalCount } }", "v"),
        ("query($v: Role) { members(filter: {role: $v}) { totalCount } }", "v"),
        ("query($v: String) { wijken(filter: {search: $v}) { totalCount } }", "v"),
        ("query($v: String) { regelingen(category: $v) { key } }", "v"),
    ],
)
async def test_unsafe_characters_in_variables_are_refused_naming_the_variable(
    api: Api, world: World, query: str, field: str, value: str
) -> None:
    status, body = await post(api, json.dumps({"query": query})[:-1] + f', "variables": {{"v": {value}}}}}')
    assert status == 400, body
    assert body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": field}
    assert "\ud800" not in json.dumps(body) and "\\u0000" not in json.dumps(body)


async def test_unsafe_characters_are_found_anywhere_in_a_request(api: Api, world: World) -> None:
    search = "query($filter: PartnerFilter) { partners(filter: $filter) { totalCount } }"
    nested = json.dumps({"query": search})[:-1] + f', "variables": {{"filter": {{"search": {LONE_SURROGATE}}}}}}}'
    status, body = await post(api, nested)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "filter.search"}
    in_list = json.dumps({"query": "query($r: [String!]) { tenant { code } }"})[:-1] + f', "variables": {{"r": ["a", {NUL}]}}}}'
    status, body = await post(api, in_list)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "r.1"}
    bad_key = json.dumps({"query": search})[:-1] + f', "variables": {{"filter": {{{LONE_SURROGATE}: 1}}}}}}'
    status, body = await post(api, bad_key)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "filter"}
    # In the query text: a raw surrogate or NUL inside a string, and NUL written as a GraphQL escape.
    raw = '{"query": "{ partners(filter: {search: \\"x\\ud800\\"}) { totalCount } }"}'
    status, body = await post(api, raw)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "query"}
    escaped = json.dumps({"query": '{ partners(filter: {search: "x\\u0000"}) { totalCount } }'})
    status, body = await post(api, escaped)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "query"}, body
    named = '{"query": "query A { tenant { code } }", "operationName": "A\\u0000"}'
    status, body = await post(api, named)
    assert status == 400 and body["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "operationName"}


async def test_the_public_endpoint_refuses_them_too(api: Api, world: World) -> None:
    body = json.dumps({"query": "query($c: String) { regelingen(category: $c) { key } }"})[:-1] + f', "variables": {{"c": {LONE_SURROGATE}}}}}'
    status, answer = await post(api, body, path="/t/utrecht/public/graphql", user=None)
    assert status == 400 and answer["errors"][0]["extensions"] == {"code": "INVALID_CHARACTERS", "field": "c"}


async def test_variables_nested_too_deep_are_refused(api: Api, world: World) -> None:
    deep = "[" * 200 + "]" * 200
    status, body = await post(api, '{"query": "query($v: [String]) { tenant { code } }", "variables": {"v": ' + deep + "}}")
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_character_check() -> None:
    assert has_unsafe_characters("\x00") and has_unsafe_characters("a\ud800") and has_unsafe_characters("\udc00")
    assert not has_unsafe_characters("Zoë's café 🍼 ’s-Hertogenbosch\t\n")
    check_json_input({"a": ["ok", {"b": 1.5, "c": None, "d": True}]})
    check_json_input(None)
    with pytest.raises(UnsafeInput) as caught:
        check_json_input({"a": [{"b": "x"}, {"c": "\x00"}]})
    assert (caught.value.problem, caught.value.path) == ("characters", "a.1.c")
    with pytest.raises(UnsafeInput) as caught:
        check_json_input({"filter": {"x" * 5000: ["\ud800"]}})
    assert caught.value.path == "filter.?.0"  # a key that is no GraphQL name is not repeated
    deep: list = []
    for _ in range(10_000):  # far deeper than any recursion could follow
        deep = [deep]
    with pytest.raises(UnsafeInput) as caught:
        check_json_input({"v": deep})
    assert caught.value.problem == "nesting"


# -- messages do not repeat the input -------------------------------------------------------------------------


async def test_error_messages_do_not_repeat_the_input(api: Api, world: World) -> None:
    tracer = "bestaat_niet_7311"
    role = await api.gql("utrecht", "query($r: Role) { members(filter: {role: $r}) { totalCount } }", {"r": tracer}, user=ADMIN)
    assert role.codes == ["GRAPHQL_VALIDATION_FAILED"] and "$r" in role.errors[0]["message"]
    literal = await api.gql("utrecht", f"{{ members(filter: {{role: {tracer.upper()}}}) {{ totalCount }} }}", user=ADMIN)
    assert literal.codes == ["GRAPHQL_VALIDATION_FAILED"] and "Role" in literal.errors[0]["message"]
    count = await api.gql("utrecht", "query($n: Int) { members(first: $n) { totalCount } }", {"n": tracer}, user=ADMIN)
    assert count.codes == ["GRAPHQL_VALIDATION_FAILED"] and "$n" in count.errors[0]["message"]
    module = await api.gql("utrecht", "mutation($k: String!) { enableModule(input: {key: $k}) { module { key } } }", {"k": tracer}, user=ADMIN)
    assert module.codes == ["UNKNOWN_MODULE"]
    response = await api.client.post(f"/t/{tracer}/graphql", json={"query": "{ tenant { code } }"})
    assert response.status_code in (401, 404)
    nowhere = await api.client.post(f"/t/{tracer}/public/graphql", json={"query": "{ __typename }"})
    assert nowhere.status_code == 404 and nowhere.json()["errors"][0]["extensions"]["code"] == "TENANT_NOT_FOUND"
    for answer in (role.body, literal.body, count.body, module.body, response.json(), nowhere.json()):
        assert tracer not in json.dumps(answer).lower()


# -- the REST edge: login and token endpoints ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/t/utrecht/auth/login", "/auth/login"])
@pytest.mark.parametrize(
    "body",
    [
        '{"email": "\\ud800@utrecht.example", "password": "x"}',
        '{"email": "coalition_admin@utrecht.example\\u0000", "password": "x"}',
        '{"email": "coalition_admin@utrecht.example", "password": "geheim\\u0000"}',
    ],
)
async def test_login_refuses_unsafe_characters_with_a_problem(api: Api, world: World, path: str, body: str) -> None:
    response = await api.client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "VALIDATION_FAILED" and "\\u0000" not in response.text and "\\ud800" not in response.text


async def test_a_tenant_slug_with_nul_is_not_found(api: Api, world: World) -> None:
    login = await api.client.post("/t/%00/auth/login", json={"email": ADMIN, "password": "x"})
    assert login.status_code == 404 and login.json()["code"] == "TENANT_NOT_FOUND"
    public = await api.client.post("/t/%00/public/graphql", json={"query": "{ __typename }"})
    assert public.status_code == 404 and public.json()["errors"][0]["extensions"]["code"] == "TENANT_NOT_FOUND"


@pytest.mark.parametrize(
    "form",
    [
        "grant_type=client_credentials&client_id=%00&client_secret=x&tenant=utrecht",
        "grant_type=client_credentials&client_id=kc_x&client_secret=%00&tenant=%00",
        "grant_type=refresh_token&client_id=kansrijk-app&refresh_token=abc%00def",
        "grant_type=client_credentials&client_id=%ED%A0%80&client_secret=x&tenant=utrecht",
    ],
)
async def test_the_token_endpoint_refuses_unsafe_characters_with_an_oauth_error(api: Api, world: World, form: str) -> None:
    response = await api.client.post("/oauth/token", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (400, 401) and response.json()["error"] in {"invalid_request", "invalid_client"}


async def test_the_token_endpoint_refuses_nul_in_basic_credentials(api: Api, world: World) -> None:
    credentials = base64.b64encode(b"kc_demo\x00x:secret").decode()
    response = await api.client.post(
        "/oauth/token",
        content="grant_type=client_credentials&tenant=utrecht",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Variable '$p' got invalid value 'geheim; x' at 'p.householdType'; Value 'geheim; x' does not exist in 'HouseholdType' enum."
            " Did you mean the enum value 'ALLEENSTAANDE_OUDER' or 'ALLEENSTAAND'?",
            "De variabele $p (bij p.householdType) heeft een ongeldige waarde: deze waarde komt niet voor in de enum HouseholdType."
            " Bedoelt u 'ALLEENSTAANDE_OUDER' of 'ALLEENSTAAND'?",
        ),
        ("Value 'GEHEIM' does not exist in 'Role' enum.", "Deze waarde komt niet voor in de enum Role."),
        ("Variable '$n' got invalid value 'geheim'; Int cannot represent non-integer value: 'geheim'", "De variabele $n heeft een ongeldige waarde: dit is geen geldige Int."),
        (
            "Variable '$f' got invalid value {'zoek': 'geheim'}; Field 'zoek' is not defined by type 'PartnerFilter'.",
            "De variabele $f heeft een ongeldige waarde: het veld zoek bestaat niet in PartnerFilter.",
        ),
        (
            "Variable '$i' got invalid value {'geheim': 1}; Field 'name' of required type 'String!' was not provided.",
            "De variabele $i heeft een ongeldige waarde: het verplichte veld name (String!) ontbreekt.",
        ),
    ],
)
def test_coercion_messages_name_the_place_and_the_type_never_the_value(message: str, expected: str) -> None:
    from core.graphql.errors import _without_values

    assert _without_values(message) == expected and "geheim" not in expected.lower()
